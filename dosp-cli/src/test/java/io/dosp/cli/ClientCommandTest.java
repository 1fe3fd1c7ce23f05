package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code dosp client --reconnect / --fallback}: parsing and the usage errors for bad values. */
class ClientCommandTest {
    @Test
    void fallbackServersAreSplitTrimmedAndKeptInOrderOnce() {
        ClientCommand c = new ClientCommand();
        new CommandLine(c).parseArgs("127.0.0.1:7744", "--fallback", "127.0.0.1:7745, node-c.example:7746",
                "--fallback", "[::1]:7747,127.0.0.1:7745");
        assertThat(c.fallbacks()).containsExactly("127.0.0.1:7745", "node-c.example:7746", "[::1]:7747");
        assertThat(c.reconnect).as("--fallback alone implies reconnect; the flag itself stays unset").isFalse();

        ClientCommand plain = new ClientCommand();
        new CommandLine(plain).parseArgs("--reconnect");
        assertThat(plain.reconnect).isTrue();
        assertThat(plain.fallbacks()).isEmpty();
    }

    @Test
    void badFallbackValuesAreRefusedNamingThePart() {
        for (String bad : List.of("127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:77x", ":7744",
                "127.0.0.1:7745,", "a b:7744", "[::1:7744", "::1:7744")) {
            assertThatThrownBy(() -> ClientCommand.parseFallbacks(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--fallback: '");
        }
        assertThatThrownBy(() -> ClientCommand.parseFallbacks("ok:1,\u001b[31m:9")).hasMessageNotContaining("\u001b");
    }

    @Test
    void aBadFallbackIsAUsageErrorBeforeAnyConnect(@TempDir Path dir) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            // port 1: nothing listens there, so a connect attempt would exit 1, not 2
            assertThat(Main.run("client", "127.0.0.1:1", "--identity", dir.resolve("id").toString(), "--known-peers",
                    dir.resolve("kp").toString(), "--fallback", "127.0.0.1:7745,nope")).isEqualTo(Main.EXIT_USAGE);
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("dosp client: --fallback: 'nope' is not HOST:PORT");
    }
}
