package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.crypto.Scram;
import io.dosp.protocol.Vip;
import io.dosp.server.AdmissionConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dosp user add}: a users-file line whose verifier checks the password, which is written nowhere. */
class UserCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;
    private InputStream savedIn;

    @TempDir
    Path tmp;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        savedIn = System.in;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
        System.setIn(savedIn);
    }

    private static boolean proves(AdmissionConfig.User u, String password) {
        Scram.Verifier v = u.verifier();
        byte[] am = "some auth message".getBytes(StandardCharsets.US_ASCII);
        byte[] salted = Scram.saltedPassword(password.toCharArray(), v.salt(), v.iterations());
        return v.verifyProof(am, Scram.clientProof(salted, am));
    }

    @Test
    void addPrintsALineWhoseVerifierChecksThePassword() {
        System.setIn(new ByteArrayInputStream("pencil\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(Main.run("user", "add", "alice", "--vip", "7.10.0.20", "--admin", "--group", "ops", "--group", "dev",
                "--iterations", "4096")).isZero();
        String line = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(line).startsWith("user alice SCRAM-SHA-256$4096:").doesNotContain("pencil");
        AdmissionConfig.User u = AdmissionConfig.User.parseLine(line);
        assertThat(u.vip()).contains(Vip.parse("7.10.0.20"));
        assertThat(u.admin()).isTrue();
        assertThat(u.groups()).containsExactlyInAnyOrder("ops", "dev");
        assertThat(proves(u, "pencil")).isTrue();
        assertThat(proves(u, "pencils")).isFalse();
    }

    @Test
    void appendWritesAnOwnerOnlyFileAndATokenIsShownOnce() throws Exception {
        Path users = tmp.resolve("users");
        assertThat(Main.run("user", "add", "robot", "--token", "--iterations", "4096", "--append", users.toString())).isZero();
        List<String> lines = Files.readAllLines(users);
        assertThat(lines).hasSize(1);
        assertThat(Files.getPosixFilePermissions(users)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String[] shown = err.toString(StandardCharsets.UTF_8).strip().split("\n");
        String token = shown[shown.length - 1].strip();
        assertThat(token).hasSizeGreaterThanOrEqualTo(40);
        assertThat(lines.get(0)).doesNotContain(token);
        assertThat(proves(AdmissionConfig.User.parseLine(lines.get(0)), token)).isTrue();
    }

    @Test
    void badInputIsAUsageError() {
        System.setIn(new ByteArrayInputStream(new byte[0]));
        assertThat(Main.run("user", "add", "bad name")).isEqualTo(Main.EXIT_USAGE);
        assertThat(Main.run("user", "add", "bob", "--iterations", "10")).isEqualTo(Main.EXIT_USAGE);
        assertThat(Main.run("user", "add", "bob")).as("no password on standard input").isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no password on standard input");
    }
}
