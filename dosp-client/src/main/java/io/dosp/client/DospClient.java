package io.dosp.client;

import io.dosp.client.internal.ClientCore;
import io.dosp.protocol.ExitCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.RqipReply;
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
    private final ClientCore core;
    private final AtomicLong pingIds = new AtomicLong();
    private final Object fnLock = new Object();
    private final Admin admin = new Admin();

    private DospClient(ClientCore core) {
        this.core = core;
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
        ClientCore core = new ClientCore(options);
        core.connect();
        DospClient client = new DospClient(core);
        if (options.requestedVip() != null) {
            try {
                client.requestVip(options.requestedVip());
            } catch (VipRefusedException | RequestTimeoutException e) {
                if (options.fixedVip()) {
                    client.close();
                    throw e;
                }
            }
        }
        core.sendClientInfo();
        return client;
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
        core.addListener(listener);
        return this;
    }

    /** Removes a listener. */
    public DospClient removeListener(ClientListener listener) {
        core.removeListener(listener);
        return this;
    }

    // ---- sending ----

    /** Sends {@code data} to the client holding {@code dst}; sealed if a tunnel with it exists. */
    public void send(Vip dst, byte[] data) {
        core.sendData(dst, data);
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
            return core.receive(-1);
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
            return core.receive(Math.max(0, timeout.toNanos()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DospClientException("interrupted while receiving from " + server(), e);
        }
    }

    /** Messages dropped because the receive queue was full (oldest first). */
    public long droppedMessages() {
        return core.droppedMessages();
    }

    /** Tunnel frames that failed verification and were dropped. */
    public long rejectedTunnelFrames() {
        return core.rejectedTunnelFrames();
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
        SimplePacket reply = await(core.request(Packets.rqip(wanted), PacketType.RQIP), "RQIP " + wanted);
        RqipReply r = RqipReply.parse(reply.body());
        if (!r.granted()) {
            throw new VipRefusedException(server(), wanted, r.message());
        }
        return vip();
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
        core.close(Packets.exit(ExitCode.CC));
    }

    /** Sends EXIT {@code CC,reason} and closes. */
    public void close(String reason) {
        core.close(Packets.exit(ExitCode.CC, reason));
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
        Duration timeout = core.options().requestTimeout();
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
