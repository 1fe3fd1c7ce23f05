package io.dosp.client;

import io.dosp.client.internal.ClientConnection;
import io.dosp.client.internal.ClientExtensions;
import io.dosp.client.internal.ClientThreads;
import io.dosp.client.internal.FunctionError;
import io.dosp.client.internal.TypedCalls;
import io.dosp.protocol.Envelope;
import io.dosp.client.internal.ListenerNotifier;
import io.dosp.client.internal.NetworkFeature;
import io.dosp.client.internal.NetworkRequests;
import io.dosp.client.internal.ReadPauses;
import io.dosp.client.internal.ReceiveQueue;
import io.dosp.client.internal.Reconnector;
import io.dosp.client.internal.ResumeTokens;
import io.dosp.client.internal.Replies;
import io.dosp.client.internal.TunnelGuard;
import io.dosp.client.internal.TunnelIdentity;
import io.dosp.client.internal.VouchRequests;
import io.dosp.crypto.Fingerprint;
import io.dosp.crypto.IdentityKey;
import io.dosp.protocol.ExitCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DoSP client: connects to a server, gets a vIP, exchanges data with other clients, optionally
 * through end-to-end encrypted tunnels the server cannot read.
 *
 * <pre>{@code
 * try (DospClient client = DospClient.connect("127.0.0.1:7744")) {
 *     client.openTunnel(peer);                       // X25519 + HKDF; returns when keys are set
 *     client.send(peer, "hello".getBytes(UTF_8));    // sealed automatically while the tunnel exists
 *     Incoming in = client.receive(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>Threading: all methods are thread-safe; sends never block on the network. Blocking calls
 * ({@link #receive()}, request helpers, {@link #openTunnel}) wait on the calling thread; each has an
 * {@code ...Async} twin returning a {@link CompletableFuture}. Replies are matched to requests even
 * while other traffic arrives in between. Listener callbacks run on the client's callback thread
 * (see {@link ClientListener}). Close the client to release it; the I/O threads are shared daemons.
 *
 * <p>Ownership: the client holds its current connection (replaced on reconnect), its receive queue
 * and its listeners; the I/O, callback and reconnect threads are shared by every client in the JVM.
 */
public final class DospClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DospClient.class);
    private final ClientOptions options;
    private final ReceiveQueue queue;
    private final ListenerNotifier listeners = new ListenerNotifier();
    private final TunnelGuard tunnelGuard;
    private final ClientExtensions extensions = new ClientExtensions();
    private final TunnelIdentity tunnelIdentity;
    private final VouchRequests vouches = new VouchRequests();
    private final TypedCalls typedCalls = new TypedCalls();
    private final Reconnector reconnector;
    private volatile ClientConnection connection;
    private final AtomicLong pingIds = new AtomicLong();
    private final Object fnLock = new Object();
    private final Admin admin = new Admin();
    private final NetworkFeature networkFeature = new NetworkFeature(listeners);
    private final DospNetwork network;
    private final ReadPauses readPauses = new ReadPauses();
    private final ResumeTokens resumeTokens = new ResumeTokens();

    private DospClient(ClientOptions options) {
        this.options = options;
        this.queue = new ReceiveQueue(options.receiveQueue());
        this.tunnelGuard = new TunnelGuard(options.tunnels());
        this.tunnelIdentity = TunnelIdentity.of(options);
        // With client admission the server vouches which user and identity hold a vIP; a server that does not vouch
        // has no opinion, and the pins and the trust mode decide as before.
        this.tunnelIdentity.serverVouches(vip -> connection == null || !connection.extensions().contains(Ext.FEATURE_VOUCH)
                ? CompletableFuture.completedFuture(Optional.empty())
                : vouch(vip).handle((v, e) -> e != null || v == null ? Optional.<Fingerprint>empty()
                        : v.flatMap(Vouch::identityKey).map(k -> IdentityKey.of(k).fingerprint())));
        this.extensions.offer(Ext.FEATURE_PEER_GONE, this::onPeerGoneFrame);
        extensions.offer(Ext.FEATURE_VOUCH, vouches::onFrame);
        extensions.offer(Ext.FEATURE_FUNCTIONS, typedCalls::onFrame);
        networkFeature.offerTo(extensions);
        if (options.reconnect().enabled()) {
            extensions.offer(Ext.FEATURE_RESUME, resumeTokens::onFrame); // a secret is of use to a client that reconnects
        }
        this.network = new DospNetwork(new NetworkRequests(() -> connection, networkFeature, options.requestTimeout()),
                networkFeature);
        if (options.loginUser().isPresent()) {
            // Login answers are taken by the connection's login while it waits; anything else of the feature is dropped.
            extensions.offer(Ext.FEATURE_AUTH, (server, kind, frame) -> { });
        }
        this.reconnector = new Reconnector(options, queue, listeners, tunnelGuard, extensions, tunnelIdentity,
                ClientThreads.scheduler(),
                this::replaced, resumeTokens);
    }

    /** A new connection after a reconnect: it takes over, keeps the read pauses, gets back groups, names and watches. */
    private void replaced(ClientConnection k) {
        connection = k;
        k.applyReadPauses(readPauses);
        k.whenClosed(() -> networkFeature.connectionClosed(k));
        networkFeature.restore(k, options.requestTimeout());
    }

    /** EXT PEER_GONE from the server (I/O thread): the current connection ends its tunnel with the vIP. */
    private void onPeerGoneFrame(String server, int kind, SimplePacket frame) {
        if (kind != Ext.PEER_GONE) {
            LOG.debug("Dropped an EXT frame of kind 0x{} (feature peer-gone) from {}: not defined here",
                    String.format("%02X", kind), server);
            return;
        }
        Ext.PeerGone notice;
        try {
            notice = Ext.PeerGone.parse(frame);
        } catch (MalformedPacketException e) {
            LOG.debug("Dropped an unreadable PEER_GONE from {}: {}", server, LogText.of(e.getMessage()));
            return;
        }
        ClientConnection k = connection;
        if (k != null) {
            k.peerGone(notice.vip(), LogText.of(notice.describe())); // the text is the server's: escaped, cut
        }
    }

    /** The largest frame body this client sends or accepts ({@link ClientOptions#maxFrameSize()}), for layers that size their frames. */
    public int maxFrameSize() {
        return options.maxFrameSize();
    }

    /** Connects to {@code host:port} with default options. */
    public static DospClient connect(String hostPort) {
        return connect(ClientOptions.builder().server(hostPort).build());
    }

    /** Connects to {@code host} and {@code port} with default options. */
    public static DospClient connect(String host, int port) {
        return connect(ClientOptions.builder().server(host, port).build());
    }

    /**
     * Connects with {@code options}: TCP (or in-process), AIP + HSK, EXT HELLO (this project's extensions; see
     * {@link #extensions()}), RQIP when a vIP is requested, then CLIENT_INFO; then the heartbeat starts (on by default: a PING every 20 s keeps a client
     * that only receives from being closed by the server's idle timeout).
     *
     * @throws ConnectFailedException   when the connection cannot be made
     * @throws HandshakeException       when the server does not complete the handshake in time
     * @throws DisconnectedException    when the server ends the connection at once (e.g. {@code Server full})
     * @throws VipRefusedException      when a fixed vIP is refused
     * @throws io.dosp.crypto.IdentityFileException when the identity file cannot be read, created or trusted
     */
    public static DospClient connect(ClientOptions options) {
        DospClient client = new DospClient(options);
        client.connection = ClientConnection.open(options, client.queue, client.listeners, client.tunnelGuard,
                client.extensions, client.tunnelIdentity, client.reconnector);
        ClientConnection k = client.connection;
        k.whenClosed(() -> client.networkFeature.connectionClosed(k));
        client.connection.applyReadPauses(client.readPauses);
        return client;
    }

    /** The options this client was connected with. */
    public ClientOptions options() {
        return options;
    }

    /** The vIP the server assigned (or granted after RQIP). */
    public Vip vip() {
        return connection.vip();
    }

    /** {@code host:port} (or {@code local:name}) of the server. */
    public String server() {
        return connection.server();
    }

    /** Whether the connection is up. */
    public boolean isConnected() {
        return connection.isConnected();
    }

    /**
     * The client extension features the server enabled on this connection (names of {@code io.dosp.protocol.Ext}):
     * empty for a reference server, or when {@link ClientOptions#extensions()} is off. Changes on reconnect.
     */
    public Set<String> extensions() {
        return connection.extensions();
    }

    /** The user this client is logged in as (client admission), or empty when it did not log in. */
    public Optional<String> loginUser() {
        return Optional.ofNullable(connection.loginUser());
    }

    /**
     * Asks the server who holds {@code vip} (client admission's {@code vouch} extension): the user logged in with it
     * and the Ed25519 identity key it proved at login, or empty when nobody logged in holds it (not held, anonymous,
     * or another server's vIP). Fails with {@link DospClientException} when the server does not vouch (admission off,
     * a reference server) and with a timeout after the request timeout. See {@link Vouch} for what it protects against.
     */
    public CompletableFuture<Optional<Vouch>> vouch(Vip vip) {
        return vouches.request(connection, vip, options.requestTimeout());
    }

    /** Whether the server compresses this connection (HSK flag). */
    public boolean compression() {
        return connection.compression();
    }

    /** Adds a listener (see {@link ClientListener} for the executor model). */
    public DospClient addListener(ClientListener listener) {
        listeners.add(listener);
        return this;
    }

    /** Removes a listener. */
    public DospClient removeListener(ClientListener listener) {
        listeners.remove(listener);
        return this;
    }

    /**
     * Adds a {@link DataInterceptor}: it sees every S2C message (opened when tunneled) before the receive queue and
     * the listeners, on the I/O thread, and takes the ones it wants (see its contract). Kept across reconnects.
     */
    public DospClient addInterceptor(DataInterceptor interceptor) {
        listeners.addInterceptor(Objects.requireNonNull(interceptor, "interceptor"));
        return this;
    }

    /**
     * A new {@link ReadPause} handle for {@code reason}: while it (or any other handle of this client) is paused,
     * nothing is read from the connection, so the server slows whoever sends to this client (its flow control pauses
     * the senders' connections). For a layer that queues what it takes (e.g. an interceptor's bounded inbox): pause
     * past a high water mark, resume below a low one. See {@link ReadPause} for the heartbeat and the server's
     * slow-consumer timeout while paused.
     */
    public ReadPause readPause(String reason) {
        return readPauses.handle(reason);
    }

    /** The reasons of the {@link ReadPause} handles paused now (empty: the connection is read). */
    public List<String> readPausedBy() {
        return readPauses.pausedBy();
    }

    /** Removes a {@link DataInterceptor}. */
    public DospClient removeInterceptor(DataInterceptor interceptor) {
        listeners.removeInterceptor(interceptor);
        return this;
    }

    // ---- sending ----

    /**
     * Sends {@code data} to the client holding {@code dst}: sealed if a tunnel with it exists, plain
     * S2C if this client never had one with it (or {@link #closeTunnel} forgot it).
     *
     * <p>A tunnel that was lost is never replaced by plaintext: when the tunnel with {@code dst}
     * ended because the server could not reach it (ERR S2CF, see
     * {@link ClientListener#onTunnelClosed}), or the connection was re-established after a loss,
     * this send first opens a new tunnel (waiting up to the tunnel timeout) and throws
     * {@link TunnelFailedException} if that fails: nothing is sent. Use {@link #sendSecure} to
     * never send plaintext at all.
     *
     * @throws TunnelFailedException when a lost tunnel with {@code dst} cannot be re-opened
     */
    public void send(Vip dst, byte[] data) {
        ClientConnection k = connection;
        if (k.sendSealedData(dst, data)) {
            return;
        }
        if (k.tunnels().wasLost(dst) || reconnector.isFormerTunnelPeer(dst)) {
            sealOrFail(k, dst, data);
            return;
        }
        k.sendData(dst, data);
    }

    /**
     * Sends {@code data} to {@code dst} through an end-to-end tunnel, never in plaintext: opens the
     * tunnel first when there is none (waiting up to the tunnel timeout).
     *
     * @throws TunnelFailedException when no tunnel with {@code dst} can be established (nothing is sent)
     */
    public void sendSecure(Vip dst, byte[] data) {
        ClientConnection k = connection;
        if (!k.sendSealedData(dst, data)) {
            sealOrFail(k, dst, data);
        }
    }

    /**
     * {@link #send} ({@code secure} false) or {@link #sendSecure} ({@code secure} true) without ever blocking the
     * caller: when a tunnel must be opened (or re-opened) first, the open runs asynchronously, up to the tunnel
     * timeout, and {@code data} is sealed once it is up. For threads that must not wait on the network (an
     * interceptor's dispatch thread, an I/O thread).
     *
     * @return completes when {@code data} was written to the connection; fails with {@link TunnelFailedException}
     *     (its {@link TunnelFailedException#reason()} says why) or {@link DisconnectedException}, and then nothing
     *     was sent
     */
    public CompletableFuture<Void> sendAsync(Vip dst, byte[] data, boolean secure) {
        ClientConnection k = connection;
        try {
            if (k.sendSealedData(dst, data)) {
                return CompletableFuture.completedFuture(null);
            }
            if (!secure && !k.tunnels().wasLost(dst) && !reconnector.isFormerTunnelPeer(dst)) {
                k.sendData(dst, data);
                return CompletableFuture.completedFuture(null);
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Duration timeout = k.options().tunnelTimeout();
        CompletableFuture<Void> open = k.tunnels().open(dst);
        return open.copy().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((v, t) -> {
            if (t != null) {
                Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                        ? t.getCause() : t;
                if (cause instanceof TimeoutException) {
                    k.tunnels().failOpen(dst, TunnelFailedException.Reason.TIMEOUT, "no handshake answer within " + timeout);
                    throw new TunnelFailedException(dst, TunnelFailedException.Reason.TIMEOUT,
                            "no handshake answer within " + timeout);
                }
                throw cause instanceof RuntimeException r ? r : new TunnelFailedException(dst, cause.toString());
            }
            reconnector.tunnelReopened(dst);
            if (!k.sendSealedData(dst, data)) {
                throw new TunnelFailedException(dst, TunnelFailedException.Reason.DISCONNECTED,
                        "the tunnel ended again before the message could be sealed; nothing was sent");
            }
            return null;
        });
    }

    /** Opens a tunnel with {@code dst} and seals {@code data} through it, or throws. */
    private void sealOrFail(ClientConnection k, Vip dst, byte[] data) {
        openTunnel(dst);
        reconnector.tunnelReopened(dst);
        if (!k.sendSealedData(dst, data)) {
            throw new TunnelFailedException(dst, TunnelFailedException.Reason.DISCONNECTED,
                    "the tunnel ended again before the message could be sealed;"
                    + " nothing was sent");
        }
    }

    /**
     * Completes when this client's connection takes more data without its write buffer growing past the high water
     * mark (Netty's writability): at once while it does, otherwise when the buffer has drained below the low water
     * mark. Fails with {@link DisconnectedException} when the connection ends first. {@link #send} never blocks and
     * never refuses for a full buffer; a sender of bulk data (the messaging layer's streams) waits on this before
     * each chunk, so nothing builds up in the client beyond the buffer's bound.
     */
    public CompletableFuture<Void> whenWritable() {
        return connection.whenWritable();
    }

    /** Sends UTF-8 {@code text} to {@code dst} (sealed if a tunnel exists). */
    public void send(Vip dst, String text) {
        send(dst, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends any packet as it is (no tunnel processing). */
    public void send(Packet packet) {
        connection.write(packet);
    }

    /** Sends MSG text to the server (which logs it). */
    public void sendMessage(String text) {
        connection.write(Packets.msg(text));
    }

    /** Sends an application-defined packet, type {@code 0x20..0xFF}. */
    public void sendCustom(int type, byte[] body) {
        connection.write(Packets.custom(type, body));
    }

    /** Sends several packets in one MPAK frame; the server handles them in order (no tunnel processing). */
    public void sendMulti(List<? extends Packet> packets) {
        connection.write(Packets.mpak(packets));
    }

    // ---- receiving ----

    /**
     * The next incoming message, waiting as long as it takes.
     *
     * @throws DisconnectedException when the connection ended and nothing is left to read
     */
    public Incoming receive() {
        return take(-1);
    }

    /**
     * The next incoming message, or null when none arrives within {@code timeout}.
     *
     * @throws DisconnectedException when the connection ended and nothing is left to read
     */
    public Incoming receive(Duration timeout) {
        return take(Math.max(0, timeout.toNanos()));
    }

    private Incoming take(long timeoutNanos) {
        try {
            return queue.take(timeoutNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DospClientException("interrupted while receiving from " + server(), e);
        }
    }

    /** Messages dropped because the receive queue was full (oldest first). */
    public long droppedMessages() {
        return queue.droppedMessages();
    }

    /** Tunnel frames that failed verification and were dropped. */
    public long rejectedTunnelFrames() {
        return queue.rejectedTunnelFrames();
    }

    /**
     * What this client did with the tunnel handshakes other clients sent it (answered, rate-limited,
     * refused, error replies sent and suppressed, half-open tunnels dropped), since it was created,
     * and its tunnel table now. The limits are in {@link ClientOptions#tunnels()}.
     */
    public TunnelStats tunnelStats() {
        return connection.tunnels().stats();
    }

    // ---- requests ----

    /** GCL: the vIPs connected to the server. */
    public List<Vip> clients() {
        return await(clientsAsync(), "GCL");
    }

    /** GCL, asynchronously. */
    public CompletableFuture<List<Vip>> clientsAsync() {
        return connection.request(Packets.gclRequest(), PacketType.GCL).thenApply(p -> Packets.parseVipList(p.body()));
    }

    /** PING: the round-trip time. */
    public Duration ping() {
        return await(pingAsync(), "PING");
    }

    /** PING, asynchronously. */
    public CompletableFuture<Duration> pingAsync() {
        long start = System.nanoTime();
        byte[] id = ByteBuffer.allocate(8).putLong(pingIds.incrementAndGet()).array();
        return connection.request(Packets.ping(id), PacketType.PING).thenApply(p -> Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * FN: calls a server function and returns its answer (SA). Calls are sent one at a time,
     * because the protocol cannot tell two answers apart.
     *
     * @throws FunctionCallException for an unknown function (FNF), one that failed (FF) or a text error
     */
    public String call(String function) {
        synchronized (fnLock) {
            ClientConnection k = connection;
            CompletableFuture<SimplePacket> f = k.request(Packets.fn(function), PacketType.FN);
            try {
                return Replies.await(f, "FN " + function, server(), options.requestTimeout()).bodyText();
            } catch (RequestTimeoutException e) {
                // A reference server answers success with silence: do not let its late answer shift later calls.
                k.forgetRequest(PacketType.FN, f);
                throw e;
            } catch (FunctionError e) {
                throw new FunctionCallException(server(), function, e.reply().code(), e.reply().text());
            }
        }
    }

    /**
     * Calls the server function {@code function} with arguments (the {@code functions} extension;
     * {@code docs/messaging.md}, "Server functions"): {@code args} is the array of positional arguments encoded as
     * {@code contentType} ({@code Envelope.JSON} or {@code Envelope.MSGPACK}); the future completes with the RESPONSE
     * envelope (its content type and body are the result), or fails with {@link FunctionCallException} carrying the
     * ERROR's code ({@link FunctionCallException#errorCode()}) and the bad argument ({@link FunctionCallException#field()}),
     * with {@link RequestTimeoutException} after the request timeout, or {@link DisconnectedException}. Many calls may be
     * in flight. Against a server without the extension (a reference server, or ours with it off) a call with no
     * arguments ({@code []}) is made as a bare FN and answered as a {@code Envelope.TEXT} envelope of the SA text; one
     * with arguments fails with code {@code UNSUPPORTED} ("server does not support function arguments").
     */
    public CompletableFuture<Envelope> callAsync(String function, int contentType, byte[] args) {
        return typedCalls.call(connection, function, contentType, args, options.requestTimeout(), this::call);
    }

    /**
     * {@link #callAsync(String, int, byte[])}, waiting for the answer.
     *
     * @throws FunctionCallException   when the server answers ERROR (or FNF/FF for the bare fallback)
     * @throws RequestTimeoutException when no answer comes within the request timeout
     */
    public Envelope call(String function, int contentType, byte[] args) {
        return await(callAsync(function, contentType, args), "function " + function);
    }

    /**
     * {@code $discover}: the schema of the server's functions, JSON as in {@code docs/messaging.md} section 3
     * ({@code {"methods":[{"name","params","result"}...],"handlers":[],"streams":[]}}); fails with
     * {@link FunctionCallException} {@code UNSUPPORTED} when the server has no {@code functions} extension.
     */
    public CompletableFuture<String> discoverFunctionsAsync() {
        return typedCalls.call(connection, TypedCalls.DISCOVER, Envelope.JSON, "[]".getBytes(StandardCharsets.UTF_8),
                options.requestTimeout(), this::call).thenApply(e -> new String(e.bodyBytes(), StandardCharsets.UTF_8));
    }

    /** {@link #discoverFunctionsAsync()}, waiting for the answer. */
    public String discoverFunctions() {
        return await(discoverFunctionsAsync(), "function discovery");
    }

    /** GSI: the server's JSON description of this client. */
    public String selfInfo() {
        return await(connection.request(Packets.gsiRequest(), PacketType.GSI).thenApply(SimplePacket::bodyText), "GSI");
    }

    /**
     * RQIP: asks for {@code wanted}; on success the client now holds it.
     *
     * @throws VipRefusedException when the server refuses
     */
    public Vip requestVip(Vip wanted) {
        return connection.requestVip(wanted);
    }

    /**
     * Groups, names, presence and network-wide views across the federation (this project's extensions
     * {@code groups}, {@code names}, {@code presence}, {@code network}; none with a reference server).
     */
    public DospNetwork network() {
        return network;
    }

    /** Admin requests (AUTH, ADMIN, BCST). */
    public Admin admin() {
        return admin;
    }

    // ---- tunnels ----

    /**
     * Opens an end-to-end tunnel to {@code peer} (spec 8.1) and returns when both sides have keys;
     * returns at once when one exists. From then on {@link #send(Vip, byte[])} to it is sealed and
     * its frames are opened transparently.
     *
     * @throws TunnelFailedException on a handshake error from the peer, ERR S2CF, or timeout
     */
    public void openTunnel(Vip peer) {
        ClientConnection k = connection;
        Duration timeout = k.options().tunnelTimeout();
        CompletableFuture<Void> f = k.tunnels().open(peer);
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            k.tunnels().failOpen(peer, TunnelFailedException.Reason.TIMEOUT, "no handshake answer within " + timeout);
            throw new TunnelFailedException(peer, TunnelFailedException.Reason.TIMEOUT,
                    "no handshake answer within " + timeout
                    + " (is a DoSP client at " + peer + " on " + server() + "?)");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new TunnelFailedException(peer, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TunnelFailedException(peer, TunnelFailedException.Reason.INTERRUPTED, "interrupted");
        }
    }

    /**
     * Opens a tunnel with {@code peer} that must present the identity {@code expected}: pinned by
     * fingerprint alone, whatever the known-peers store says (a match is pinned there too, unless
     * the trust mode is OFF). Returns at once when a tunnel with that identity exists.
     *
     * @throws TunnelIdentityException when the peer presents another identity or none (the
     *     listeners hear {@link ClientListener#onTunnelIdentityMismatch}); nothing is sent to it
     * @throws TunnelFailedException on a handshake error, ERR S2CF, or timeout
     */
    public void openTunnel(Vip peer, Fingerprint expected) {
        Objects.requireNonNull(expected, "expected");
        ClientConnection k = connection;
        Duration timeout = k.options().tunnelTimeout();
        CompletableFuture<Void> f = k.tunnels().open(peer, expected);
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            k.tunnels().failOpen(peer, TunnelFailedException.Reason.TIMEOUT, "no handshake answer within " + timeout);
            throw new TunnelFailedException(peer, TunnelFailedException.Reason.TIMEOUT, "no handshake answer within " + timeout);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new TunnelFailedException(peer, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TunnelFailedException(peer, TunnelFailedException.Reason.INTERRUPTED, "interrupted");
        }
    }

    /** Opens a tunnel asynchronously (no timeout of its own: combine with {@code orTimeout}). */
    public CompletableFuture<Void> openTunnelAsync(Vip peer) {
        return connection.tunnels().open(peer);
    }

    /** {@link #openTunnel(Vip, Fingerprint)} asynchronously (no timeout of its own: combine with {@code orTimeout}). */
    public CompletableFuture<Void> openTunnelAsync(Vip peer, Fingerprint expected) {
        return connection.tunnels().open(peer, Objects.requireNonNull(expected, "expected"));
    }

    /**
     * Who is at the other end of the tunnel with {@code peer}: its identity's fingerprint and how it
     * was trusted (pinned, vouched, first use, unchecked), or that it has none (a reference peer:
     * unauthenticated). Empty when there is no tunnel with it.
     */
    public Optional<TunnelInfo> tunnelInfo(Vip peer) {
        return connection.tunnels().info(peer);
    }

    /** This client's tunnel identity (its public key), which its tunnel hellos carry and sign. */
    public IdentityKey identity() {
        return tunnelIdentity.identity().publicKey();
    }

    /** The fingerprint of this client's tunnel identity ({@code SHA256:...}), to give to peers to pin. */
    public Fingerprint fingerprint() {
        return tunnelIdentity.identity().fingerprint();
    }

    /** The pins this client checks its peers' identities against. */
    public KnownPeers knownPeers() {
        return tunnelIdentity.knownPeers();
    }

    /**
     * Pins {@code fingerprint} for {@code peer} on this server (in the known-peers store, replacing a
     * pin there): later tunnels with that vIP must present it.
     */
    public void trust(Vip peer, Fingerprint fingerprint) {
        tunnelIdentity.knownPeers().pin(tunnelIdentity.server(), peer, fingerprint);
    }

    /** Forgets the pin of {@code peer} on this server; returns whether there was one. */
    public boolean forgetPeer(Vip peer) {
        return tunnelIdentity.knownPeers().forget(tunnelIdentity.server(), peer);
    }

    /** Whether a tunnel with {@code peer} exists. */
    public boolean hasTunnel(Vip peer) {
        return connection.tunnels().has(peer);
    }

    /**
     * Forgets the tunnel with {@code peer} locally (and that one was lost); later {@link #send}s to
     * it are plain, {@link #sendSecure} opens a new one.
     */
    public void closeTunnel(Vip peer) {
        connection.tunnels().remove(peer);
    }

    // ---- lifecycle ----

    /** Sends EXIT {@code CC} and closes (and waits for the known-peers file to hold every pin). Idempotent. */
    @Override
    public void close() {
        close(Packets.exit(ExitCode.CC));
    }

    /** Sends EXIT {@code CC,reason} and closes. */
    public void close(String reason) {
        close(Packets.exit(ExitCode.CC, reason));
    }

    private void close(Packet exit) {
        reconnector.stop();
        connection.close(exit);
        queue.close(new DisconnectedException(server(), "closed by this client"));
        tunnelIdentity.knownPeers().flush(); // pins made in handshakes reach the known-peers file
    }

    /** {@code DospClient[vIP on server]}. */
    @Override
    public String toString() {
        return "DospClient[" + vip() + " on " + server() + "]";
    }

    private <T> T await(CompletableFuture<T> f, String what) {
        try {
            return Replies.await(f, what, server(), options.requestTimeout());
        } catch (FunctionError e) {
            throw new DospClientException(what + " failed on " + server() + ": " + e.getMessage());
        }
    }

    /** Admin requests: AUTH, ADMIN command lines and BCST. Thread-safe. */
    public final class Admin {
        private Admin() {
        }

        /**
         * AUTH with a token ({@code sha256_hex(user:password)} or the server's generated token).
         *
         * @throws AdminException when the server answers {@code ERR:Invalid token}
         */
        public void authenticate(String token) {
            String reply = await(connection.request(Packets.auth(token), PacketType.AUTH), "AUTH").bodyText();
            if (!reply.equals("OK")) {
                throw new AdminException("DoSP server " + server() + " refused the admin token: " + reply, reply);
            }
        }

        /**
         * Runs an ADMIN command line and returns the server's text.
         *
         * @throws AdminException when the reply starts with {@code ERR:} ({@link AdminException#serverReply()} is that reply)
         */
        public String command(String line) {
            String reply = await(connection.request(Packets.admin(line), PacketType.ADMIN), "ADMIN").bodyText();
            if (reply.startsWith("ERR:")) {
                throw new AdminException("admin command '" + line + "' on " + server() + " failed: " + reply.substring(4),
                        reply);
            }
            return reply;
        }

        /**
         * BCST: sends MSG {@code text} to every other client; returns the server's confirmation.
         *
         * @throws AdminException when this connection is not authenticated as admin
         */
        public String broadcast(String text) {
            return await(connection.request(Packets.bcst(text), PacketType.BCST), "BCST").bodyText();
        }
    }
}
