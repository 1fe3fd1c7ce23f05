package io.dosp.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.messaging.internal.Codecs;
import io.dosp.messaging.internal.Services;
import io.dosp.protocol.Envelope;
import io.dosp.server.BadArgumentsException;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.TypedFunction;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * An annotated service object served as <em>server</em> functions: each {@link Rpc} method becomes a
 * {@link TypedFunction} that clients call with the {@code functions} extension ({@code Messenger.callServer},
 * {@code DospClient.call(name, contentType, args)}; {@code docs/messaging.md} section 6) and find with
 * {@code $discover}. The same annotations, argument checks and schema as a {@link Messenger}'s services: arguments
 * decoded by the call's content type (JSON or MessagePack), a bad one answered {@code BAD_ARGUMENTS} naming it, an
 * exception answered {@code HANDLER_FAILED} with its message, the result written in the arguments' content type.
 * A method may take a {@link CallContext} first (the caller's vIP; {@code tunneled} is false: server calls do not
 * cross a tunnel). {@link Handler} methods are not served (a server function is a call). The methods run on the
 * server's function threads: with the per-client cap, the queue bound and the call timeout of
 * {@code ServerConfig.functions()} (a method that blocks should do so interruptibly). A method returning a
 * {@code CompletionStage} holds its function thread until the stage completes.
 *
 * <p>This class needs {@code dosp-server}, an optional dependency of {@code dosp-messaging}: a client application
 * never loads it. Immutable and thread-safe.
 *
 * <pre>{@code
 * ServerServices.of(new Calculator()).registerOn(server);   // @Rpc public int add(int a, int b)
 * }</pre>
 */
public final class ServerServices {
    private final Map<String, TypedFunction> functions;

    private ServerServices(Map<String, TypedFunction> functions) {
        this.functions = Collections.unmodifiableMap(functions);
    }

    /**
     * The {@link Rpc} methods of {@code service} (its class and superclasses) as typed server functions.
     *
     * @throws IllegalArgumentException when it has no {@link Rpc} method, a signature is wrong or a name is bad
     */
    public static ServerServices of(Object service) {
        Objects.requireNonNull(service, "service");
        Services services = new Services();
        services.register(service);
        JsonNode schema = services.schema(List.of()).get("methods");
        Map<String, TypedFunction> out = new LinkedHashMap<>();
        for (JsonNode m : schema) {
            String name = m.get("name").asText();
            out.put(name, new Function(name, services.method(name), m.get("params").toString(),
                    m.get("result").toString()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(service.getClass().getName() + " has no @Rpc method to serve");
        }
        return new ServerServices(out);
    }

    /** The functions by name, in the order {@code $discover} lists them. */
    public Map<String, TypedFunction> functions() {
        return functions;
    }

    /** Registers every function on {@code server} ({@link DospServer#registerTypedFunction}); returns this. */
    public ServerServices registerOn(DospServer server) {
        functions.forEach(server::registerTypedFunction);
        return this;
    }

    /** One {@link Rpc} method as a typed function. */
    private record Function(String name, Services.MethodEntry method, String params, String result)
            implements TypedFunction {

        @Override
        public Result call(ConnectedClient caller, Arguments args) throws Exception {
            Codecs.JacksonCodec codec = args.contentType() == Envelope.MSGPACK ? Codecs.MSGPACK : Codecs.JSON;
            Object[] values;
            try {
                values = method.decodeArgs(codec, args.bytes());
            } catch (RpcException e) {
                throw new BadArgumentsException(e.field().orElse(null), e.getMessage());
            }
            CompletableFuture<Object> f = method.invoke(new CallContext(caller.vip(), name, false), values)
                    .toCompletableFuture();
            Object value;
            try {
                value = f.get(); // interruptible: the server's call timeout interrupts this thread
            } catch (InterruptedException e) {
                f.cancel(true);
                throw e;
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RpcException r && r.code() == ErrorCode.BAD_ARGUMENTS) {
                    throw new BadArgumentsException(r.field().orElse(null), r.getMessage());
                }
                if (c instanceof Exception x) {
                    throw x;
                }
                throw new IllegalStateException(c.getMessage(), c);
            }
            return new Result(codec.contentType(), codec.encode(value));
        }

        @Override
        public String paramsSchema() {
            return params;
        }

        @Override
        public String resultSchema() {
            return result;
        }
    }
}
