package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** EXT PEER_GONE byte by byte, as README's "Client extension frames" section writes it. */
class ExtPeerGoneTest {
    private static String hex(SimplePacket p) {
        return HexFormat.of().formatHex(PacketCodec.encode(p));
    }

    @Test
    void aNoticeIsKindVipReasonAndText() {
        Ext.PeerGone left = new Ext.PeerGone(Vip.parse("7.10.0.4"), Ext.PeerGone.LEFT, "");
        assertThat(hex(left.toFrame())).isEqualTo("1f" + "00000006" + "20" + "070a0004" + "01");
        Ext.PeerGone kicked = new Ext.PeerGone(Vip.parse("7.10.0.4"), Ext.PeerGone.KICKED, "bye");
        assertThat(hex(kicked.toFrame())).isEqualTo("1f" + "00000009" + "20" + "070a0004" + "03" + "627965");
        assertThat(Ext.PeerGone.parse(kicked.toFrame())).isEqualTo(kicked);
        assertThat(kicked.describe()).isEqualTo("kicked: bye");
        assertThat(new Ext.PeerGone(Vip.parse("7.10.0.4"), 9, "").describe()).isEqualTo("gone (reason 9)");
        assertThat(Ext.featureOf(Ext.PEER_GONE)).isEqualTo(Ext.FEATURE_PEER_GONE);
    }

    @Test
    void helloAndWelcomeAsTheReadmeWritesThem() {
        assertThat(hex(Ext.hello(java.util.List.of(Ext.FEATURE_PEER_GONE))))
                .isEqualTo("1f" + "0000000d" + "01" + "01" + "01" + "09" + "706565722d676f6e65");
        assertThat(hex(Ext.welcome(java.util.List.of(Ext.FEATURE_PEER_GONE))))
                .isEqualTo("1f" + "0000000d" + "02" + "01" + "01" + "09" + "706565722d676f6e65");
        assertThat(hex(Ext.welcome(java.util.List.of()))).isEqualTo("1f" + "00000003" + "02" + "01" + "00");
        Ext.PeerGone kicked = new Ext.PeerGone(Vip.parse("7.10.0.4"), Ext.PeerGone.KICKED, "Disconnected by admin");
        assertThat(hex(kicked.toFrame())).isEqualTo("1f" + "0000001b" + "20" + "070a0004" + "03"
                + "446973636f6e6e65637465642062792061646d696e");
    }

    @Test
    void aLongTextIsCutAtACharacterAndTooShortOrTooLongFramesAreRefused() {
        String text = "é".repeat(150); // 300 bytes
        SimplePacket f = new Ext.PeerGone(Vip.parse("7.10.0.4"), Ext.PeerGone.DROPPED, text).toFrame();
        Ext.PeerGone back = Ext.PeerGone.parse(f);
        assertThat(back.text()).isEqualTo("é".repeat(100));
        assertThat(f.bodyLength()).isEqualTo(1 + 4 + 1 + Ext.MAX_PEER_GONE_TEXT);
        assertThatThrownBy(() -> Ext.PeerGone.parse(Ext.frame(Ext.PEER_GONE, new byte[] {7, 10, 0, 4})))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining("at least vip(4) reason(1)");
        assertThatThrownBy(() -> Ext.PeerGone.parse(Ext.frame(Ext.PEER_GONE, new byte[5 + Ext.MAX_PEER_GONE_TEXT + 1])))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining("text of 201 bytes");
        assertThatThrownBy(() -> Ext.PeerGone.parse(Ext.welcome(java.util.List.of())))
                .isInstanceOf(MalformedPacketException.class);
    }
}
