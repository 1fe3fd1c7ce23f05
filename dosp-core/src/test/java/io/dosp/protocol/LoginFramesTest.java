package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The login and vouch frames, byte by byte as COMPATIBILITY.md writes them down, and their bounds. */
class LoginFramesTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void startIsVersionUserAndNonce() {
        byte[] nonce = new byte[16];
        SimplePacket f = new Login.Start("bob", nonce).frame();
        assertThat(f.typeCode()).isEqualTo(0x1F);
        assertThat(HEX.formatHex(f.body())).isEqualTo("10" + "01" + "03626f62" + "10" + "00".repeat(16));
        Login.Start back = Login.Start.parse(Ext.payload(f));
        assertThat(back.user()).isEqualTo("bob");
        assertThat(back.clientNonce()).isEqualTo(nonce);
    }

    @Test
    void challengeOkFailedAndVouchRoundTrip() {
        Login.Challenge c = Login.Challenge.parse(Ext.payload(new Login.Challenge(4096, new byte[] {1, 2}, new byte[16]).frame()));
        assertThat(c.iterations()).isEqualTo(4096);
        assertThat(c.salt()).containsExactly(1, 2);
        SimplePacket ok = new Login.Ok(new byte[32], true, Vip.parse("7.10.0.20")).frame();
        assertThat(HEX.formatHex(ok.body())).isEqualTo("13" + "00".repeat(32) + "01" + "070a0014");
        assertThat(Login.Ok.parse(Ext.payload(ok)).admin()).isTrue();
        SimplePacket failed = new Login.Failed(Login.FailureCode.REVOKED, "Access revoked").frame();
        assertThat(HEX.formatHex(failed.body())).startsWith("1402");
        assertThat(Login.Failed.parse(Ext.payload(failed))).isEqualTo(new Login.Failed(Login.FailureCode.REVOKED,
                "Access revoked"));
        assertThat(HEX.formatHex(Login.vouchRequest(Vip.parse("7.10.0.3")).body())).isEqualTo("30070a0003");
        byte[] key = new byte[32];
        key[0] = 9;
        SimplePacket reply = new Login.VouchReply(Vip.parse("7.10.0.3"), Login.VOUCH_USER_WITH_IDENTITY, "al", key).frame();
        assertThat(HEX.formatHex(reply.body())).isEqualTo("31070a0003" + "02" + "02616c" + "09" + "00".repeat(31));
        Login.VouchReply r = Login.VouchReply.parse(Ext.payload(reply));
        assertThat(r.user()).isEqualTo("al");
        assertThat(r.identityKey()).isEqualTo(key);
        SimplePacket unknown = new Login.VouchReply(Vip.parse("7.10.0.3"), Login.VOUCH_UNKNOWN, "", null).frame();
        assertThat(HEX.formatHex(unknown.body())).isEqualTo("31070a0003" + "00" + "00");
    }

    @Test
    void proofIsThirtyTwoOrOneHundredTwentyEightBytes() {
        assertThat(Login.Proof.parse(new byte[32]).identityKey()).isEmpty();
        Login.Proof withId = Login.Proof.parse(new byte[128]);
        assertThat(withId.identityKey()).isPresent();
        assertThat(withId.identitySignature().orElseThrow()).hasSize(64);
        assertThatThrownBy(() -> Login.Proof.parse(new byte[33])).isInstanceOf(MalformedPacketException.class);
        assertThat(new Login.Proof(new byte[32], Optional.empty(), Optional.empty()).frame().bodyLength()).isEqualTo(33);
    }

    @Test
    void malformedFramesAreRefused() {
        assertThatThrownBy(() -> Login.Start.parse(HEX.parseHex("0200"))).hasMessageContaining("version");
        assertThatThrownBy(() -> Login.Start.parse(HEX.parseHex("0103626f6204aabbccdd")))
                .hasMessageContaining("client nonce");
        assertThatThrownBy(() -> Login.Start.parse(HEX.parseHex("0103626f"))).hasMessageContaining("ends early");
        assertThatThrownBy(() -> Login.Start.parse(HEX.parseHex("010320626f10" + "00".repeat(16))))
                .hasMessageContaining("user name");
        assertThatThrownBy(() -> Login.VouchReply.parse(HEX.parseHex("070a0003" + "00" + "01" + "61")))
                .hasMessageContaining("status 0");
        assertThatThrownBy(() -> Login.parseVouchRequest(HEX.parseHex("070a000301"))).hasMessageContaining("too many");
    }
}
