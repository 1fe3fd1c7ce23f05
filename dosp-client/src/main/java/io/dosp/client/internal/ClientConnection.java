package io.dosp.client.internal;

import io.dosp.client.ClientOptions;
import io.dosp.client.ConnectFailedException;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClientException;
import io.dosp.client.HandshakeException;
import io.dosp.client.LoginFailedException;
import io.dosp.client.LoginRequiredException;
import io.dosp.client.RequestTimeoutException;
import io.dosp.client.TunnelFailedException;
import io.dosp.client.TunnelIdentityException;
import io.dosp.client.VipRefusedException;
import io.dosp.protocol.ExitCode;
import io.dosp.crypto.Identity;
import io.dosp.crypto.Scram;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Login;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Resume;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a DoSP server: its Netty channel (TCP, or the in-process transport), the
 * handshake, the requests waiting for their replies ({@link PendingRequests}) and the tunnels
 * made over it ({@link TunnelManager}). Inbound packets are handled by its {@link InboundHandler};
 * what the application should see goes to the client's {@link ReceiveQueue} and
 * {@link ListenerNotifier}, which outlive the connection. A reconnect makes a new connection.
 *
 * <p>Threading: every method is thread-safe and, except {@link #open} and {@link #close}, never
 * blocks; writes are handed to the channel's event loop. Inbound work happens on that event loop.
 */
public final class ClientConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private final ClientOptions options;
    private final ConnectionState state;
    private final PendingRequests requests = new PendingRequests();
    private final TunnelManager tunnels;
    private final ListenerNotifier listeners;
    private final InboundHandler inbound;
    private final ClientExtensions extensions;
    private final TunnelIdentity tunnelIdentity;
    private volatile Channel channel;

    /** Told when a connection that completed its handshake ends without {@link #close}. */
    public interface LossHandler {
        /** {@code connection} ended; {@code cause} says why. Called on the connection's I/O thread: must not block. */
        void lost(ClientConnection connection, DisconnectedException cause);
    }

    private ClientConnection(ClientOptions options, ReceiveQueue queue, ListenerNotifier listeners, TunnelGuard guard,
            ClientExtensions extensions, TunnelIdentity identity, LossHandler onLoss) {
        this.extensions = extensions;
        this.tunnelIdentity = identity;
        this.listeners = listeners;
        this.options = options;
        this.state = new ConnectionState(options.serverName());
        this.tunnels = new TunnelManager(this::writeS2cInOrder, new TunnelManager.Events() {
            @Override
            public void established(Vip peer, long tunnel) {
                listeners.emit(l -> {
                    l.onTunnelEstablished(peer);
                    l.onTunnelEstablished(peer, tunnel);
                });
            }

            @Override
            public void replaced(Vip peer, long previous, long tunnel) {
                listeners.emit(l -> l.onTunnelReplaced(peer, previous, tunnel));
            }

            @Override
            public void ended(Vip peer, long tunnel, String reason) {
                listeners.emit(l -> l.onTunnelClosed(peer, tunnel, reason));
            }

            @Override
            public void identityRefused(Vip peer, TunnelIdentityException e) {
                if (e.problem() == TunnelIdentityException.Problem.MISMATCH) {
                    listeners.emit(l -> l.onTunnelIdentityMismatch(peer, e));
                }
            }
        }, guard, identity, this::onLoop);
        this.inbound = new InboundHandler(state, requests, tunnels, queue, listeners, extensions,
                cause -> onLoss.lost(this, cause));
    }

    /** Runs {@code task} on the channel's event loop (at once before there is a channel). */
    private void onLoop(Runnable task) {
        Channel c = channel;
        if (c == null) {
            task.run();
        } else {
            c.eventLoop().execute(task);
        }
    }

    /**
     * Opens a connection: TCP (or in-process), AIP + HSK, EXT HELLO when configured, RQIP when {@code options}
     * request a vIP, CLIENT_INFO when configured, then the heartbeat when configured. Blocks until the handshake
     * (and HELLO, RQIP) are done.
     *
     * @param queue     where messages for {@code receive()} go
     * @param listeners who hears of events
     * @param guard     the client's limits and counts for incoming tunnel handshakes
     * @param extensions the client's extension features
     * @param identity  the client's tunnel identity and trust checks
     * @param onLoss    told when the connection is lost later
     * @throws ConnectFailedException when the connection cannot be made
     * @throws HandshakeException     when the server does not complete the handshake in time
     * @throws DisconnectedException  when the server ends the connection at once
     * @throws VipRefusedException    when a fixed vIP is refused
     */
    public static ClientConnection open(ClientOptions options, ReceiveQueue queue, ListenerNotifier listeners,
            TunnelGuard guard, ClientExtensions extensions, TunnelIdentity identity, LossHandler onLoss) {
        ClientConnection k = new ClientConnection(options, queue, listeners, guard, extensions, identity, onLoss);
        k.connect();
        if (options.extensions()) {
            k.sayHello();
        }
        k.loginIfRequired();
        if (options.requestedVip() != null) {
            try {
                k.requestVip(options.requestedVip());
            } catch (VipRefusedException | RequestTimeoutException e) {
                if (options.fixedVip()) {
                    k.close(Packets.exit(ExitCode.CC, "requested vIP refused"));
                    throw e;
                }
                LOG.info("Keeping vIP {} on {}: {}", k.vip(), k.server(), LogText.of(e.getMessage()));
            }
        }
        if (options.sendClientInfo()) { // after any RQIP, as the Python client does
            k.write(Packets.clientInfo(options.machineHash()));
        }
        if (options.heartbeat().enabled()) {
            HeartbeatTask.start(k.channel, k.state, options.heartbeat(), () -> k.request(Packets.ping(), PacketType.PING));
        }
        return k;
    }

    /** Connects and waits for AIP + HSK. */
    private void connect() {
        Bootstrap b = new Bootstrap()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .handler(new ClientChannelInitializer(options, state, inbound));
        ChannelFuture f;
        if (options.localName() != null) {
            f = b.group(ClientThreads.localGroup()).channel(LocalChannel.class).connect(new LocalAddress(options.localName()));
        } else {
            f = b.group(ClientThreads.ioGroup()).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                    .connect(options.host(), options.port());
        }
        if (!f.awaitUninterruptibly(options.connectTimeout().toMillis() + 1_000) || !f.isSuccess()) {
            f.channel().close();
            throw new ConnectFailedException(server(), f.cause());
        }
        channel = f.channel();
        Vip vip;
        try {
            vip = state.handshake.get(options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            channel.close();
            throw new HandshakeException("DoSP server " + server() + " sent no AIP + HSK within " + options.handshakeTimeout());
        } catch (ExecutionException e) {
            channel.close();
            throw e.getCause() instanceof RuntimeException r ? r : new HandshakeException(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new HandshakeException("interrupted while connecting to " + server());
        }
        tunnels.selfVip(vip);
    }

    /**
     * EXT HELLO: offers the client's features and waits for WELCOME. A reference server answers ERR UKNP: then
     * nothing is enabled, as when it does not answer within the request timeout.
     */
    private void sayHello() {
        CompletableFuture<SimplePacket> f = request(Ext.hello(extensions.offered()), PacketType.EXT);
        try {
            SimplePacket welcome = f.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            state.extensions = Ext.features(welcome);
            LOG.debug("DoSP server {} enabled extension features {}", server(), state.extensions);
        } catch (TimeoutException e) {
            forgetRequest(PacketType.EXT, f);
            LOG.info("DoSP server {} did not answer EXT HELLO within {}: using no extension", server(),
                    options.requestTimeout());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DisconnectedException d) {
                throw d;
            }
            LOG.debug("{}", LogText.of(e.getCause().getMessage()));
        } catch (MalformedPacketException e) {
            LOG.info("DoSP server {} sent an unreadable WELCOME ({}): using no extension", server(),
                    LogText.of(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(Packets.exit(ExitCode.CC, "interrupted"));
            throw new HandshakeException("interrupted while connecting to " + server());
        }
    }

    /**
     * Client admission: logs in when credentials are set (the server must then offer {@code auth}), or fails with
     * {@link LoginRequiredException} when the server requires a login and there are none.
     */
    private void loginIfRequired() {
        boolean offered = state.extensions.contains(Ext.FEATURE_AUTH);
        Optional<String> user = options.loginUser();
        if (user.isEmpty()) {
            if (offered) {
                close(Packets.exit(ExitCode.CC, "no credentials"));
                throw new LoginRequiredException(server());
            }
            return;
        }
        if (!offered) {
            close(Packets.exit(ExitCode.CC, "login not offered"));
            throw new LoginFailedException(server(), user.get(), Login.FailureCode.OTHER,
                    "the server does not offer login (client admission is off, or it is not a server of this project)");
        }
        try {
            login(user.get());
        } catch (LoginFailedException | RequestTimeoutException e) {
            close(Packets.exit(ExitCode.CC, "login failed"));
            throw e;
        }
    }

    /** The SCRAM-SHA-256 exchange of {@link Login}; on success the connection holds the user's vIP. */
    private void login(String user) {
        byte[] clientNonce = new byte[32];
        RANDOM.nextBytes(clientNonce);
        Vip vip = state.vip;
        SimplePacket first = Replies.await(request(new Login.Start(user, clientNonce).frame(), PacketType.EXT),
                "LOGIN_START", server(), options.requestTimeout());
        Login.Challenge challenge = switch (loginKind(user, first)) {
            case Login.CHALLENGE -> {
                try {
                    yield Login.Challenge.parse(Ext.payload(first));
                } catch (MalformedPacketException e) {
                    throw new LoginFailedException(server(), user, Login.FailureCode.PROTOCOL, e.getMessage());
                }
            }
            default -> throw new LoginFailedException(server(), user, Login.FailureCode.PROTOCOL,
                    "expected LOGIN_CHALLENGE, got EXT kind " + Ext.kind(first));
        };
        if (challenge.iterations() < Scram.MIN_ITERATIONS || challenge.iterations() > Scram.MAX_ITERATIONS) {
            throw new LoginFailedException(server(), user, Login.FailureCode.PROTOCOL, "the server asks for "
                    + challenge.iterations() + " PBKDF2 iterations (" + Scram.MIN_ITERATIONS + ".." + Scram.MAX_ITERATIONS
                    + " accepted)");
        }
        byte[] authMessage = Login.authMessage(user, clientNonce, challenge.serverNonce(), challenge.salt(),
                challenge.iterations(), vip);
        char[] password = options.loginPassword();
        byte[] salted;
        try {
            salted = Scram.saltedPassword(password, challenge.salt(), challenge.iterations());
        } finally {
            Arrays.fill(password, '\0');
        }
        try {
            Optional<byte[]> key = Optional.empty();
            Optional<byte[]> signature = Optional.empty();
            // The tunnel identity is presented at login, so what the server vouches for a vIP is the key its
            // holder's tunnel hellos are signed with.
            Identity id = tunnelIdentity.identity();
            key = Optional.of(id.publicKey().raw());
            signature = Optional.of(id.sign(Login.identitySigned(authMessage)));
            Login.Proof proof = new Login.Proof(Scram.clientProof(salted, authMessage), key, signature);
            SimplePacket answer = Replies.await(request(proof.frame(), PacketType.EXT), "LOGIN_PROOF", server(),
                    options.requestTimeout());
            if (loginKind(user, answer) != Login.OK) {
                throw new LoginFailedException(server(), user, Login.FailureCode.PROTOCOL,
                        "expected LOGIN_OK, got EXT kind " + Ext.kind(answer));
            }
            Login.Ok ok;
            try {
                ok = Login.Ok.parse(Ext.payload(answer));
            } catch (MalformedPacketException e) {
                throw new LoginFailedException(server(), user, Login.FailureCode.PROTOCOL, e.getMessage());
            }
            if (!Scram.verifyServerSignature(salted, authMessage, ok.serverSignature())) {
                throw new LoginFailedException(server(), user, Login.FailureCode.PROTOCOL,
                        "the server's signature does not verify: it does not hold this user's verifier");
            }
            if (!ok.vip().equals(state.vip)) {
                state.vip = ok.vip();
                tunnels.selfVip(ok.vip());
            }
            state.loginUser = user;
            LOG.debug("Logged in to {} as {} with vIP {}", server(), LogText.of(user), ok.vip());
        } finally {
            Arrays.fill(salted, (byte) 0);
        }
    }

    /** The kind of a login answer; LOGIN_FAILED becomes {@link LoginFailedException}. */
    private int loginKind(String user, SimplePacket p) {
        int kind = Ext.kind(p);
        if (kind == Login.FAILED) {
            Login.Failed f;
            try {
                f = Login.Failed.parse(Ext.payload(p));
            } catch (MalformedPacketException e) {
                f = new Login.Failed(Login.FailureCode.OTHER, "unreadable LOGIN_FAILED");
            }
            throw new LoginFailedException(server(), user, f.code(), LogText.of(f.reason()));
        }
        return kind;
    }

    /** The user this connection logged in as, or null. */
    public String loginUser() {
        return state.loginUser;
    }

    /** The extension features the server enabled on this connection; empty for a reference server. */
    public Set<String> extensions() {
        return state.extensions;
    }

    /**
     * RQIP: asks for {@code wanted} and waits for the answer; on success the connection holds it.
     *
     * @return the vIP held now
     * @throws VipRefusedException     when the server refuses (or answers with neither {@code D:} nor {@code E:})
     * @throws RequestTimeoutException when it does not answer in time
     */
    public Vip requestVip(Vip wanted) {
        SimplePacket reply = Replies.await(request(Packets.rqip(wanted), PacketType.RQIP), "RQIP " + wanted, server(),
                options.requestTimeout());
        RqipReply r;
        try {
            r = RqipReply.parse(reply.body());
        } catch (MalformedPacketException e) {
            // A reply that is neither D: nor E: grants nothing (found while fuzzing the body parsers).
            throw new VipRefusedException(server(), wanted, "unreadable RQIP reply (" + e.getMessage() + ")");
        }
        if (!r.granted()) {
            throw new VipRefusedException(server(), wanted, r.message());
        }
        return vip();
    }

    /**
     * EXT RESUME (feature {@code resume}): asks the cluster node for {@code token}'s vIP back, without blocking. Completes
     * with null when granted (the AIP before RESUME_OK applied the vIP; the new token is kept in {@code keep}), else with
     * the node's refusal; exceptionally when no answer came within the request timeout or the connection ended.
     */
    public CompletableFuture<Resume.Failed> resume(Resume.Token token, ResumeTokens keep) {
        CompletableFuture<SimplePacket> f;
        try {
            f = request(token.toFrame(Resume.RESUME), PacketType.EXT);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return f.orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).handle((reply, error) -> {
            if (error != null) {
                forgetRequest(PacketType.EXT, f);
                throw error instanceof java.util.concurrent.CompletionException c ? c
                        : new java.util.concurrent.CompletionException(error);
            }
            int kind = Ext.kind(reply);
            if (kind == Resume.OK) {
                Resume.Token next = Resume.Token.parse(reply);
                keep.keep(next);
                return null;
            }
            if (kind == Resume.FAILED) {
                return Resume.Failed.parse(reply);
            }
            return new Resume.Failed(token.vip(), 0, "unexpected answer: EXT kind " + kind);
        });
    }

    // ---- state ----

    /** The vIP held now. */
    public Vip vip() {
        return state.vip;
    }

    /** The server as {@code host:port} or {@code local:name}. */
    public String server() {
        return state.server;
    }

    /** The options this connection was made with. */
    public ClientOptions options() {
        return options;
    }

    /** Whether the server compresses this connection. */
    public boolean compression() {
        return state.compression;
    }

    /** Whether the channel is up and no EXIT arrived. */
    public boolean isConnected() {
        Channel c = channel;
        return c != null && c.isActive() && state.disconnected == null;
    }

    /** The tunnels of this connection. */
    public TunnelManager tunnels() {
        return tunnels;
    }

    /**
     * The server says {@code peer} changed hands (EXT PEER_GONE; {@code reason} in words): the listeners hear
     * {@code onPeerGone}, then a pending open to it fails and its tunnel ends as on ERR S2CF ({@code onTunnelClosed};
     * the next send re-opens it, never plain). On the I/O thread.
     */
    public void peerGone(Vip peer, String reason) {
        listeners.emit(l -> l.onPeerGone(peer, reason));
        String why = "the server says " + peer + " changed hands (" + reason + ")";
        tunnels.failOpen(peer, TunnelFailedException.Reason.PEER_UNREACHABLE, why);
        tunnels.end(peer, why);
    }

    // ---- sending ----

    /**
     * Writes and flushes a packet.
     *
     * @throws DisconnectedException when the connection is gone
     * @throws DospClientException   when the packet is larger than the maximum frame size
     */
    public void write(Packet p) {
        Channel c = activeChannel();
        if (p.bodyLength() > options.maxFrameSize()) {
            throw new DospClientException("packet " + p + " exceeds the maximum frame size of "
                    + options.maxFrameSize() + " bytes (server " + server() + ")");
        }
        c.writeAndFlush(p, c.voidPromise());
    }

    /**
     * Queues an S2C on the channel's event loop even when called on it. A write made on the event
     * loop goes out at once and would overtake writes other threads queued before it; tunnel
     * handshakes and sealed frames must leave in the order the tunnel manager decided them.
     */
    private void writeS2cInOrder(Vip dst, byte[] data) {
        Channel c = activeChannel();
        S2cPacket p = Packets.s2c(dst, data);
        c.eventLoop().execute(() -> c.writeAndFlush(p, c.voidPromise()));
    }

    private Channel activeChannel() {
        Channel c = channel;
        DisconnectedException d = state.disconnected;
        if (d != null || c == null || !c.isActive()) {
            throw d != null ? d : new DisconnectedException(server(), null);
        }
        return c;
    }

    /**
     * Completed while the channel takes more data without growing its write buffer past the high water mark; else
     * completes when it does again, or fails with the {@link DisconnectedException} when the connection ends.
     */
    public CompletableFuture<Void> whenWritable() {
        Channel c;
        try {
            c = activeChannel();
        } catch (DisconnectedException e) {
            return CompletableFuture.failedFuture(e);
        }
        return state.writability.when(c);
    }

    /** From now on {@code pauses} apply to this connection's channel (nothing before it has one). */
    public void applyReadPauses(ReadPauses pauses) {
        Channel c = channel;
        if (c != null) {
            pauses.attach(c);
        }
    }

    /** S2C DATA to {@code dst} sealed through its tunnel; false (nothing sent) when there is none. */
    public boolean sendSealedData(Vip dst, byte[] data) {
        activeChannel();
        return tunnels.sendSealed(dst, data);
    }

    /** S2C DATA to {@code dst}: sealed when a tunnel with it exists, plain otherwise. */
    public void sendData(Vip dst, byte[] data) {
        if (!tunnels.sendSealed(dst, data)) {
            write(Packets.s2c(dst, data));
        }
    }

    /** Sends {@code p}; the returned future completes with the next {@code replyType} packet. */
    public CompletableFuture<SimplePacket> request(Packet p, PacketType replyType) {
        return requests.register(replyType, () -> write(p));
    }

    /** Drops a request that will never be answered, so a late answer does not go to the next one. */
    public void forgetRequest(PacketType type, CompletableFuture<SimplePacket> f) {
        requests.forget(type, f);
    }

    /**
     * Runs {@code r} once this connection's channel has closed (at once when it already has, or never opened); on the
     * I/O thread, must not block.
     */
    public void whenClosed(Runnable r) {
        Channel c = channel;
        if (c == null) {
            r.run();
        } else {
            c.closeFuture().addListener(f -> r.run());
        }
    }

    // ---- lifecycle ----

    /** Sends {@code exit}, then closes the channel, waiting up to 3 seconds. Not a loss: no reconnect follows. */
    public void close(Packet exit) {
        state.closing = true;
        Channel c = channel;
        if (c == null) {
            return;
        }
        if (c.isActive()) {
            c.writeAndFlush(exit).addListener(ChannelFutureListener.CLOSE);
        }
        c.closeFuture().awaitUninterruptibly(2_000);
        c.close().awaitUninterruptibly(1_000);
    }
}
