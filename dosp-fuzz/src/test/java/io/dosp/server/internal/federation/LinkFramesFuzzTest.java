package io.dosp.server.internal.federation;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The federation link frames ({@link LinkFrames}: HELLO, FWD, CAPS, FWD_FAIL) on hostile bodies, as a
 * peer server (or anyone who connects to the client port while federation is on) can send them.
 * In this package because the parsers are package-private.
 *
 * <p>Asserts: only {@link MalformedPacketException} escapes; a parsed HELLO (link protocol v2)
 * re-encodes to exactly its body (a host or dialed host that is not valid UTF-8 is read with replacement
 * characters: then it must only parse); a parsed FWD carries the body's DST, SRC, DATA and hop limit and re-encodes to exactly
 * its body; a parsed FWD_FAIL re-encodes to exactly its body; a CAPS is taken only with its mac (so it re-encodes to its body).
 */
class LinkFramesFuzzTest {
    /** version, server id, nonce, host length (the dialed host follows the host and port). */
    private static final int HOST_OFFSET = 1 + LinkFrames.ID_LENGTH + LinkFrames.NONCE_LENGTH + 1;

    @FuzzTest(maxDuration = "10s")
    void parse(FuzzedDataProvider data) {
        int which = data.consumeInt(0, 3);
        byte[] body = data.consumeRemainingAsBytes();
        try {
            switch (which) {
                case 0 -> hello(body);
                case 1 -> fwd(body);
                case 2 -> caps(body);
                default -> fwdFail(body);
            }
        } catch (MalformedPacketException expected) {
            // documented: a bad link frame is refused with a typed error
        }
    }

    private static void hello(byte[] body) {
        LinkFrames.Hello h = LinkFrames.parseHello(body);
        if (h.version() != LinkFrames.VERSION) {
            assertThat(body[0] & 0xff).isEqualTo(h.version()); // another version: refused by the caller, nothing else read
            return;
        }
        int hostLength = body[HOST_OFFSET - 1] & 0xff;
        byte[] hostBytes = Arrays.copyOfRange(body, HOST_OFFSET, HOST_OFFSET + hostLength);
        byte[] dialedBytes = Arrays.copyOfRange(body, HOST_OFFSET + hostLength + 3, body.length - 2);
        if (!Arrays.equals(h.host().getBytes(StandardCharsets.UTF_8), hostBytes)
                || !Arrays.equals(h.dialedHost().getBytes(StandardCharsets.UTF_8), dialedBytes)) {
            return; // invalid UTF-8, read with replacement characters (which may not even fit 255 bytes again)
        }
        SimplePacket again = LinkFrames.hello(h.serverId(), h.nonce(), h.host(), h.port(), h.dialedHost(), h.dialedPort());
        LinkFrames.Hello back = LinkFrames.parseHello(again.body());
        assertThat(back.serverId()).isEqualTo(h.serverId());
        assertThat(back.nonce()).isEqualTo(h.nonce());
        assertThat(back.host()).isEqualTo(h.host());
        assertThat(back.port()).isEqualTo(h.port());
        assertThat(back.dialedHost()).isEqualTo(h.dialedHost());
        assertThat(back.dialedPort()).isEqualTo(h.dialedPort());
        assertThat(again.body()).isEqualTo(body);
    }

    private static void fwd(byte[] body) {
        LinkFrames.Forwarded f = LinkFrames.parseFwd(Packets.custom(LinkFrames.FWD, body.clone()));
        assertThat(f.hopLimit()).isEqualTo(body[0] & 0xff);
        SimplePacket again = LinkFrames.fwd(f.packet(), f.hopLimit());
        assertThat(again.body()).isEqualTo(body);
        assertThat(f.packet().dataLength()).isEqualTo(body.length - 9);
    }

    /** A CAPS body is never thrown at: its caps byte is taken only when its mac is the one for this handshake. */
    private static void caps(byte[] body) {
        byte[] hello = LinkFrames.helloBody(new byte[16], new byte[16], "10.0.0.1", 7744, "10.0.0.2", 7744);
        String key = "fuzzing mesh key 0123";
        int caps = LinkFrames.parseCaps(body, key, LinkFrames.Step.CAPS, hello, new byte[16], new byte[16]);
        if (caps >= 0) {
            assertThat(LinkFrames.caps(key, LinkFrames.Step.CAPS, caps, hello, new byte[16], new byte[16]).body())
                    .isEqualTo(body);
        }
    }

    private static void fwdFail(byte[] body) {
        LinkFrames.Failure f = LinkFrames.parseFwdFail(Packets.custom(LinkFrames.FWD_FAIL, body.clone()));
        assertThat(LinkFrames.fwdFail(f.dst(), f.src(), f.hopLimit()).body()).isEqualTo(body);
    }
}
