package io.dosp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.crypto.Scram;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users-file lines round trip; bad lines, duplicate names and vIPs are refused naming the field. */
class AdmissionConfigTest {
    private static final Scram.Verifier V = Scram.verifier("pw".toCharArray(), "salt".getBytes(StandardCharsets.US_ASCII), 4096);

    @TempDir
    Path tmp;

    @Test
    void userLineRoundTrips() {
        String line = "user alice " + V.encode() + " vip=7.10.0.20 admin groups=ops,dev packet_rate_limit=100"
                + " byte_rate_limit=65536";
        AdmissionConfig.User u = AdmissionConfig.User.parseLine(line);
        assertThat(u.name()).isEqualTo("alice");
        assertThat(u.vip()).contains(Vip.parse("7.10.0.20"));
        assertThat(u.admin()).isTrue();
        assertThat(u.groups()).containsExactlyInAnyOrder("ops", "dev");
        assertThat(u.packetRateLimit()).isEqualTo(100);
        assertThat(u.verifier()).isEqualTo(V);
        assertThat(AdmissionConfig.User.parseLine(u.toLine())).isEqualTo(u);
        assertThat(u.toString()).doesNotContain("SCRAM");
        assertThatThrownBy(() -> AdmissionConfig.User.parseLine("user bob " + V.encode() + " colour=blue"))
                .hasMessageContaining("unknown user attribute 'colour'");
        assertThatThrownBy(() -> AdmissionConfig.Grant.parseLine("grant host:x -> *")).hasMessageContaining("host:x");
        assertThatThrownBy(() -> AdmissionConfig.Grant.parseLine("grant remote -> *")).as("remote is a target only")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'remote'");
        assertThat(AdmissionConfig.Grant.parseLine("grant * -> remote, user:a").to()).containsExactly("remote", "user:a");
    }

    @Test
    void theFileIsReadAndItsErrorsNameTheLine() throws Exception {
        Path f = tmp.resolve("users");
        Files.write(f, List.of("# comment", "", "user a " + V.encode() + " vip=7.10.0.9", "grant user:a -> user:b  # trailing",
                "user b " + V.encode()));
        AdmissionConfig c = AdmissionConfig.builder().enabled(true).usersFile(f).build();
        assertThat(c.users()).extracting(AdmissionConfig.User::name).containsExactly("a", "b");
        assertThat(c.grants()).hasSize(1);
        Files.write(f, List.of("user a " + V.encode(), "user a " + V.encode()));
        assertThatThrownBy(() -> AdmissionConfig.builder().usersFile(f).build()).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("given twice");
        Files.write(f, List.of("user a " + V.encode() + " vip=7.10.0.9", "user b " + V.encode() + " vip=7.10.0.9"));
        assertThatThrownBy(() -> AdmissionConfig.builder().usersFile(f).build()).hasMessageContaining("same vip=7.10.0.9");
        Files.write(f, List.of("usr a"));
        assertThatThrownBy(() -> AdmissionConfig.builder().usersFile(f).build())
                .satisfies(e -> assertThat(((InvalidConfigException) e).field()).isEqualTo("admission.usersFile"))
                .hasMessageContaining("line 1");
        assertThatThrownBy(() -> ServerConfig.builder().admission(a -> a.user("user a " + V.encode() + " vip=7.10.0.1"))
                .build()).hasMessageContaining("not an assignable vIP");
        assertThatThrownBy(() -> ServerConfig.builder().admission(a -> a.user("user a " + V.encode() + " vip=7.10.0.9"))
                .access(a -> a.blockedVips(java.util.Set.of(Vip.parse("7.10.0.9")))).build()).hasMessageContaining("blocked");
    }
}
