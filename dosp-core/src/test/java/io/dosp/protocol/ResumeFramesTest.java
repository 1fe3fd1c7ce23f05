package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The resume feature's frames byte by byte, as docs/cluster.md ("Resume frames") writes them. */
class ResumeFramesTest {
    private static final byte[] SECRET = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
    private static final Vip VIP = Vip.parse("10.9.0.7");

    private static String hex(SimplePacket p) {
        return HexFormat.of().formatHex(PacketCodec.encode(p));
    }

    @Test
    void tokenResumeAndOkAreKindVipAndSecret() {
        Resume.Token t = new Resume.Token(VIP, SECRET);
        String payload = "0a090007" + "000102030405060708090a0b0c0d0e0f";
        assertThat(hex(t.toFrame(Resume.TOKEN))).isEqualTo("1f" + "00000015" + "90" + payload);
        assertThat(hex(t.toFrame(Resume.RESUME))).isEqualTo("1f" + "00000015" + "91" + payload);
        assertThat(hex(t.toFrame(Resume.OK))).isEqualTo("1f" + "00000015" + "92" + payload);
        assertThat(Resume.Token.parse(t.toFrame(Resume.RESUME))).isEqualTo(t);
        assertThat(Ext.featureOf(Resume.RESUME)).isEqualTo(Ext.FEATURE_RESUME);
        assertThat(t.toString()).doesNotContain("000102").contains("hidden");
    }

    @Test
    void failedIsKindVipReasonAndText() {
        Resume.Failed f = new Resume.Failed(VIP, Resume.Failed.HELD, "held by a live node");
        assertThat(hex(f.toFrame())).isEqualTo("1f" + "00000019" + "93" + "0a090007" + "03"
                + "68656c642062792061206c697665206e6f6465");
        assertThat(Resume.Failed.parse(f.toFrame())).isEqualTo(f);
        assertThat(f.retryable()).isTrue();
        assertThat(new Resume.Failed(VIP, Resume.Failed.BAD_SECRET, "").retryable()).isFalse();
        assertThat(new Resume.Failed(VIP, 77, "").describe()).isEqualTo("refused (reason 77)");
        String longText = "é".repeat(150); // 300 bytes: cut to 200, at a character
        assertThat(Resume.Failed.parse(new Resume.Failed(VIP, 4, longText).toFrame()).text()).isEqualTo("é".repeat(100));
    }

    @Test
    void theRegistryKeepsTheHexSha256AndChecksIt() {
        assertThat(Resume.hashHex(SECRET)).isEqualTo("be45cb2605bf36bebde684841a28f0fd43c69850a3dce5fedba69928ee3a8991");
        assertThat(Resume.matches(SECRET, "be45cb2605bf36bebde684841a28f0fd43c69850a3dce5fedba69928ee3a8991")).isTrue();
        byte[] other = SECRET.clone();
        other[15] ^= 1;
        assertThat(Resume.matches(other, Resume.hashHex(SECRET))).isFalse();
        assertThat(Resume.matches(SECRET, null)).isFalse();
        assertThat(Resume.matches(SECRET, "zz")).isFalse();
        assertThat(Resume.matches(SECRET, "x".repeat(64))).isFalse();
        assertThat(Resume.newSecret()).hasSize(16).isNotEqualTo(Resume.newSecret());
    }

    @Test
    void badFramesAreRefused() {
        assertThatThrownBy(() -> Resume.Token.parse(Ext.frame(Resume.RESUME, new byte[19])))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining("vip(4) secret(16)");
        assertThatThrownBy(() -> Resume.Token.parse(Ext.frame(Resume.FAILED, new byte[20])))
                .isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> Resume.Failed.parse(Ext.frame(Resume.FAILED, new byte[4])))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining("at least vip(4) reason(1)");
        assertThatThrownBy(() -> Resume.Failed.parse(Ext.frame(Resume.FAILED, new byte[5 + 201])))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining("text of 201 bytes");
        assertThatThrownBy(() -> new Resume.Token(VIP, new byte[15])).isInstanceOf(IllegalArgumentException.class);
    }
}
