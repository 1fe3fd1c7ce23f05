package io.dosp.messaging.internal;

import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.RpcException;

/** The {@link RpcException}s of streams. */
final class Failures {
    private Failures() {
    }

    static RpcException of(ErrorCode code, String message) {
        return new RpcException(code, code.name(), message, null, null, null);
    }

    static RpcException of(ErrorCode code, String message, Throwable cause) {
        return new RpcException(code, code.name(), message, null, null, cause);
    }
}
