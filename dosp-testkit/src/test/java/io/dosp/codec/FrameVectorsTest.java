package io.dosp.codec;

import static io.dosp.testkit.Vectors.hex;
import static io.dosp.testkit.Vectors.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.testkit.Vectors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every frame of the reference vectors, through the pure codec and through the Netty pipeline. */
class FrameVectorsTest {

    static Stream<Arguments> uncompressed() {
        return StreamSupport.stream(Vectors.section("frames_uncompressed").spliterator(), false)
                .map(n -> Arguments.of(n.get("name").asText(), n));
    }

    static Stream<Arguments> compressed() {
        return StreamSupport.stream(Vectors.section("frames_compressed").spliterator(), false)
                .map(n -> Arguments.of(n.get("name").asText(), n));
    }

    /** The packet the vector describes, built from its fields with the public builders. */
    static Packet packetOf(JsonNode v) {
        int type = v.get("type").asInt();
        byte[] payload = hex(v, "payload");
        if (type == PacketType.S2C.code() && v.has("dst_ip")) {
            Vip src = v.has("src_ip") ? Vip.parse(v.get("src_ip").asText()) : Vip.ZERO;
            return Packets.s2c(Vip.parse(v.get("dst_ip").asText()), src, payload);
        }
        return Packets.of(type, payload);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("uncompressed")
    void decodesAndEncodesReferenceBytes(String name, JsonNode v) {
        byte[] wire = hex(v, "wire");
        Packet decoded = PacketCodec.decodeFrame(wire);
        assertThat(decoded.typeCode()).isEqualTo(v.get("type").asInt());
        if (decoded instanceof S2cPacket s) {
            assertThat(s.dst()).isEqualTo(Vip.parse(v.get("dst_ip").asText()));
            assertThat(s.src()).isEqualTo(v.has("src_ip") ? Vip.parse(v.get("src_ip").asText()) : Vip.ZERO);
            assertThat(toHex(s.data())).isEqualTo(v.get("payload").asText());
        } else if (decoded instanceof SimplePacket p) {
            assertThat(p.bodyHex()).isEqualTo(v.get("payload").asText());
        } else {
            assertThat(toHex(PacketCodec.encodeBody(decoded))).isEqualTo(v.get("payload").asText());
        }
        assertThat(toHex(PacketCodec.encode(packetOf(v)))).isEqualTo(v.get("wire").asText());
        assertThat(decoded).isEqualTo(packetOf(v));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("uncompressed")
    void nettyDecoderReadsWholeSplitAndCoalesced(String name, JsonNode v) {
        byte[] wire = hex(v, "wire");
        Packet expected = packetOf(v);
        for (Map.Entry<String, List<ByteBuf>> feed : feeds(wire).entrySet()) {
            EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(1 << 20, false, 6));
            for (ByteBuf b : feed.getValue()) {
                ch.writeInbound(b);
            }
            List<Object> got = drain(ch);
            int copies = feed.getKey().equals("coalesced") ? 3 : 1;
            assertThat(got).as(feed.getKey()).hasSize(copies).allMatch(expected::equals);
            assertFalse(ch.finish());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("uncompressed")
    void nettyEncoderWritesReferenceBytes(String name, JsonNode v) {
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(1 << 20, false, 6));
        ch.writeOutbound(packetOf(v));
        ByteBuf out = ch.readOutbound();
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        out.release();
        assertThat(toHex(bytes)).isEqualTo(v.get("wire").asText());
        assertFalse(ch.finish());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compressed")
    void compressedReferenceFramesDecode(String name, JsonNode v) {
        byte[] wire = hex(v, "wire");
        byte[] payload = hex(v, "payload");
        for (Map.Entry<String, List<ByteBuf>> feed : feeds(wire).entrySet()) {
            EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(1 << 20, true, 6));
            for (ByteBuf b : feed.getValue()) {
                ch.writeInbound(b);
            }
            List<Object> got = drain(ch);
            assertThat(got).as(feed.getKey()).isNotEmpty().allMatch(Packet.class::isInstance);
            for (Object o : got) {
                Packet p = (Packet) o;
                assertThat(p.typeCode()).isEqualTo(v.get("type").asInt());
                // For S2C the vector's payload is DATA; DST and SRC were inside the compressed body too.
                byte[] content = p instanceof S2cPacket s ? s.data() : PacketCodec.encodeBody(p);
                assertThat(toHex(content)).isEqualTo(toHex(payload));
            }
            assertFalse(ch.finish());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compressed")
    void compressedRoundTripThroughOurEncoder(String name, JsonNode v) {
        byte[] referenceWire = hex(v, "wire");
        EmbeddedChannel decoder = new EmbeddedChannel(DospCodec.forServer(1 << 20, true, 6));
        decoder.writeInbound(Unpooled.wrappedBuffer(referenceWire));
        Packet reference = decoder.readInbound();
        assertFalse(decoder.finish());
        EmbeddedChannel server = new EmbeddedChannel(DospCodec.forServer(1 << 20, true, 6));
        server.writeOutbound(reference);
        ByteBuf ours = server.readOutbound();
        // Our bytes need not equal zlib's output byte for byte, but must start like a zlib stream and decode back.
        assertThat((int) ours.getUnsignedByte(5)).isEqualTo(0x78);
        EmbeddedChannel peer = new EmbeddedChannel(DospCodec.forServer(1 << 20, true, 6));
        peer.writeInbound(ours);
        peer.writeInbound(Unpooled.wrappedBuffer(referenceWire));
        List<Object> got = drain(peer);
        assertThat(got).containsExactly(reference, reference);
        assertFalse(server.finish());
        assertFalse(peer.finish());
    }

    @Test
    void mpakVectorSplitsInOrder() {
        JsonNode v = StreamSupport.stream(Vectors.section("frames_uncompressed").spliterator(), false)
                .filter(n -> n.get("name").asText().equals("mpak_three")).findFirst().orElseThrow();
        MpakPacket m = (MpakPacket) PacketCodec.decodeFrame(hex(v, "wire"));
        assertThat(m.errors()).isEmpty();
        assertThat(m.packets()).containsExactly(
                Packets.msg("one"),
                Packets.s2c(Vip.parse("7.10.0.3"), Vip.parse("7.10.0.2"), "two".getBytes()),
                Packets.ping());
        assertThat(toHex(PacketCodec.encode(Packets.mpak(m.packets())))).isEqualTo(v.get("wire").asText());
    }

    @Test
    void clientDecoderSwitchesCompressionOnAtHskWithinOneRead() {
        byte[] aip = PacketCodec.encode(Packets.aip(Vip.parse("7.10.0.2")));
        byte[] hsk = PacketCodec.encode(Packets.hsk(Handshake.standard(true)));
        JsonNode msgCompressed = Vectors.section("frames_compressed").get(0);
        byte[] msg = hex(msgCompressed, "wire");
        byte[] all = new byte[aip.length + hsk.length + msg.length];
        System.arraycopy(aip, 0, all, 0, aip.length);
        System.arraycopy(hsk, 0, all, aip.length, hsk.length);
        System.arraycopy(msg, 0, all, aip.length + hsk.length, msg.length);
        DospCodec codec = DospCodec.forClient(1 << 20);
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        ch.writeInbound(Unpooled.wrappedBuffer(all));
        List<Object> got = drain(ch);
        assertThat(got).hasSize(3);
        assertThat(got.get(2)).isEqualTo(Packets.msg("Hello Server"));
        assertThat(codec.compression().enabled()).isTrue();
        assertFalse(ch.finish());
    }

    /** The same bytes fed whole, one byte per read, and three copies in one read. */
    static Map<String, List<ByteBuf>> feeds(byte[] wire) {
        List<ByteBuf> split = new ArrayList<>();
        for (byte b : wire) {
            split.add(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        byte[] three = new byte[wire.length * 3];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(wire, 0, three, i * wire.length, wire.length);
        }
        return Map.of("whole", List.of(Unpooled.wrappedBuffer(wire)), "split", split,
                "coalesced", List.of(Unpooled.wrappedBuffer(three)));
    }

    static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }
}
