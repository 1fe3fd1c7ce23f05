package io.dosp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shared helpers of the server integration tests ({@code ServerIt*Test}): a loopback server
 * config on a free port, and strict expectations on what a {@link RawClient} receives next.
 */
final class ServerItSupport {
    /** How long a test waits for something that should happen. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final AtomicInteger PING_SEQ = new AtomicInteger();

    private ServerItSupport() {
    }

    /** A server on 127.0.0.1, any free port, admin token file under {@code tmp}. */
    static ServerConfig.Builder config(Path tmp) {
        return ServerConfig.builder().host("127.0.0.1").port(0).access(a -> a.adminTokenFile(tmp.resolve("admin.token")));
    }

    /** Starts a server with the defaults of {@link #config(Path)}. */
    static DospServer start(Path tmp) {
        return DospServer.start(config(tmp).build());
    }

    /** The next packet must be a {@link SimplePacket} of {@code type} (nothing skipped). */
    static SimplePacket next(RawClient c, PacketType type) {
        Packet p = c.receive(TIMEOUT);
        assertThat(p.type()).as("type of next packet (%s)", describe(p)).isEqualTo(type);
        return (SimplePacket) p;
    }

    /** The next packet must be ERR; returns it parsed. */
    static ErrorReply nextErr(RawClient c) {
        return ErrorReply.parse(next(c, PacketType.ERR).body());
    }

    /** The next packet must be ERR with {@code code}; returns it parsed. */
    static ErrorReply nextErr(RawClient c, ErrCode code) {
        ErrorReply e = nextErr(c);
        assertThat(e.code()).as("ERR code of %s", e).isEqualTo(code);
        return e;
    }

    /** Sends a PING with a unique body and expects exactly that body echoed as the next packet. */
    static void assertPingRoundTrip(RawClient c) {
        byte[] body = ("ping-" + PING_SEQ.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
        c.send(Packets.ping(body));
        assertThat(next(c, PacketType.PING).body()).isEqualTo(body);
    }

    /** Nothing arrives within {@code d} (the connection also stays open: EOF would fail). */
    static void assertNothingWithin(RawClient c, Duration d) {
        Packet p;
        try {
            p = c.receive(d);
        } catch (AssertionError e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                return;
            }
            throw e;
        }
        throw new AssertionError("expected no packet within " + d + " but got " + describe(p));
    }

    /** Type and, for simple packets, body text: for assertion messages. */
    static String describe(Packet p) {
        return p instanceof SimplePacket s ? PacketType.nameOf(s.typeCode()) + " '" + s.bodyText() + "'" : String.valueOf(p);
    }
}
