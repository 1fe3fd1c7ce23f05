package io.dosp.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The body parsers on hostile bodies: {@link PacketCodec#decodeBody} for any type byte (S2C,
 * MPAK and the rest), then the per-type readers that turn a body into an immutable value (AIP,
 * GCL, HSK, ERR, RQIP).
 *
 * <p>Asserts: only the documented exception escapes ({@link MalformedPacketException} from
 * {@code decodeBody}, {@link Handshake#parse}, {@link Packets#parseAip},
 * {@link Packets#parseVipList}, {@link RqipReply#parse}, {@link Ext#features} and {@link Ext.PeerGone#parse}; {@link ErrorReply#parse} never fails); decoded packets re-encode to exactly the body they came
 * from (MPAK without errors); a parsed HSK or RQIP reply re-encodes to a body that parses to an equal value;
 * GCL lists and S2C headers survive a round trip.
 */
class PacketBodyFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decodeBody(FuzzedDataProvider data) {
        int type = data.consumeInt(0, 255);
        byte[] body = data.consumeRemainingAsBytes();
        Packet p;
        try {
            p = PacketCodec.decodeBody(type, body.clone(), 0, body.length);
        } catch (MalformedPacketException e) {
            assertThat(type).as("only S2C bodies can be refused whole").isEqualTo(PacketType.S2C.code());
            assertThat(body.length).isLessThan(8);
            return;
        }
        assertThat(p.typeCode()).isEqualTo(type);
        if (p instanceof MpakPacket m) {
            if (m.errors().isEmpty()) {
                assertThat(PacketCodec.encodeBody(m)).isEqualTo(body);
            }
            MpakPacket back = (MpakPacket) PacketCodec.decodeBody(type, PacketCodec.encodeBody(m), 0, m.bodyLength());
            assertThat(back.packets()).isEqualTo(m.packets());
            assertThat(back.errors()).isEmpty();
            m.packets().forEach(sub -> readers(sub.typeCode(), PacketCodec.encodeBody(sub)));
            return;
        }
        assertThat(PacketCodec.encodeBody(p)).isEqualTo(body);
        if (p instanceof S2cPacket s) {
            assertThat(Packets.s2c(s.dst(), s.src(), s.data())).isEqualTo(s);
        }
        readers(type, body);
    }

    private static void readers(int type, byte[] body) {
        if (type == PacketType.AIP.code()) {
            try {
                Vip v = Packets.parseAip(body);
                assertThat(Packets.parseAip(Packets.aip(v).body())).isEqualTo(v);
            } catch (MalformedPacketException expected) {
                // documented (ERR AIPF): neither 4 bytes nor dotted text
            }
        } else if (type == PacketType.GCL.code()) {
            try {
                List<Vip> vips = Packets.parseVipList(body);
                assertThat(Packets.gclReply(vips).body()).isEqualTo(body);
            } catch (MalformedPacketException expected) {
                assertThat(body.length % Vip.BYTES).isNotZero(); // documented (ERR GCLF)
            }
        } else if (type == PacketType.HSK.code()) {
            try {
                Handshake h = Handshake.parse(body);
                assertThat(Handshake.parse(h.encode())).isEqualTo(h);
            } catch (MalformedPacketException expected) {
                // documented (ERR HSKF)
            }
        } else if (type == PacketType.ERR.code()) {
            ErrorReply e = ErrorReply.parse(body);
            e.failedDst().ifPresent(dst -> {
                // S2CF: the DST, then an optional UTF-8 reason (what the server says when a peer link explains it).
                byte[] reason = Arrays.copyOfRange(e.detail(), Vip.BYTES, e.detail().length);
                if (reason.length == 0) {
                    assertThat(ErrorReply.parse(Packets.errS2cFailed(dst).body())).isEqualTo(e);
                } else if (Arrays.equals(e.failureReason().getBytes(StandardCharsets.UTF_8),
                        reason)) {
                    assertThat(ErrorReply.parse(Packets.errS2cFailed(dst, e.failureReason()).body())).isEqualTo(e);
                }
            });
            assertThat(e.text()).isNotNull();
        } else if (type == PacketType.EXT.code()) {
            SimplePacket ext = (SimplePacket) Packets.of(type, body);
            try {
                int kind = Ext.kind(ext);
                if (kind == Ext.HELLO || kind == Ext.WELCOME) {
                    Set<String> features = Ext.features(ext);
                    assertThat(Ext.features(Ext.hello(features))).isEqualTo(features);
                } else if (kind == Ext.PEER_GONE) {
                    Ext.PeerGone g = Ext.PeerGone.parse(ext);
                    Ext.PeerGone back = Ext.PeerGone.parse(g.toFrame());
                    assertThat(back.vip()).isEqualTo(g.vip());
                    assertThat(back.reason()).isEqualTo(g.reason());
                    assertThat(g.text()).startsWith(back.text()); // invalid UTF-8 re-encodes longer and may be cut
                }
            } catch (MalformedPacketException expected) {
                // documented (ERR UKNP with a text): no kind byte, a bad feature list, a short or long PEER_GONE
            }
        } else if (type == PacketType.RQIP.code()) {
            try {
                RqipReply r = RqipReply.parse(body);
                assertThat(RqipReply.parse(r.encode())).isEqualTo(r);
            } catch (MalformedPacketException expected) {
                // documented (ERR RQIPF): neither D: nor E:
            }
        }
    }
}
