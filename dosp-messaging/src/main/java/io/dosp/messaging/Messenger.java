package io.dosp.messaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.messaging.internal.MessengerCore;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Named messages and typed calls between DoSP clients, on one {@link DospClient} ({@code docs/messaging.md}).
 *
 * <pre>{@code
 * record Sum(int value) { }
 * class Calculator {
 *     @Rpc public Sum add(int a, int b) { return new Sum(a + b); }
 *     @Handler("chat") public void chat(Vip from, Chat chat) { ... }
 * }
 * Messenger server = Messenger.attach(clientA).register(new Calculator());
 * Messenger caller = Messenger.attach(clientB);
 * Sum s = caller.call(clientA.vip(), "add", new Object[] {2, 3}, Sum.class);   // or callAsync(...)
 * caller.send(clientA.vip(), "chat", new Chat("hi"));
 * }</pre>
 *
 * <p>What it takes: the envelopes among the client's S2C data ({@link DospClient#addInterceptor}); any other data
 * still reaches {@link DospClient#receive()} and the listeners. Sending: plain S2C as {@link DospClient#send(Vip,
 * byte[])} does (sealed when a tunnel with the peer exists), or always through a tunnel with
 * {@link MessengerOptions#secure()}; an answer goes back the way its call came.
 *
 * <p>Failing fast: a call fails with {@link RpcException} and {@link ErrorCode#TIMEOUT} after its timeout,
 * {@link ErrorCode#PEER_GONE} as soon as the server reports the callee's vIP gone (ERR S2CF for it, or a PEER_GONE
 * notice), {@link ErrorCode#DISCONNECTED} when this client's connection ends or is lost, and with the callee's
 * error code otherwise.
 *
 * <p>Threads: handlers and methods run on the messenger's handler threads ({@link MessengerOptions#handlerThreads()}),
 * never on an I/O thread; the messages of one sender run one at a time in order, calls run concurrently. The futures
 * of {@link #callAsync} complete on the handler threads too. Thread-safe. {@link #close()} detaches it.
 */
public final class Messenger implements AutoCloseable {
    private final MessengerCore core;

    private Messenger(DospClient client, MessengerOptions options) {
        this.core = new MessengerCore(client, options);
    }

    /** A messenger on {@code client} with {@link MessengerOptions#defaults()}. */
    public static Messenger attach(DospClient client) {
        return attach(client, MessengerOptions.defaults());
    }

    /** A messenger on {@code client} with {@code options}. */
    public static Messenger attach(DospClient client, MessengerOptions options) {
        return new Messenger(Objects.requireNonNull(client, "client"), Objects.requireNonNull(options, "options"));
    }

    /** The client it is attached to. */
    public DospClient client() {
        return core.client();
    }

    /** Its options. */
    public MessengerOptions options() {
        return core.options();
    }

    // ---- offering ----

    /**
     * Handles messages named {@code name} whose payload reads as {@code type} (a payload that does not, or is
     * {@code null}, is dropped and counted in {@link MessengerStats#messagesDropped()}).
     *
     * @throws IllegalArgumentException when a handler of that name exists or the name is bad
     */
    public <T> Messenger on(String name, Class<T> type, MessageHandler<? super T> handler) {
        core.services().on(name, type, false, Objects.requireNonNull(handler, "handler"));
        return this;
    }

    /** Stops handling messages named {@code name}; whether a handler was there. */
    public boolean off(String name) {
        return core.services().removeHandler(name);
    }

    /**
     * Registers every {@link Handler} and {@link Rpc} method of {@code service} (all or nothing).
     *
     * @throws IllegalArgumentException when it has none, a signature is not one of theirs, or a name is taken
     */
    public Messenger register(Object service) {
        core.services().register(Objects.requireNonNull(service, "service"));
        return this;
    }

    /** The schema this messenger answers {@code $discover} with. */
    public Schema schema() {
        return Schema.of(core.services().schema(core.streams().handlerNames()));
    }

    // ---- messages ----

    /**
     * Sends a message named {@code name} to {@code peer}: {@code payload} written with the messenger's codec, or raw
     * when it is a {@code byte[]}. No answer; the peer drops messages it has no handler for.
     *
     * @throws RpcException {@code DISCONNECTED} when not connected, {@code SEND_FAILED} when a secure send finds no
     *     tunnel; nothing was sent
     * @throws IllegalArgumentException when the payload cannot be written
     */
    public void send(Vip peer, String name, Object payload) {
        send(peer, name, payload, payload instanceof byte[] ? Codec.raw() : core.options().codec());
    }

    /** {@link #send(Vip, String, Object)} with {@code codec} (e.g. {@link Codec#text()} for a String as text). */
    public void send(Vip peer, String name, Object payload, Codec codec) {
        byte[] body = codec.encode(payload);
        core.send(peer, new Envelope(Envelope.MESSAGE, 0, 0, checkName(name), codec.contentType(), body),
                core.options().secure());
    }

    private static String checkName(String name) {
        io.dosp.messaging.internal.Services.checkName(name);
        return name;
    }

    // ---- calls ----

    /**
     * Calls {@code method} at {@code peer} with positional {@code args} (an empty array for none) and the
     * {@linkplain MessengerOptions#callTimeout() default timeout}; the future completes with the result read as
     * {@code resultType} ({@code Void.class} to ignore it, {@code JsonNode.class} for the tree), or fails with an
     * {@link RpcException}. Sending never blocks (a secure call opens its tunnel asynchronously). Cancelling the
     * future ({@code cancel(true)}) sends CANCEL: the callee answers nothing more.
     *
     * @throws IllegalArgumentException when an argument cannot be written or the name is bad
     */
    public <R> CompletableFuture<R> callAsync(Vip peer, String method, Object[] args, Class<R> resultType) {
        return callAsync(peer, method, args, resultType, core.options().callTimeout());
    }

    /** {@link #callAsync(Vip, String, Object[], Class)} with its own {@code timeout}. */
    @SuppressWarnings("unchecked")
    public <R> CompletableFuture<R> callAsync(Vip peer, String method, Object[] args, Class<R> resultType, Duration timeout) {
        return (CompletableFuture<R>) core.call(peer, method, args, resultType, timeout, false);
    }

    /**
     * {@link #callAsync(Vip, String, Object[], Class)} for a generic result type, e.g.
     * {@code new TypeReference<List<Sum>>() { }}.
     */
    @SuppressWarnings("unchecked")
    public <R> CompletableFuture<R> callAsync(Vip peer, String method, Object[] args, TypeReference<R> resultType,
            Duration timeout) {
        return (CompletableFuture<R>) core.call(peer, method, args, resultType.getType(), timeout, false);
    }

    /** {@link #callAsync(Vip, String, Object[], TypeReference, Duration)}, waiting for the answer. */
    @SuppressWarnings("unchecked")
    public <R> R call(Vip peer, String method, Object[] args, TypeReference<R> resultType) {
        Duration t = core.options().callTimeout();
        return (R) await(core.call(peer, method, args, resultType.getType(), t, true), t);
    }

    /**
     * {@link #callAsync(Vip, String, Object[], Class)}, waiting for the answer.
     *
     * @throws RpcException why it failed ({@link RpcException#code()})
     */
    public <R> R call(Vip peer, String method, Object[] args, Class<R> resultType) {
        return call(peer, method, args, resultType, core.options().callTimeout());
    }

    /** {@link #call(Vip, String, Object[], Class)} with its own {@code timeout}. */
    public <R> R call(Vip peer, String method, Object[] args, Class<R> resultType, Duration timeout) {
        Class<?> boxed = resultType.isPrimitive() ? java.lang.invoke.MethodType.methodType(resultType).wrap().returnType()
                : resultType; // int.class reads as an Integer
        @SuppressWarnings("unchecked")
        R r = (R) boxed.cast(await(core.call(peer, method, args, boxed, timeout, true), timeout));
        return r;
    }

    /** Asks {@code peer} what it offers ({@code $discover}). */
    public CompletableFuture<Schema> discoverAsync(Vip peer) {
        return core.call(peer, MessengerCore.DISCOVER, new Object[0], JsonNode.class, core.options().callTimeout(), false)
                .thenApply(j -> Schema.of((JsonNode) j));
    }

    /**
     * {@link #discoverAsync}, waiting for the answer.
     *
     * @throws RpcException why it failed
     */
    public Schema discover(Vip peer) {
        Duration t = core.options().callTimeout();
        return Schema.of((JsonNode) await(core.call(peer, MessengerCore.DISCOVER, new Object[0], JsonNode.class, t, true), t));
    }

    // ---- server functions (docs/messaging.md section 6) ----

    /**
     * Calls the <em>server's</em> function {@code function} with positional {@code args} (the {@code functions}
     * extension; a server serves annotated services with {@link ServerServices}); the future completes with the result
     * read as {@code resultType}, or fails with an {@link RpcException}: the server's code ({@code NO_SUCH_METHOD},
     * {@code BAD_ARGUMENTS} with the field, {@code HANDLER_FAILED}, {@code TOO_MANY_CALLS}, {@code TOO_LARGE},
     * {@code TIMEOUT} for the server's own call timeout or ours), {@code UNSUPPORTED} "server does not support
     * function arguments" against a server without the extension (a call with no arguments then falls back to a bare
     * FN, its text read as the result), {@code DISCONNECTED}. The client's request timeout applies.
     */
    public <R> CompletableFuture<R> callServerAsync(String function, Object[] args, Class<R> resultType) {
        return io.dosp.messaging.internal.ServerCalls.call(core.client(), core.options().codec(), function,
                args == null ? new Object[0] : args, resultType).thenApply(resultType::cast);
    }

    /**
     * {@link #callServerAsync}, waiting for the answer.
     *
     * @throws RpcException why it failed
     */
    public <R> R callServer(String function, Object[] args, Class<R> resultType) {
        Duration t = core.client().options().requestTimeout();
        return resultType.cast(await(callServerAsync(function, args, resultType).thenApply(r -> (Object) r), t));
    }

    /**
     * What the server offers ({@code $discover} over the {@code functions} extension): its functions, bare ones with
     * no parameters and a string result.
     *
     * @throws RpcException {@code UNSUPPORTED} when the server has no {@code functions} extension
     */
    public Schema discoverServer() {
        Duration t = core.client().options().requestTimeout();
        return Schema.of((JsonNode) await(io.dosp.messaging.internal.ServerCalls.call(core.client(), Codec.json(),
                "$discover", new Object[0], JsonNode.class), t));
    }

    private static Object await(CompletableFuture<Object> f, Duration timeout) {
        try {
            // The call's own timer fails it at its timeout; the extra second only guards against a lost completion.
            return f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new DospClientException(c.toString(), c);
        } catch (TimeoutException e) {
            throw new RpcException(ErrorCode.TIMEOUT, "no answer within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcException(ErrorCode.CANCELLED, "interrupted while waiting for the answer");
        }
    }

    // ---- streams (docs/messaging.md 4) ----

    /**
     * Receives the streams sent to {@code name} with {@code handler} (on a stream thread of the messenger; reading
     * slowly slows the sender). {@link SaveToDirectory} saves them as files. Replaces a handler of that name.
     */
    public Messenger onStream(String name, StreamHandler handler) {
        streamEngine().register(name, handler);
        return this;
    }

    /** Stops taking streams named {@code name} (those running go on); whether a handler was there. */
    public boolean offStream(String name) {
        return streamEngine().unregister(name);
    }

    /**
     * Sends {@code file} to {@code peer}'s stream handler {@code handler}, announced with its file name and size.
     * Returns at once: the file is read as the receiver grants credit and the connection takes it, and closed at
     * the end; the transfer's {@link StreamTransfer#result() result} completes when the receiver confirmed every
     * byte (SHA-256) or fails with an {@link RpcException}. Through the tunnel when the messenger is secure.
     *
     * @throws java.io.UncheckedIOException when the file cannot be opened (nothing was sent)
     */
    public StreamTransfer sendFile(Vip peer, String handler, java.nio.file.Path file) {
        Objects.requireNonNull(file, "file");
        java.io.InputStream in;
        long size;
        try {
            size = java.nio.file.Files.size(file);
            in = java.nio.file.Files.newInputStream(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        java.nio.file.Path name = file.getFileName();
        return sendStream(peer, handler, StreamMetadata.of(name == null ? "" : name.toString(), size), in);
    }

    /**
     * Sends the bytes of {@code source} to {@code peer}'s stream handler {@code handler}, announced with
     * {@code metadata} (a known size is held to: a source longer or shorter fails the stream). The source is read
     * on a stream thread as credit allows and closed at the end. See {@link #sendFile}.
     */
    public StreamTransfer sendStream(Vip peer, String handler, StreamMetadata metadata, java.io.InputStream source) {
        return streamEngine().send(Objects.requireNonNull(peer, "peer"), Objects.requireNonNull(handler, "handler"),
                metadata, source, core.options().secure());
    }

    /** The streams' counts and peaks now. */
    public StreamStats streamStats() {
        return streamEngine().stats();
    }

    private io.dosp.messaging.internal.StreamEngine streamEngine() {
        return core.streams().engine();
    }

    /**
     * Tells {@code listener} of every message dropped from now on (no handler, undecodable, past a hard bound, plain
     * to a secure messenger); each is counted in {@link MessengerStats#messagesDropped()} as well.
     */
    public Messenger onDropped(DropListener listener) {
        core.onDropped(listener);
        return this;
    }

    /** Stops telling {@code listener} of dropped messages. */
    public Messenger offDropped(DropListener listener) {
        core.offDropped(listener);
        return this;
    }

    /** What it did and holds now. */
    public MessengerStats stats() {
        return core.stats();
    }

    /** The internals (for the stream engine and server adapters in this module). */
    MessengerCore core() {
        return core;
    }

    /** Detaches from the client: calls waiting fail ({@code DISCONNECTED}), envelopes go to the receive queue again. */
    @Override
    public void close() {
        core.close();
    }

    /** {@code Messenger[client]}. */
    @Override
    public String toString() {
        return "Messenger[" + core.client() + "]";
    }
}
