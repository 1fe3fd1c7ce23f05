package io.dosp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dosp.client.DospClient;
import io.dosp.protocol.Advertisement;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.PeerStatus;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.Frames;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.PeerScript;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.ScriptedPeer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Federation trust, tried as an attacker: forged SRC from a reference peer's address and over an
 * authenticated link, a relayed link handshake, mesh key mismatch and missing keys. The link
 * frames are built here from the byte layout in README ("Peer link frames"), not with the
 * server's encoders.
 */
class FederationTrustIT {
    private static final Duration AWAIT = Duration.ofSeconds(15);
    private static final String REFERENCE_IP = "127.0.0.2";

    @TempDir
    Path tmp;
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final Logger dosp = (Logger) LoggerFactory.getLogger("io.dosp");
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private Level level;

    @BeforeEach
    void capture() {
        level = dosp.getLevel();
        dosp.setLevel(Level.INFO);
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void release() {
        root.detachAppender(log);
        dosp.setLevel(level);
    }

    @Test
    void aClientAtAReferencePeersAddressCannotClaimOurOwnOrForeignSrcs() {
        // A reference peer at 127.0.0.2 owns 10.9.0.x (configured); its port answers nothing (closed).
        int closed = freePort();
        try (DospServer a = DospServer.start(Mesh.config(tmp, 0)
                .federation(f -> f.peer(PeerSpec.of(REFERENCE_IP, closed, VipTemplate.parse("10.9.0.x")))).build());
             RawClient target = RawClient.connect(a.port());
             RawClient other = RawClient.connect(a.port())) {
            Vip t = target.vip();
            // 1. The foreign-then-own-template trick: one S2C with the reference's SRC (allowed: that is what
            //    trusting by address means), then a foreign SRC, then a SRC of our own template.
            try (RawClient attacker = RawClient.connect(a.port(), REFERENCE_IP)) {
                attacker.send(Packets.s2c(t, Vip.parse("10.9.0.5"), bytes("as the reference")));
                assertS2c(target.receive(PacketType.S2C), "10.9.0.5", "as the reference");
                attacker.send(Packets.s2c(t, Vip.parse("10.5.0.5"), bytes("foreign")));
                assertRefused(attacker, t, "not in a template routed through");
                attacker.send(Packets.s2c(t, other.vip(), bytes("as another client of ours")));
                assertRefused(attacker, t, "own template");
                attacker.send(Packets.s2c(t, Vip.parse("10.9.0.6"), bytes("still the reference")));
                assertS2c(target.receive(PacketType.S2C), "10.9.0.6", "still the reference"); // nothing in between
            }
            // 2. Our own template directly, on a fresh connection from the trusted address.
            try (RawClient attacker = RawClient.connect(a.port(), REFERENCE_IP)) {
                attacker.send(Packets.s2c(t, other.vip(), bytes("as another client of ours")));
                assertRefused(attacker, t, "own template");
                attacker.send(Packets.s2c(t, attacker.vip(), bytes("as itself")));
                assertS2c(target.receive(PacketType.S2C), attacker.vip().toString(), "as itself");
            }
            assertThat(a.stats().drops(DropReason.FORGED_SRC)).isEqualTo(3);
            assertThat(warnings("not routed through it")).isNotEmpty();
        }
    }

    @Test
    void anAuthenticatedPeerMayCarryOnlyTheSrcsItAdvertised() throws Exception {
        // An insider with the mesh key links to A, advertises 10.7.0.x and then forwards other SRCs.
        try (ScriptedPeer backLink = ScriptedPeer.start(PeerScript.create().greet(Vip.parse("10.7.0.1")).readFrames(1)
                     .send(Packets.err(ErrCode.UKNP)).hold()); // A's link back to it: reference mode, so usable
             DospServer a = DospServer.start(Mesh.config(tmp, 0).build());
             RawClient target = RawClient.connect(a.port());
             RawClient rogue = RawClient.connect(a.port())) {
            handshake(rogue, Mesh.KEY, a.port(), backLink.port());
            rogue.send(Packets.sd(Advertisement.of(new Advertisement.Entry("127.0.0.1", backLink.port(), "10.7.0.x", 0))));
            await().atMost(AWAIT).until(() -> a.routes().stream().anyMatch(r -> r.template().equals("10.7.0.x")));
            Vip t = target.vip();
            rogue.send(fwd(t, Vip.parse("10.7.0.5"), "advertised"));
            assertS2c(target.receive(PacketType.S2C), "10.7.0.5", "advertised");
            rogue.send(fwd(t, Vip.parse("10.8.0.5"), "not advertised"));
            rogue.send(fwd(t, Vip.parse("10.1.0.77"), "our own template"));
            rogue.send(Packets.s2c(t, Vip.parse("10.1.0.78"), bytes("plain, our own template")));
            assertRefused(rogue, t, "own template");
            rogue.send(fwd(t, Vip.parse("10.7.0.6"), "advertised again"));
            assertS2c(target.receive(PacketType.S2C), "10.7.0.6", "advertised again"); // nothing in between
            assertThat(a.stats().drops(DropReason.FORGED_SRC)).isEqualTo(3);
        }
    }

    @Test
    void aRelayedLinkHandshakeIsRefusedAndLinksNoOneToTheRelay() throws Exception {
        try (ScriptedPeer attackerHome = ScriptedPeer.start(PeerScript.neverHandshake());
             Mesh mesh = new Mesh(tmp, 2)) {
            DospServer victim = mesh.server(0);
            DospServer real = mesh.server(1);
            // A relay that passes every byte on unchanged, and one that also rewrites HELLO: the address the
            // linker dialed becomes the real server's, and its advertised host and port the attacker's.
            try (Relay plain = new Relay(real.port(), UnaryOperator.identity());
                 Relay rewriting = new Relay(real.port(), hello -> rewriteHello(hello, real.port(), attackerHome.port()))) {
                victim.addPeer(PeerSpec.of("127.0.0.1", plain.port()));
                victim.addPeer(PeerSpec.of("127.0.0.1", rewriting.port()));
                await().atMost(AWAIT).until(() -> plain.connections.get() >= 3 && rewriting.connections.get() >= 3
                        && rewriting.challenges.get() >= 2);
                assertThat(plain.challenges.get()).as("the real server answers a HELLO that dialed the relay with EXIT")
                        .isZero();
                assertThat(plain.exits).anyMatch(e -> e.equals(ServerExitReason.PEER_AUTH_FAILED.text()));
                assertThat(victim.peers()).allSatisfy(p -> {
                    assertThat(p.state()).isNotEqualTo("UP");
                    assertThat(p.extended()).isFalse();
                });
                assertThat(victim.peers().stream().filter(p -> p.address().endsWith(":" + rewriting.port()))
                        .map(PeerStatus::lastError)).anyMatch(e -> e.contains("mesh key mismatch"));
                assertThat(real.peers()).as("the real server links back to no one").isEmpty();
                assertThat(real.routes()).isEmpty();
                assertThat(attackerHome.connections()).as("nothing dialed the attacker's address").isZero();
            }
        }
    }

    @Test
    void aMeshKeyMismatchIsLoudOnBothSidesAndInPeerStatus() {
        try (DospServer a = DospServer.start(Mesh.config(tmp, 0).build());
             DospServer b = DospServer.start(Mesh.config(tmp, 1).federation(f -> f.meshKey("another-mesh-key-4567")).build())) {
            a.addPeer(PeerSpec.of("127.0.0.1", b.port()));
            b.addPeer(PeerSpec.of("127.0.0.1", a.port()));
            await().atMost(AWAIT).until(() -> a.peers().stream().anyMatch(p -> p.lastError().contains("mesh key mismatch"))
                    && b.peers().stream().anyMatch(p -> p.lastError().contains("mesh key mismatch")));
            await().atMost(AWAIT).until(() -> warnings("Peer link to 127.0.0.1:" + b.port() + ": mesh key mismatch").size() > 0
                    && warnings("Peer link to 127.0.0.1:" + a.port() + ": mesh key mismatch").size() > 0
                    && warnings("closed before proving the mesh key").size() >= 2);
            assertThat(a.peers()).singleElement().satisfies(p -> {
                assertThat(p.state()).isNotEqualTo("UP");
                assertThat(p.mode()).startsWith("refused: mesh key mismatch");
            });
            assertThat(a.routes()).isEmpty();
            assertThat(b.routes()).isEmpty();
        }
    }

    @Test
    void aPeerWithoutAMeshKeyIsReferenceModeOnBothSidesAndS2cSaysSo() {
        try (DospServer a = DospServer.start(Mesh.config(tmp, 0).build());
             DospServer b = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).template("10.3.0.x")
                     .access(x -> x.adminToken("admin-token-for-tests-0123").adminTokenFile(tmp.resolve("tb")))
                     .federation(f -> f.peer(PeerSpec.of("127.0.0.1", a.port(), VipTemplate.parse("10.1.0.x")))).build())) {
            a.addPeer(PeerSpec.of("127.0.0.1", b.port()));
            await().atMost(AWAIT).until(() -> a.peers().stream().anyMatch(p -> p.state().equals("UP"))
                    && b.peers().stream().anyMatch(p -> p.state().equals("UP")));
            assertThat(b.peers()).singleElement().satisfies(p -> assertThat(p.mode())
                    .isEqualTo("reference mode: this server has no mesh key"));
            assertThat(a.peers()).singleElement().satisfies(p -> {
                assertThat(p.extended()).isFalse();
                assertThat(p.mode()).isEqualTo("reference mode: peer has no mesh key (or is a reference server)");
            });
            await().atMost(AWAIT).until(() -> warnings("is up, reference mode: peer has no mesh key").size() > 0
                    && warnings("wants a mesh link, but this server has no mesh key").size() > 0
                    && warnings("is up, reference mode: this server has no mesh key").size() > 0);
            try (DospClient admin = DospClient.connect(io.dosp.client.ClientOptions.builder().server("127.0.0.1", a.port())
                    .machineHash("ab".repeat(32)).build())) {
                admin.admin().authenticate("admin-token-for-tests-0123");
                assertThat(admin.admin().command("peers")).contains("mode=\"reference mode: peer has no mesh key");
            }
            try (RawClient c = RawClient.connect(a.port())) {
                c.send(Packets.s2c(Vip.parse("10.3.0.5"), bytes("across a reference-mode link")));
                ErrorReply e = err(c);
                assertThat(e.failedDst()).contains(Vip.parse("10.3.0.5"));
                assertThat(e.failureReason()).contains("reference mode").contains("127.0.0.1:" + b.port());
            }
        }
    }

    @Test
    void anOlderBuildSpeakingLinkProtocolV1FailsCleanlyBothWays() {
        // What an older build's listener answers our v2 HELLO: ERR UKNP with its parser's text.
        try (ScriptedPeer oldListener = ScriptedPeer.start(PeerScript.create().greet(Vip.parse("10.5.0.1")).readFrames(1)
                     .send(Packets.err(ErrCode.UKNP, "bad HELLO")).hold());
             DospServer a = DospServer.start(Mesh.config(tmp, 0).build())) {
            a.addPeer(PeerSpec.of("127.0.0.1", oldListener.port()));
            await().atMost(AWAIT).until(() -> oldListener.connections() >= 2);
            assertThat(a.peers()).singleElement().satisfies(p -> {
                assertThat(p.state()).isNotEqualTo("UP"); // never half-linked in plain mode
                assertThat(p.lastError()).contains("older build speaking link protocol v1");
            });
            // An older build's linker: HELLO version 1 gets a clear EXIT.
            try (RawClient old = RawClient.connect(a.port())) {
                byte[] h = "127.0.0.1".getBytes(StandardCharsets.US_ASCII);
                old.send(Packets.custom(0xF0, ByteBuffer.allocate(1 + 16 + 16 + 1 + h.length + 2).put((byte) 1)
                        .put(new byte[16]).put(new byte[16]).put((byte) h.length).put(h).putShort((short) 7744).array()));
                assertThat(old.expectExit()).isEqualTo(ServerExitReason.PEER_LINK_VERSION.text());
            }
            assertThat(warnings("speaks link protocol v1")).isNotEmpty();
        }
    }

    // ---- the attacker's tools ----

    /** The link handshake (version 2) done by hand with {@code key}, as README documents it. */
    private static void handshake(RawClient c, String key, int dialedPort, int ownPort) throws GeneralSecurityException {
        byte[] id = new byte[16];
        Arrays.fill(id, (byte) 0x42);
        byte[] nonce = new byte[16];
        Arrays.fill(nonce, (byte) 0x17);
        byte[] hello = helloBody(id, nonce, "127.0.0.1", ownPort, "127.0.0.1", dialedPort);
        c.send(Packets.custom(0xF0, hello));
        SimplePacket challenge = (SimplePacket) c.receive();
        assertThat(challenge.typeCode()).as("CHALLENGE").isEqualTo(0xF1);
        byte[] b = challenge.body();
        assertThat(b).hasSize(64);
        byte[] listenerId = Arrays.copyOfRange(b, 0, 16);
        byte[] listenerNonce = Arrays.copyOfRange(b, 16, 32);
        assertThat(Arrays.copyOfRange(b, 32, 64)).isEqualTo(mac(key, "dosp-link-v2 challenge", hello, listenerId, listenerNonce));
        c.send(Packets.custom(0xF2, mac(key, "dosp-link-v2 proof", hello, listenerId, listenerNonce)));
        // The listener offers a two-way link first (CAPS, README "Peer link frames"); this linker plays an older
        // build of ours: it ignores the offer, so the link stays one-way and the listener links back.
        SimplePacket caps = (SimplePacket) c.receive();
        assertThat(caps.typeCode()).as("CAPS").isEqualTo(0xF6);
        assertThat(caps.body()[0]).as("two-way offered").isEqualTo((byte) 1);
        assertThat(Arrays.copyOfRange(caps.body(), 1, 33)).isEqualTo(mac(key, "dosp-link-v2 caps",
                concat(hello, listenerId), listenerNonce, new byte[] {1}));
        SimplePacket accept = (SimplePacket) c.receive();
        assertThat(accept.typeCode()).as("ACCEPT").isEqualTo(0xF3);
        assertThat(accept.body()).isEqualTo(mac(key, "dosp-link-v2 accept", hello, listenerId, listenerNonce));
    }

    static byte[] helloBody(byte[] id, byte[] nonce, String host, int port, String dialedHost, int dialedPort) {
        byte[] h = host.getBytes(StandardCharsets.UTF_8);
        byte[] d = dialedHost.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 16 + 16 + 1 + h.length + 2 + 1 + d.length + 2).put((byte) 2).put(id).put(nonce)
                .put((byte) h.length).put(h).putShort((short) port).put((byte) d.length).put(d).putShort((short) dialedPort)
                .array();
    }

    private static byte[] mac(String key, String label, byte[] hello, byte[] listenerId, byte[] listenerNonce)
            throws GeneralSecurityException {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        m.update(label.getBytes(StandardCharsets.US_ASCII));
        m.update(hello);
        m.update(listenerId);
        m.update(listenerNonce);
        return m.doFinal();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    /** HELLO with the linker's id and nonce kept, its host and port the attacker's, the dialed address the real server's. */
    private static byte[] rewriteHello(byte[] body, int realPort, int attackerPort) {
        byte[] id = Arrays.copyOfRange(body, 1, 17);
        byte[] nonce = Arrays.copyOfRange(body, 17, 33);
        return helloBody(id, nonce, "127.0.0.1", attackerPort, "127.0.0.1", realPort);
    }

    private static Packet fwd(Vip dst, Vip src, String text) {
        byte[] d = bytes(text);
        return Packets.custom(0xF4, ByteBuffer.allocate(9 + d.length).put((byte) 4).putInt(dst.value()).putInt(src.value())
                .put(d).array());
    }

    /**
     * A man in the middle: a TCP proxy to a real server that passes frames on both ways, HELLO through
     * {@code onHello}; counts connections and CHALLENGEs, and keeps the EXIT texts the server sent.
     */
    private static final class Relay implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger challenges = new AtomicInteger();
        final List<String> exits = new CopyOnWriteArrayList<>();
        private final ServerSocket listener;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final int target;
        private final UnaryOperator<byte[]> onHello;

        Relay(int target, UnaryOperator<byte[]> onHello) throws IOException {
            this.target = target;
            this.onHello = onHello;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "relay-" + listener.getLocalPort());
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket in = listener.accept();
                    Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                    sockets.add(in);
                    sockets.add(out);
                    connections.incrementAndGet();
                    pump(in, out, true);
                    pump(out, in, false);
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(Socket from, Socket to, boolean linkerSide) {
            Thread t = new Thread(() -> {
                try (DataInputStream in = new DataInputStream(from.getInputStream())) {
                    OutputStream out = to.getOutputStream();
                    while (true) {
                        Frames.RawFrame f = Frames.readFrame(in, 1 << 20);
                        byte[] body = f.body();
                        if (linkerSide && f.type() == 0xF0) {
                            body = onHello.apply(body);
                        } else if (!linkerSide && f.type() == 0xF1) {
                            challenges.incrementAndGet();
                        } else if (!linkerSide && f.type() == PacketType.EXIT.code()) {
                            exits.add(new String(body, StandardCharsets.UTF_8));
                        }
                        out.write(Frames.frame(f.type(), body));
                        out.flush();
                    }
                } catch (IOException | RuntimeException e) {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            sockets.forEach(Relay::closeQuietly);
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    // ---- helpers ----

    private List<String> warnings(String part) {
        return List.copyOf(log.list).stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(part)).toList();
    }

    private static void assertS2c(Packet p, String src, String text) {
        S2cPacket s = (S2cPacket) p;
        assertThat(s.src()).hasToString(src);
        assertThat(new String(s.data(), StandardCharsets.UTF_8)).isEqualTo(text);
    }

    private static void assertRefused(RawClient c, Vip dst, String why) {
        ErrorReply e = err(c);
        assertThat(e.failedDst()).contains(dst);
        assertThat(e.failureReason()).contains(why);
    }

    private static ErrorReply err(RawClient c) {
        SimplePacket p = (SimplePacket) c.receive(PacketType.ERR);
        ErrorReply e = ErrorReply.parse(p.body());
        assertThat(e.code()).isEqualTo(ErrCode.S2CF);
        return e;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(REFERENCE_IP))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
