package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The NATS text parser: whole, split at every byte and at every point, coalesced, and broken streams. */
class NatsReaderTest {
    private static final String STREAM = "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n"
            + "PING\r\n"
            + "MSG a.b 1 5\r\nhello\r\n"
            + "MSG a.b 1 reply.to 7\r\nhe\r\nllo\r\n"
            + "+OK\r\n"
            + "MSG empty 2 0\r\n\r\n"
            + "-ERR 'Slow Consumer'\r\n"
            + "HMSG h 3 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
            + "msg\tlower 1  3\r\nabc\r\n"
            + "PONG\r\n";
    private static final List<String> EXPECTED = List.of("INFO:{\"server_id\":\"x\",\"max_payload\":1048576}", "PING:PING",
            "MSG:hello", "MSG:he\r\nllo", "OK:+OK", "MSG:", "ERR:'Slow Consumer'", "OTHER:HMSG h 3 12 14", "MSG:abc", "PONG:PONG");
    private static final String[] NAMES = {"", "MSG", "PING", "PONG", "OK", "ERR", "INFO", "OTHER"};

    private final List<String> ops = new ArrayList<>();
    private final NatsReader reader = new NatsReader(1024, (op, buf, index, length) ->
            ops.add(NAMES[op] + ":" + buf.toString(index, length, StandardCharsets.US_ASCII)));

    @AfterEach
    void releasePartial() {
        reader.release();
    }

    private boolean read(byte[] bytes) {
        ByteBuf b = ByteBufAllocator.DEFAULT.buffer(bytes.length);
        b.writeBytes(bytes);
        return reader.read(ByteBufAllocator.DEFAULT, b);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void operationsCoalescedInOneRead() {
        assertThat(read(bytes(STREAM))).isTrue();
        assertThat(ops).containsExactlyElementsOf(EXPECTED);
    }

    @Test
    void streamSplitAtEveryByte() {
        for (byte b : bytes(STREAM)) {
            assertThat(read(new byte[] {b})).isTrue();
        }
        assertThat(ops).containsExactlyElementsOf(EXPECTED);
    }

    @Test
    void streamSplitInTwoAtEveryPoint() {
        byte[] all = bytes(STREAM);
        for (int cut = 0; cut <= all.length; cut++) {
            ops.clear();
            assertThat(read(Arrays.copyOfRange(all, 0, cut))).isTrue();
            assertThat(read(Arrays.copyOfRange(all, cut, all.length))).isTrue();
            assertThat(ops).as("cut at %d", cut).containsExactlyElementsOf(EXPECTED);
        }
    }

    @Test
    void manyMessagesInOneBufferAreHandedOverInPlace() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            String payload = "m" + i;
            sb.append("MSG s 1 ").append(payload.length()).append("\r\n").append(payload).append("\r\n");
        }
        assertThat(read(bytes(sb.toString()))).isTrue();
        assertThat(ops).hasSize(1000).startsWith("MSG:m0").endsWith("MSG:m999");
    }

    @Test
    void sizeThatIsNotANumberBreaksTheStream() {
        assertThat(read(bytes("MSG a 1 five\r\nhello\r\n"))).isFalse();
    }

    @Test
    void payloadOverTheMaximumBreaksTheStreamBeforeItIsBuffered() {
        assertThat(read(bytes("MSG a 1 1025\r\n"))).isFalse();
    }

    @Test
    void payloadNotFollowedByCrlfBreaksTheStream() {
        assertThat(read(bytes("MSG a 1 3\r\nabcXY"))).isFalse();
    }

    @Test
    void payloadNotFollowedByCrlfAcrossReadsBreaksTheStream() {
        assertThat(read(bytes("MSG a 1 3\r\nab"))).isTrue();
        assertThat(read(bytes("cXY"))).isFalse();
    }

    @Test
    void endlessControlLineBreaksTheStream() {
        byte[] junk = new byte[NatsReader.MAX_CONTROL_LINE / 2];
        Arrays.fill(junk, (byte) 'x');
        assertThat(read(junk)).isTrue();
        assertThat(read(junk)).isTrue();
        assertThat(read(junk)).isFalse();
    }

    @Test
    void readReleasesItsInput() {
        ByteBuf b = Unpooled.copiedBuffer(bytes("PING\r\nMSG a 1 3\r\nab"));
        assertThat(reader.read(ByteBufAllocator.DEFAULT, b)).isTrue();
        assertThat(b.refCnt()).isZero();
        assertThat(ops).containsExactly("PING:PING");
    }
}
