package io.dosp.protocol;

import static io.dosp.testkit.Vectors.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Typed bodies: HSK, AIP, ERR, EXIT, RQIP, GCL, custom types. */
class BodiesTest {

    @Test
    void handshakeMatchesReferenceBytes() {
        assertThat(Handshake.standard(false).encode()).isEqualTo(hex("005b322c20305d"));
        assertThat(Handshake.standard(true).encode()).isEqualTo(hex("015b322c20305d"));
        assertThat(Handshake.parse(hex("015b322c20305d"))).isEqualTo(Handshake.standard(true));
        assertThat(Handshake.parse(hex("005b322c20305d")).compression()).isFalse();
    }

    @Test
    void handshakeAcceptsLiteralVariants() {
        assertThat(Handshake.parse(body(0, "[2,'abc']"))).isEqualTo(new Handshake(false, 2, "abc", true));
        assertThat(Handshake.parse(body(1, " [ 3 , \"x'y\" ] "))).isEqualTo(new Handshake(true, 3, "x'y", true));
        assertThat(Handshake.parse(body(0, "[2, None]")).token()).isNull();
        assertThat(Handshake.parse(body(0, "[2]")).token()).isNull();
        assertThat(Handshake.parse(body(0, "[2, 0, 'extra']")).token()).isEqualTo("0");
        Handshake quoted = new Handshake(false, 2, "it's", true);
        assertThat(Handshake.parse(quoted.encode())).isEqualTo(quoted);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[", "2, 0", "[2, 0", "[x, 0]", "[2, __import__('os').system('id')]", "[2, 0] junk",
            "['2', 0]", "[2, 0]]", "[2, (1)]", "[99999999999, 0]"})
    void handshakeRejectsAnythingElseWithoutEvaluating(String text) {
        assertThatThrownBy(() -> Handshake.parse(body(0, text)))
                .isInstanceOf(MalformedPacketException.class)
                .satisfies(e -> assertThat(((ProtocolException) e).errCode()).isEqualTo(ErrCode.HSKF));
    }

    @Test
    void handshakeRejectsBadFlagAndEmpty() {
        assertThatThrownBy(() -> Handshake.parse(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> Handshake.parse(body(2, "[2, 0]"))).hasMessageContaining("flag");
    }

    @Test
    void aipAcceptsBinaryAndDottedText() {
        assertThat(Packets.parseAip(hex("070a0002"))).isEqualTo(Vip.parse("7.10.0.2"));
        assertThat(Packets.parseAip("7.10.0.50".getBytes(StandardCharsets.US_ASCII))).isEqualTo(Vip.parse("7.10.0.50"));
        assertThatThrownBy(() -> Packets.parseAip(hex("070a00"))).isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("3 bytes");
        assertThatThrownBy(() -> Packets.parseAip("7.10.0.300".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void errorReplyBothForms() {
        ErrorReply unknown = ErrorReply.parse(hex("09"));
        assertThat(unknown.code()).isEqualTo(ErrCode.UKNP);
        assertThat(unknown.text()).isEmpty();
        ErrorReply text = ErrorReply.parse(hex("4e6f7420656e61626c6564"));
        assertThat(text.code()).isNull();
        assertThat(text.text()).isEqualTo("Not enabled");
        SimplePacket s2cf = Packets.errS2cFailed(Vip.parse("7.10.0.9"));
        ErrorReply r = ErrorReply.parse(s2cf.body());
        assertThat(r.failedDst()).contains(Vip.parse("7.10.0.9"));
        assertThat(r.describe()).contains("S2CF").contains("7.10.0.9");
        assertThat(ErrorReply.parse(Packets.err(ErrCode.FNF, "get_time").body()).text()).isEqualTo("get_time");
        assertThat(ErrorReply.parse(new byte[0]).code()).isNull();
    }

    @Test
    void exitReasonClientAndServerForms() {
        assertThat(ExitReason.parse(hex("4343"))).isEqualTo(new ExitReason(ExitCode.CC, ""));
        assertThat(ExitReason.parse(hex("43432c436f6d7072657373696f6e207265717569726564")))
                .isEqualTo(new ExitReason(ExitCode.CC, "Compression required"));
        assertThat(ExitReason.parse("Server full".getBytes(StandardCharsets.UTF_8))).isEqualTo(new ExitReason(null, "Server full"));
        assertThat(Packets.exit(ExitCode.CC).body()).isEqualTo(hex("4343"));
        assertThat(Packets.exit(ExitCode.EX, "boom").bodyText()).isEqualTo("EX,boom");
        assertThat(ExitReason.parse(new byte[0])).isEqualTo(new ExitReason(null, ""));
    }

    @Test
    void rqipReplies() {
        assertThat(RqipReply.parse(hex("443a"))).isEqualTo(new RqipReply(true, ""));
        assertThat(RqipReply.parse(hex("453a495020616c726561647920696e20757365")))
                .isEqualTo(new RqipReply(false, RqipReply.IN_USE));
        assertThat(Packets.rqipRefused(RqipReply.IN_USE).body()).isEqualTo(hex("453a495020616c726561647920696e20757365"));
        assertThat(Packets.rqip(Vip.parse("7.10.0.50")).body()).isEqualTo(hex("070a0032"));
        assertThatThrownBy(() -> RqipReply.parse("OK".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void gclReplyRoundTrip() {
        List<Vip> vips = List.of(Vip.parse("7.10.0.2"), Vip.parse("7.10.0.3"));
        assertThat(Packets.gclReply(vips).body()).isEqualTo(hex("070a0002070a0003"));
        assertThat(Packets.parseVipList(hex("070a0002070a0003"))).isEqualTo(vips);
        assertThatThrownBy(() -> Packets.parseVipList(hex("070a00"))).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void customTypesAreChecked() {
        assertThat(Packets.custom(0x20, new byte[] {1}).type()).isNull();
        assertThat(PacketType.nameOf(0x20)).isEqualTo("CUSTOM(0x20)");
        assertThat(PacketType.nameOf(0x09)).isEqualTo("UNKNOWN(0x09)");
        assertThatThrownBy(() -> Packets.custom(0x1B, new byte[0])).hasMessageContaining("0x20..0xFF");
        assertThatThrownBy(() -> SimplePacket.of(0x03, new byte[8])).hasMessageContaining("s2c");
        assertThatThrownBy(() -> Packets.of(256, new byte[0])).hasMessageContaining("256");
    }

    @Test
    void packetsAreImmutableAndDoNotLeakBodies() {
        byte[] data = {1, 2, 3};
        S2cPacket p = Packets.s2c(Vip.parse("7.10.0.3"), data);
        data[0] = 9;
        assertThat(p.data()).containsExactly(1, 2, 3);
        p.data()[1] = 9;
        assertThat(p.data()).containsExactly(1, 2, 3);
        assertThat(p.dataBuffer().isReadOnly()).isTrue();
        assertThat(Packets.auth("secret-token").toString()).doesNotContain("secret");
        assertThat(p.withSrc(Vip.parse("7.10.0.2")).src()).isEqualTo(Vip.parse("7.10.0.2"));
        assertThat(p.src()).isEqualTo(Vip.ZERO);
    }

    @Test
    void vipParsingNamesTheProblem() {
        assertThat(Vip.parse("7.10.0.2").toBytes()).isEqualTo(hex("070a0002"));
        assertThat(Vip.parse("255.255.255.255").toString()).isEqualTo("255.255.255.255");
        assertThatThrownBy(() -> Vip.parse("7.10.0")).hasMessageContaining("'7.10.0'").hasMessageContaining("four");
        assertThatThrownBy(() -> Vip.parse("7.10.0.256")).hasMessageContaining("'256'");
        assertThatThrownBy(() -> Vip.parse("7..0.1")).hasMessageContaining("empty part");
        assertThatThrownBy(() -> Vip.parse("a.b.c.d")).hasMessageContaining("'a'");
        assertThatThrownBy(() -> Vip.parse("1.2.3.4.5")).hasMessageContaining("more than four");
        assertThat(Vip.parse("200.0.0.1")).isGreaterThan(Vip.parse("7.0.0.1"));
    }

    private static byte[] body(int flag, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[t.length + 1];
        b[0] = (byte) flag;
        System.arraycopy(t, 0, b, 1, t.length);
        return b;
    }
}
