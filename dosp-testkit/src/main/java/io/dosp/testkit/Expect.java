package io.dosp.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Strict expectations on what a {@link RawClient} receives next (nothing is skipped), and the
 * small request/answer exchanges the integration tests repeat: PING round trip, AUTH, ADMIN, one
 * S2C each way. Meant for static import. Stateless and thread-safe (each call uses only the
 * client passed to it).
 */
public final class Expect {
    /** How long a test waits for something that should happen. */
    public static final Duration TIMEOUT = RawClient.DEFAULT_TIMEOUT;
    /** How long a test waits for the server to close a connection. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final AtomicInteger PING_SEQ = new AtomicInteger();

    private Expect() {
    }

    /** The next packet must be a {@link SimplePacket} of {@code type} (nothing skipped). */
    public static SimplePacket next(RawClient c, PacketType type) {
        Packet p = c.receive(TIMEOUT);
        assertThat(p.type()).as("type of next packet (%s)", describe(p)).isEqualTo(type);
        return (SimplePacket) p;
    }

    /** The text of the next packet, which must be of {@code type}. */
    public static String nextText(RawClient c, PacketType type) {
        return next(c, type).bodyText();
    }

    /** The next packet must be ERR; returns it parsed. */
    public static ErrorReply nextErr(RawClient c) {
        return ErrorReply.parse(next(c, PacketType.ERR).body());
    }

    /** The next packet must be ERR with {@code code}; returns it parsed. */
    public static ErrorReply nextErr(RawClient c, ErrCode code) {
        ErrorReply e = nextErr(c);
        assertThat(e.code()).as("ERR code of %s", e).isEqualTo(code);
        return e;
    }

    /** Sends a PING with a unique body and expects exactly that body echoed as the next packet. */
    public static void assertPingRoundTrip(RawClient c) {
        byte[] body = ("ping-" + PING_SEQ.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
        c.send(Packets.ping(body));
        assertThat(next(c, PacketType.PING).body()).isEqualTo(body);
    }

    /**
     * PING round trip, read as a barrier: proves everything {@code c} sent before was handled.
     * Same as {@link #assertPingRoundTrip(RawClient)}.
     */
    public static void sync(RawClient c) {
        assertPingRoundTrip(c);
    }

    /** Nothing arrives within {@code d} (the connection also stays open: EOF would fail). */
    public static void assertNothingWithin(RawClient c, Duration d) {
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

    /** Sends an ADMIN command and returns the ADMIN reply text (the next packet must be it). */
    public static String admin(RawClient c, String command) {
        c.send(Packets.admin(command));
        return nextText(c, PacketType.ADMIN);
    }

    /** Authenticates {@code c} with {@code token}, asserting {@code OK}. */
    public static void auth(RawClient c, String token) {
        c.send(Packets.auth(token));
        assertThat(nextText(c, PacketType.AUTH)).isEqualTo("OK");
    }

    /** One S2C each way between {@code a} and {@code b}, checking DATA and the stamped SRC. */
    public static void exchange(RawClient a, RawClient b, String tag) {
        a.send(Packets.s2c(b.vip(), Vip.ZERO, (tag + ">").getBytes(StandardCharsets.UTF_8)));
        S2cPacket atB = (S2cPacket) b.receive();
        assertThat(atB.src()).isEqualTo(a.vip());
        assertThat(atB.dst()).isEqualTo(b.vip());
        assertThat(atB.dataText()).isEqualTo(tag + ">");
        b.send(Packets.s2c(a.vip(), Vip.ZERO, (tag + "<").getBytes(StandardCharsets.UTF_8)));
        S2cPacket atA = (S2cPacket) a.receive();
        assertThat(atA.src()).isEqualTo(b.vip());
        assertThat(atA.dataText()).isEqualTo(tag + "<");
    }

    /** Type and, for simple packets, body text: for assertion messages. */
    public static String describe(Packet p) {
        return p instanceof SimplePacket s ? PacketType.nameOf(s.typeCode()) + " '" + s.bodyText() + "'" : String.valueOf(p);
    }
}
