package io.dosp.client;

import io.dosp.client.internal.ClientCore;
import io.dosp.client.internal.ClientShared;
import io.dosp.protocol.Backoff;
import io.dosp.protocol.ExitCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

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
 */
public final class DospClient implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DospClient.class);
    private final ClientOptions options;
    private final ClientShared shared;
    private volatile ClientCore core;
    private volatile boolean closed;
    private final java.util.Set<Vip> formerTunnels = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicLong pingIds = new AtomicLong();
    private final Object fnLock = new Object();
    private final Admin admin = new Admin();

    private DospClient(ClientOptions options) {
        this.options = options;
        this.shared = new ClientShared(options.receiveQueue());
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
     * Connects with {@code options}: TCP (or in-process), AIP + HSK, RQIP when a vIP is requested,
     * then CLIENT_INFO.
     *
     * @throws ConnectFailedException   when the connection cannot be made
     * @throws HandshakeException       when the server does not complete the handshake in time
     * @throws DisconnectedException    when the server ends the connection at once (e.g. {@code Server full})
     * @throws VipRefusedException      when a fixed vIP is refused
     */
    public static DospClient connect(ClientOptions options) {
        DospClient client = new DospClient(options);
        client.core = client.newConnection(options);
        return client;
    }

    /** One connection: TCP, AIP + HSK, RQIP when asked, CLIENT_INFO, heartbeat when configured. */
    private ClientCore newConnection(ClientOptions opts) {
        ClientCore k = new ClientCore(opts, shared, this::onLost);
        k.connect();
        if (opts.requestedVip() != null) {
            try {
                requestVip(k, opts.requestedVip());
            } catch (VipRefusedException | RequestTimeoutException e) {
                if (opts.fixedVip()) {
                    k.close(Packets.exit(ExitCode.CC, "requested vIP refused"));
                    throw e;
                }
                LOG.info("Keeping vIP {} on {}: {}", k.vip(), k.server(), e.getMessage());
            }
        }
        k.sendClientInfo();
        if (!opts.heartbeatInterval().isZero()) {
            k.startHeartbeat(opts.heartbeatInterval(), opts.heartbeatMisses());
        }
        return k;
    }

    /** The connection ended without close(): reconnect, or end for good. */
    private void onLost(DisconnectedException cause) {
        if (closed) {
            return;
        }
        if (!options.reconnect() || !reconnectable(cause.serverReason())) {
            shared.close(cause);
            shared.emit(l -> l.onDisconnected(cause));
            return;
        }
        ClientCore lost = core;
        formerTunnels.addAll(lost.tunnels().peers());
        LOG.info("Connection to {} lost ({}); reconnecting", lost.server(), cause.getMessage());
        scheduleReconnect(lost.vip(), 0);
    }

    private static boolean reconnectable(String reason) {
        return reason == null || ServerExitReason.of(reason).reconnect();
    }

    private void scheduleReconnect(Vip previous, int attempt) {
        long delay = new Backoff(options.reconnectInitialDelay(), options.reconnectMaxDelay()).delayNanos(attempt);
        io.dosp.client.internal.SharedResources.scheduler().schedule(() -> {
            if (closed) {
                return;
            }
            try {
                ClientCore k = newConnection(options.withRequestedVip(previous));
                core = k;
                if (closed) {
                    k.close(Packets.exit(ExitCode.CC));
                    return;
                }
                LOG.info("Reconnected to {} as {} after {} attempt(s)", k.server(), k.vip(), attempt + 1);
                shared.emit(l -> l.onReconnected(k.vip()));
            } catch (DospClientException e) {
                LOG.debug("Reconnect attempt {} to {} failed: {}", attempt + 1, options.serverName(), e.getMessage());
                scheduleReconnect(previous, attempt + 1);
            }
        }, delay, TimeUnit.NANOSECONDS);
    }

    /** The vIP the server assigned (or granted after RQIP). */
    public Vip vip() {
        return core.vip();
    }

    /** {@code host:port} (or {@code local:name}) of the server. */
    public String server() {
        return core.server();
    }

    /** Whether the connection is up. */
    public boolean isConnected() {
        return core.isConnected();
    }

    /** Whether the server compresses this connection (HSK flag). */
    public boolean compression() {
        return core.compression();
    }

    /** Adds a listener (see {@link ClientListener} for the executor model). */
    public DospClient addListener(ClientListener listener) {
        shared.addListener(listener);
        return this;
    }

    /** Removes a listener. */
    public DospClient removeListener(ClientListener listener) {
        shared.removeListener(listener);
        return this;
    }

    // ---- sending ----

    /** Sends {@code data} to the client holding {@code dst}; sealed if a tunnel with it exists. */
    public void send(Vip dst, byte[] data) {
        ClientCore k = core;
        if (!formerTunnels.isEmpty() && formerTunnels.contains(dst) && !k.tunnels().has(dst)) {
            // After a reconnect: re-open the tunnel first; never send former tunnel traffic in plaintext.
            openTunnel(dst);
            formerTunnels.remove(dst);
        }
        k.sendData(dst, data);
    }

    /** Sends UTF-8 {@code text} to {@code dst} (sealed if a tunnel exists). */
    public void send(Vip dst, String text) {
        send(dst, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends any packet as it is (no tunnel processing). */
    public void send(Packet packet) {
        core.write(packet);
    }

    /** Sends MSG text to the server (which logs it). */
    public void sendMessage(String text) {
        core.write(Packets.msg(text));
    }

    /** Sends an application-defined packet, type {@code 0x20..0xFF}. */
    public void sendCustom(int type, byte[] body) {
        core.write(Packets.custom(type, body));
    }

    /** Sends several packets in one MPAK frame; the server handles them in order (no tunnel processing). */
    public void sendMulti(List<? extends Packet> packets) {
        core.write(Packets.mpak(packets));
    }

    // ---- receiving ----

    /**
     * The next incoming message, waiting as long as it takes.
     *
     * @throws DisconnectedException when the connection ended and nothing is left to read
     */
    public Incoming receive() {
        try {
            return shared.receive(-1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DospClientException("interrupted while receiving from " + server(), e);
        }
    }

    /**
     * The next incoming message, or null when none arrives within {@code timeout}.
     *
     * @throws DisconnectedException when the connection ended and nothing is left to read
     */
    public Incoming receive(Duration timeout) {
        try {
            return shared.receive(Math.max(0, timeout.toNanos()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DospClientException("interrupted while receiving from " + server(), e);
        }
    }

    /** Messages dropped because the receive queue was full (oldest first). */
    public long droppedMessages() {
        return shared.droppedMessages();
    }

    /** Tunnel frames that failed verification and were dropped. */
    public long rejectedTunnelFrames() {
        return shared.rejectedFrames();
    }

    // ---- requests ----

    /** GCL: the vIPs connected to the server. */
    public List<Vip> clients() {
        return await(clientsAsync(), "GCL");
    }

    /** GCL, asynchronously. */
    public CompletableFuture<List<Vip>> clientsAsync() {
        return core.request(Packets.gclRequest(), PacketType.GCL).thenApply(p -> Packets.parseVipList(p.body()));
    }

    /** PING: the round-trip time. */
    public Duration ping() {
        return await(pingAsync(), "PING");
    }

    /** PING, asynchronously. */
    public CompletableFuture<Duration> pingAsync() {
        long start = System.nanoTime();
        byte[] id = ByteBuffer.allocate(8).putLong(pingIds.incrementAndGet()).array();
        return core.request(Packets.ping(id), PacketType.PING).thenApply(p -> Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * FN: calls a server function and returns its answer (SA). Calls are sent one at a time,
     * because the protocol cannot tell two answers apart.
     *
     * @throws FunctionCallException for an unknown function (FNF), one that failed (FF) or a text error
     */
    public String call(String function) {
        synchronized (fnLock) {
            CompletableFuture<SimplePacket> f = core.request(Packets.fn(function), PacketType.FN);
            try {
                return awaitRaw(f, "FN " + function).bodyText();
            } catch (RequestTimeoutException e) {
                // A reference server answers success with silence: do not let its late answer shift later calls.
                core.requestsForget(PacketType.FN, f);
                throw e;
            } catch (ClientCore.FunctionError e) {
                throw new FunctionCallException(server(), function, e.reply().code(), e.reply().text());
            }
        }
    }

    /** GSI: the server's JSON description of this client. */
    public String selfInfo() {
        return await(core.request(Packets.gsiRequest(), PacketType.GSI).thenApply(SimplePacket::bodyText), "GSI");
    }

    /**
     * RQIP: asks for {@code wanted}; on success the client now holds it.
     *
     * @throws VipRefusedException when the server refuses
     */
    public Vip requestVip(Vip wanted) {
        return requestVip(core, wanted);
    }

    private Vip requestVip(ClientCore k, Vip wanted) {
        SimplePacket reply = awaitRaw(k.request(Packets.rqip(wanted), PacketType.RQIP), "RQIP " + wanted);
        RqipReply r = RqipReply.parse(reply.body());
        if (!r.granted()) {
            throw new VipRefusedException(k.server(), wanted, r.message());
        }
        return k.vip();
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
        CompletableFuture<Void> f = core.tunnels().open(peer);
        try {
            f.get(core.options().tunnelTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            core.tunnels().failOpen(peer, "no handshake answer within " + core.options().tunnelTimeout());
            throw new TunnelFailedException(peer, "no handshake answer within " + core.options().tunnelTimeout()
                    + " (is a DoSP client at " + peer + " on " + server() + "?)");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new TunnelFailedException(peer, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TunnelFailedException(peer, "interrupted");
        }
    }

    /** Opens a tunnel asynchronously (no timeout of its own: combine with {@code orTimeout}). */
    public CompletableFuture<Void> openTunnelAsync(Vip peer) {
        return core.tunnels().open(peer);
    }

    /** Whether a tunnel with {@code peer} exists. */
    public boolean hasTunnel(Vip peer) {
        return core.tunnels().has(peer);
    }

    /** Forgets the tunnel with {@code peer} locally; later sends to it are plain. */
    public void closeTunnel(Vip peer) {
        core.tunnels().remove(peer);
    }

    // ---- lifecycle ----

    /** Sends EXIT {@code CC} and closes. Idempotent. */
    @Override
    public void close() {
        closed = true;
        core.close(Packets.exit(ExitCode.CC));
        shared.close(new DisconnectedException(server(), "closed by this client"));
    }

    /** Sends EXIT {@code CC,reason} and closes. */
    public void close(String reason) {
        closed = true;
        core.close(Packets.exit(ExitCode.CC, reason));
        shared.close(new DisconnectedException(server(), "closed by this client"));
    }

    @Override
    public String toString() {
        return "DospClient[" + vip() + " on " + server() + "]";
    }

    private <T> T await(CompletableFuture<T> f, String what) {
        try {
            return awaitRaw(f, what);
        } catch (ClientCore.FunctionError e) {
            throw new DospClientException(what + " failed on " + server() + ": " + e.getMessage());
        }
    }

    private <T> T awaitRaw(CompletableFuture<T> f, String what) {
        Duration timeout = options.requestTimeout();
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RequestTimeoutException(what + " got no answer from DoSP server " + server() + " within " + timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new DospClientException(what + " failed on " + server() + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DospClientException("interrupted waiting for " + what + " from " + server(), e);
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
            String reply = await(core.request(Packets.auth(token), PacketType.AUTH), "AUTH").bodyText();
            if (!reply.equals("OK")) {
                throw new AdminException("DoSP server " + server() + " refused the admin token: " + reply);
            }
        }

        /**
         * Runs an ADMIN command line and returns the server's text.
         *
         * @throws AdminException when the reply starts with {@code ERR:}
         */
        public String command(String line) {
            String reply = await(core.request(Packets.admin(line), PacketType.ADMIN), "ADMIN").bodyText();
            if (reply.startsWith("ERR:")) {
                throw new AdminException("admin command '" + line + "' on " + server() + " failed: " + reply.substring(4));
            }
            return reply;
        }

        /** BCST: sends MSG {@code text} to every other client; returns the server's confirmation. */
        public String broadcast(String text) {
            return await(core.request(Packets.bcst(text), PacketType.BCST), "BCST").bodyText();
        }
    }
}
