package io.dosp.server;

import io.dosp.protocol.Envelope;
import java.util.Objects;

/**
 * A server function with arguments, called with the {@code functions} client extension (EXT FN_CALL carrying a
 * messaging envelope REQUEST; {@code docs/messaging.md}, "Server functions") and listed by {@code $discover}. The
 * server reads no JSON: a typed function gets its positional arguments as encoded bytes (a JSON or MessagePack array,
 * {@link Arguments#contentType()}), returns its result as encoded bytes, and describes its parameters and result as
 * JSON schema text. The messaging module's {@code ServerServices} builds these from an annotated service object.
 *
 * <p>Typed functions run exactly as {@link ServerFunction}s do: on the function threads, fairly across clients,
 * within {@link Functions#maxCallsPerClient()} and {@link Functions#queue()}, answered ERROR {@code TIMEOUT} and
 * interrupted past {@link Functions#callTimeout()}. A function answers ERROR {@code BAD_ARGUMENTS} by throwing
 * {@link BadArgumentsException}, ERROR {@code HANDLER_FAILED} with the message of any other exception (never a stack
 * trace).
 */
@FunctionalInterface
public interface TypedFunction {

    /**
     * Runs the function for {@code caller}.
     *
     * @param caller the client that called
     * @param args   the positional arguments, as the caller encoded them
     * @return the result, encoded
     * @throws BadArgumentsException when the arguments do not fit the parameters (answered {@code BAD_ARGUMENTS})
     * @throws Exception             anything else the function throws (answered {@code HANDLER_FAILED} with its message)
     */
    Result call(ConnectedClient caller, Arguments args) throws Exception;

    /**
     * The parameters as a JSON array text, in the schema of {@code docs/messaging.md} section 3:
     * {@code [{"name":"a","type":"integer"}]}. Listed by {@code $discover}; the server copies it without reading it.
     */
    default String paramsSchema() {
        return "[]";
    }

    /** The result as a JSON schema object text, e.g. {@code {"type":"integer"}}; {@code {}} when unknown. */
    default String resultSchema() {
        return "{}";
    }

    /**
     * The positional arguments of one call: an array encoded as {@link Envelope#JSON} or {@link Envelope#MSGPACK}.
     *
     * @param contentType {@link Envelope#JSON} or {@link Envelope#MSGPACK}
     * @param bytes       the encoded array (the call's own copy)
     */
    record Arguments(int contentType, byte[] bytes) {
        /** Checks the fields. */
        public Arguments {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    /**
     * What a function returns: its result value encoded as {@code contentType} (an envelope content type, usually the
     * one of the arguments).
     *
     * @param contentType {@link Envelope#JSON}, {@link Envelope#MSGPACK}, {@link Envelope#TEXT} or {@link Envelope#RAW}
     * @param bytes       the encoded result
     */
    record Result(int contentType, byte[] bytes) {
        /** Checks the fields. */
        public Result {
            if (contentType < 0 || contentType > 0xFF) {
                throw new IllegalArgumentException("content type " + contentType + " is not a byte");
            }
            Objects.requireNonNull(bytes, "bytes");
        }

        /** A JSON result: {@code json} is the value's JSON text. */
        public static Result json(String json) {
            return new Result(Envelope.JSON, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
