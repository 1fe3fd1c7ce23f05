package io.dosp.server.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The weak-token warning at start: which tokens are weak, and that the warning never shows the token. */
class AdminTokensTest {
    @TempDir
    Path tmp;

    @Test
    void estimatedBitsFollowTheAlphabetAndLength() {
        assertThat(AdminTokens.estimatedBits("0123456789abcdef0123456789abcdef")).isEqualTo(128);
        assertThat(AdminTokens.estimatedBits("0123456789abcdef")).isEqualTo(64);
        assertThat(AdminTokens.estimatedBits("6baeda18c5c461cc8be4ce8007960d99e51045bbbd00fd7f26c976bd9427d8bb")).isEqualTo(256);
        assertThat(AdminTokens.estimatedBits("Xq3vR8pL2mN7kT1wZ5yB9c")).as("22 base62 characters").isEqualTo(130);
        assertThat(AdminTokens.estimatedBits("correcthorsebattery")).as("19 lower-case letters").isEqualTo(89);
        assertThat(AdminTokens.estimatedBits("1234567890123456")).as("digits only").isEqualTo(53);
        assertThat(AdminTokens.estimatedBits("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")).as("repetitive").isZero();
    }

    @Test
    void weakConfiguredTokensAreWarnedAboutWithoutShowingThem() {
        Logger log = (Logger) LoggerFactory.getLogger(AdminTokens.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        String weak = "Secret-Password1";
        String strong = "0123456789abcdef0123456789abcdef0123456789abcdef";
        try {
            AdminTokens t = AdminTokens.load(new LinkedHashSet<>(List.of(strong, weak)), tmp.resolve("unused"));
            assertThat(t.matches(weak)).isTrue();
        } finally {
            log.detachAppender(lines);
        }
        assertThat(lines.list).hasSize(1);
        String line = lines.list.get(0).getFormattedMessage();
        assertThat(line).startsWith("Admin token 2 of 2 is weak: 16 characters, about 105 bits").doesNotContain(weak)
                .doesNotContain("Secret");
    }
}
