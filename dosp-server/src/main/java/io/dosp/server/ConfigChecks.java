package io.dosp.server;

import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/** The checks the configuration builders share; each failure names the field in the builders' words. */
final class ConfigChecks {
    private ConfigChecks() {
    }

    /**
     * @throws InvalidConfigException for {@code field} with {@code problem} unless {@code ok}
     */
    static void require(boolean ok, String field, String problem) {
        if (!ok) {
            throw new InvalidConfigException(field, problem);
        }
    }

    /** Whether {@code d} is set and longer than zero. */
    static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }
}
