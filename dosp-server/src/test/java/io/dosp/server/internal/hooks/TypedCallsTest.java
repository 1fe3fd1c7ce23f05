package io.dosp.server.internal.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.Envelope;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.Functions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The answers typed calls and bare FN build, without a server. */
class TypedCallsTest {
    private static Envelope envelopeOf(Object packet) throws Exception {
        SimplePacket p = (SimplePacket) packet;
        assertThat(Ext.kind(p)).isEqualTo(Ext.FN_REPLY);
        return Envelope.decode(Ext.payload(p));
    }

    @Test
    void errorsAreReplyEnvelopesWithTheDocumentedObjectAndBoundedTexts() throws Exception {
        Envelope e = envelopeOf(TypedCalls.error(9, "BAD_ARGUMENTS", "not an integer", "b"));
        assertThat(e.kind()).isEqualTo(Envelope.ERROR);
        assertThat(e.isReply()).isTrue();
        assertThat(e.id()).isEqualTo(9);
        assertThat(new String(e.bodyBytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"code\":\"BAD_ARGUMENTS\",\"message\":\"not an integer\",\"field\":\"b\"}");
        Envelope longOne = envelopeOf(TypedCalls.error(1, "HANDLER_FAILED", "x".repeat(5000), null));
        assertThat(longOne.bodyLength()).isLessThan(TypedCalls.MAX_MESSAGE + 100);
    }

    @Test
    void aBareFunctionsTextIsAStringValueInTheCallsContentType() {
        assertThat(new String(TypedCalls.stringValue(Envelope.JSON, "say \"hi\""), StandardCharsets.UTF_8))
                .isEqualTo("\"say \\\"hi\\\"\"");
        assertThat(TypedCalls.stringValue(Envelope.MSGPACK, "noon")).containsExactly(0xA4, 'n', 'o', 'o', 'n');
        byte[] s40 = TypedCalls.stringValue(Envelope.MSGPACK, "a".repeat(40));
        assertThat(s40[0] & 0xFF).isEqualTo(0xD9);
        assertThat(s40[1] & 0xFF).isEqualTo(40);
        byte[] s300 = TypedCalls.stringValue(Envelope.MSGPACK, "a".repeat(300));
        assertThat(s300).startsWith(0xDA, 0x01, 0x2C).hasSize(303);
        byte[] s70k = TypedCalls.stringValue(Envelope.MSGPACK, "a".repeat(70_000));
        assertThat(s70k).startsWith(0xDB, 0x00, 0x01, 0x11, 0x70).hasSize(70_005);
    }

    @Test
    void theBareJobAnswersAsFnAlwaysHas() throws Exception {
        FunctionCalls.Job bare = FunctionCalls.bare("f", c -> "ok");
        assertThat(bare.failed(new IllegalStateException("bad"))).isEqualTo(Packets.err(ErrCode.FF, "bad"));
        assertThat(bare.failed(new IllegalStateException())).isEqualTo(Packets.err(ErrCode.FF, "IllegalStateException"));
        assertThat(bare.internalError()).isEqualTo(Packets.err(ErrCode.FF, "internal error"));
        assertThat(bare.timedOut("30 s")).isEqualTo(Packets.err(ErrCode.FF, "Function 'f' timed out after 30 s"));
        assertThat(bare.refused(false, 8)).isEqualTo(Packets.err(ErrCode.FF, "Server busy"));
        assertThat(bare.refused(true, 8)).isEqualTo(Packets.err(ErrCode.FF,
                "Too many FN calls in flight: at most 8 per client (wait for their answers)"));
    }

    @Test
    void theBoundsAreValidatedNamingTheField() {
        Functions d = Functions.defaults();
        assertThat(d.typedCalls()).isTrue();
        assertThat(d.maxArgumentBytes()).isEqualTo(64 << 10);
        assertThat(d.maxResultBytes()).isEqualTo(512 << 10);
        assertThat(d.toBuilder().typedCalls(false).build().toBuilder().build().typedCalls()).isFalse();
        assertThatThrownBy(() -> Functions.builder().maxArgumentBytes(0).build())
                .isInstanceOfSatisfying(InvalidConfigException.class,
                        e -> assertThat(e.field()).isEqualTo("functions.maxArgumentBytes"));
        assertThatThrownBy(() -> Functions.builder().maxResultBytes(Functions.MAX_RESULT_LIMIT + 1).build())
                .isInstanceOfSatisfying(InvalidConfigException.class,
                        e -> assertThat(e.field()).isEqualTo("functions.maxResultBytes"));
    }
}
