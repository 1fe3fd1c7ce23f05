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
    void anotherVersionIsReadAsNothingButItsVersion() {
        LinkFrames.Hello h = LinkFrames.parseHello(new byte[] {1, 0, 0});
        assertThat(h.version()).isEqualTo(1);
        assertThat(h.serverId()).isNull();
    }
}
