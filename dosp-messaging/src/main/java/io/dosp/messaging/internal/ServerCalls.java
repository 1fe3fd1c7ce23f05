package io.dosp.messaging.internal;

import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.FunctionCallException;
import io.dosp.client.RequestTimeoutException;
import io.dosp.messaging.Codec;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.RpcException;
import io.dosp.protocol.Envelope;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Calls of the server's functions for a messenger ({@code Messenger.callServer}): arguments written with the
 * messenger's codec (JSON unless it is MessagePack), sent with {@link DospClient#callAsync(String, int, byte[])}
 * (the {@code functions} extension, or its bare-FN fallback), the result read as the wanted type, every failure an
 * {@link RpcException} with the code of {@code docs/messaging.md} section 2.
 */
public final class ServerCalls {
    private ServerCalls() {
    }

    /** Calls {@code function} with {@code args}; the result read as {@code type}. */
    public static CompletableFuture<Object> call(DospClient client, Codec preferred, String function, Object[] args,
            Type type) {
        Codecs.JacksonCodec codec = preferred instanceof Codecs.JacksonCodec j ? j : Codecs.JSON;
        byte[] body = codec.encodeArray(args);
        CompletableFuture<Envelope> f;
        try {
            f = client.callAsync(function, codec.contentType(), body);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure(function, e));
        }
        return f.handle((e, t) -> {
            if (t != null) {
                throw new CompletionException(failure(function, t instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : t));
            }
            return read(function, e, type, codec);
        });
    }

    private static Object read(String function, Envelope e, Type type, Codec preferred) {
        byte[] b = e.bodyBytes();
        if (e.contentType() == Envelope.TEXT) {
            // A bare FN's SA text (the fallback): a String as it is, anything else read as JSON text.
            if (type == String.class || type == Object.class) {
                return new String(b, StandardCharsets.UTF_8);
            }
            return decode(function, Codecs.JSON, b, type);
        }
        Codec c = Codecs.forContentType(e.contentType(), preferred);
        if (c == null) {
            throw new RpcException(ErrorCode.UNSUPPORTED, "the result of server function " + function
                    + " has content type " + e.contentType() + ", which this build does not read");
        }
        return decode(function, c, b, type);
    }

    private static Object decode(String function, Codec c, byte[] b, Type type) {
        try {
            return c.decode(b, type);
        } catch (IllegalArgumentException x) {
            throw new RpcException(ErrorCode.UNSUPPORTED, "UNSUPPORTED", "the result of server function " + function
                    + " does not read as " + type.getTypeName() + ": " + x.getMessage(), null, null, x);
        }
    }

    /** {@code t} as the {@link RpcException} a caller gets. */
    static RpcException failure(String function, Throwable t) {
        if (t instanceof RpcException r) {
            return r;
        }
        if (t instanceof FunctionCallException f) {
            // The server's own timeout crosses the wire as TIMEOUT (a local code for calls between clients).
            ErrorCode code = "TIMEOUT".equals(f.errorCode()) ? ErrorCode.TIMEOUT : ErrorCode.ofWire(f.errorCode());
            return new RpcException(code, f.errorCode(), f.serverMessage(), f.field(), null, f);
        }
        if (t instanceof RequestTimeoutException) {
            return new RpcException(ErrorCode.TIMEOUT, "TIMEOUT", t.getMessage(), null, null, t);
        }
        if (t instanceof DisconnectedException) {
            return new RpcException(ErrorCode.DISCONNECTED, "DISCONNECTED", t.getMessage(), null, null, t);
        }
        return new RpcException(ErrorCode.SEND_FAILED, "SEND_FAILED", "server function " + function + ": " + t, null,
                null, t);
    }
}
