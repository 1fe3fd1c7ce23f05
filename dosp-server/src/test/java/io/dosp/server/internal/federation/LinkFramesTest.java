package io.dosp.server.internal.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The link protocol v2 example in README ("Peer link frames"), byte for byte. */
class LinkFramesTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] fill(int b) {
        byte[] a = new byte[16];
        Arrays.fill(a, (byte) b);
        return a;
    }

    @Test
    void theReadmeExampleIsWhatTheServerSendsAndComputes() {
        byte[] hello = LinkFrames.helloBody(fill(0x11), fill(0x22), "10.0.0.1", 7744, "10.0.0.2", 7744);
        assertThat(HEX.formatHex(hello)).isEqualTo("02" + "11".repeat(16) + "22".repeat(16)
                + "08" + "31302e302e302e31" + "1e40" + "08" + "31302e302e302e32" + "1e40");
        LinkFrames.Hello h = LinkFrames.parseHello(hello);
        assertThat(h.host()).isEqualTo("10.0.0.1");
        assertThat(h.dialedHost()).isEqualTo("10.0.0.2");
        assertThat(h.dialedPort()).isEqualTo(7744);
        String key = "a long shared secret";
        assertThat(HEX.formatHex(LinkFrames.mac(key, LinkFrames.Step.CHALLENGE, hello, fill(0x33), fill(0x44))))
                .isEqualTo("5a453a5a9c8e344762c35c38275e1100701a50bc2f56e3ed2bea520c675c0e05");
        assertThat(HEX.formatHex(LinkFrames.mac(key, LinkFrames.Step.PROOF, hello, fill(0x33), fill(0x44))))
                .isEqualTo("de78bac5ff4b540a4f0b5b42d60b7439e2eb08242d79b6495921a61d1f42909f");
        assertThat(HEX.formatHex(LinkFrames.mac(key, LinkFrames.Step.ACCEPT, hello, fill(0x33), fill(0x44))))
                .isEqualTo("8f82c96b0fe8ffd5d4ccb9c9415fbe9be558418700ab45e11587b4d17c0f02b5");
    }

    @Test
    void theReadmeCapsExampleIsWhatTheServerSendsAndChecks() {
        byte[] hello = LinkFrames.helloBody(fill(0x11), fill(0x22), "10.0.0.1", 7744, "10.0.0.2", 7744);
        String key = "a long shared secret";
        io.dosp.protocol.SimplePacket offer = LinkFrames.caps(key, LinkFrames.Step.CAPS, LinkFrames.CAP_TWO_WAY, hello,
                fill(0x33), fill(0x44));
        assertThat(offer.typeCode()).isEqualTo(0xF6);
        assertThat(HEX.formatHex(offer.body()))
                .isEqualTo("01" + "6c2b4c926289b478d253fe5f6196936d804c4ab89d1a16e76dfba6f994cd62de");
        io.dosp.protocol.SimplePacket reply = LinkFrames.caps(key, LinkFrames.Step.CAPS_REPLY, LinkFrames.CAP_TWO_WAY,
                hello, fill(0x33), fill(0x44));
        assertThat(HEX.formatHex(reply.body()))
                .isEqualTo("01" + "03caeea78ac5870e27562831d8da76b7907da17fc6f324d0849d599a424da480");
        assertThat(LinkFrames.parseCaps(offer.body(), key, LinkFrames.Step.CAPS, hello, fill(0x33), fill(0x44))).isEqualTo(1);
        assertThat(LinkFrames.parseCaps(offer.body(), key, LinkFrames.Step.CAPS_REPLY, hello, fill(0x33), fill(0x44)))
                .as("an offer replayed as the reply").isEqualTo(-1);
        byte[] forged = offer.body().clone();
        forged[0] = 3; // another caps byte under the same mac
        assertThat(LinkFrames.parseCaps(forged, key, LinkFrames.Step.CAPS, hello, fill(0x33), fill(0x44))).isEqualTo(-1);
        assertThat(LinkFrames.parseCaps(new byte[5], key, LinkFrames.Step.CAPS, hello, fill(0x33), fill(0x44))).isEqualTo(-1);
        assertThat(LinkFrames.parseCaps(offer.body(), "another key, long enough", LinkFrames.Step.CAPS, hello, fill(0x33),
                fill(0x44))).isEqualTo(-1);
    }

    @Test
    void aLinkExtensionFrameIsItsKindThenItsPayload() {
        io.dosp.protocol.SimplePacket p = LinkFrames.ext(0x2a, new byte[] {1, 2, 3});
        assertThat(p.typeCode()).isEqualTo(0xF7);
        assertThat(HEX.formatHex(p.body())).isEqualTo("2a010203");
        assertThat(LinkFrames.isLinkFrame(0xF6)).isTrue();
        assertThat(LinkFrames.isLinkFrame(0xF7)).isTrue();
        assertThat(LinkFrames.isLinkFrame(0xF8)).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinkFrames.ext(256, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aServerThatCannotBeDialedSaysSoInItsHelloAndIsKnownByItsIdAndAddress() {
        byte[] hello = LinkFrames.helloBody(fill(0x11), fill(0x22), "", 0, "10.0.0.2", 7744);
        assertThat(HEX.formatHex(hello)).isEqualTo("02" + "11".repeat(16) + "22".repeat(16) + "00" + "0000"
                + "08" + "31302e302e302e32" + "1e40");
        LinkFrames.Hello h = LinkFrames.parseHello(hello);
        assertThat(h.host()).isEmpty();
        assertThat(h.port()).isZero();
        assertThat(IncomingLinks.unreachableKey(fill(0xab), new java.net.InetSocketAddress("192.0.2.7", 40000)))
                .isEqualTo("id-abababababababab@192.0.2.7");
    }

    @Test
    void anotherVersionIsReadAsNothingButItsVersion() {
        LinkFrames.Hello h = LinkFrames.parseHello(new byte[] {1, 0, 0});
        assertThat(h.version()).isEqualTo(1);
        assertThat(h.serverId()).isNull();
    }
}
