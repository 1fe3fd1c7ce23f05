package io.dosp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dosp.protocol.InvalidConfigException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Test helper: the field an {@link InvalidConfigException} names. */
final class ConfigErrors {
    private ConfigErrors() {
    }

    /** Runs {@code build}, asserts it throws {@link InvalidConfigException}, and returns its field. */
    static String fieldOf(ThrowingCallable build) {
        Throwable t = catchThrowable(build);
        assertThat(t).isInstanceOf(InvalidConfigException.class);
        InvalidConfigException e = (InvalidConfigException) t;
        assertThat(e.getMessage()).isEqualTo(e.field() + ": " + e.problem());
        return e.field();
    }
}
