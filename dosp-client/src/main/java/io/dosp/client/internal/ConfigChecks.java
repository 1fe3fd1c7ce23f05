package io.dosp.client.internal;

import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/** The checks the options' {@code build()} methods share; each failure names the field. */
public final class ConfigChecks {
    private ConfigChecks() {
    }

    /**
     * Requires {@code ok}.
     *
     * @throws InvalidConfigException for {@code field} with {@code problem} when not
     */
    public static void require(boolean ok, String field, String problem) {
        if (!ok) {
            throw new InvalidConfigException(field, problem);
        }
    }

    /**
     * Requires a positive duration.
     *
     * @throws InvalidConfigException for {@code field} when {@code d} is null, zero or negative
     */
    public static void positive(Duration d, String field) {
        require(d != null && !d.isNegative() && !d.isZero(), field, "must be positive" + (d == null ? "" : ", got " + d));
    }
}
