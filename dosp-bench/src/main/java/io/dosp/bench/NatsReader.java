package io.dosp.bench;

import io.netty.buffer.ByteBuf;

/**
 * Splits a NATS server-to-client byte stream into operations without decoding them into objects,
 * the text-protocol twin of {@link FrameReader}: complete operations are handed to the sink as an
 * index range of the read buffer, and only an operation split across reads is copied (once) into
 * a small side buffer ({@link StreamSplitter}). {@link #read} returns false when the stream is not
 * NATS: a bad control line, a payload over the maximum (before it is buffered), no CRLF after a
 * payload.
 *
 * <p>Operations: {@code MSG <subject> <sid> [reply-to] <#bytes>\r\n<payload>\r\n} (the sink gets
 * the payload), {@code PING}, {@code PONG}, {@code +OK}, {@code -ERR <text>} and
 * {@code INFO <json>} (the sink gets the text after the keyword). {@code HMSG} is skipped whole
 * (the generator never asks for headers). Keywords are case-insensitive, as the protocol says.
 *
 * <p>Hand-written rather than jnats on purpose: jnats reads on its own threads through its own
 * buffers and queues, so the NATS figures would measure a different client, not the server. This
 * parser runs on the same Netty event loops, reads and writes the same way as the DoSP target.
 *
 * <p>Not thread-safe: one per channel, used on its event loop.
 */
final class NatsReader extends StreamSplitter {
    static final int MSG = 1;
    static final int PING = 2;
    static final int PONG = 3;
    static final int OK = 4;
    static final int ERR = 5;
    static final int INFO = 6;
    /** HMSG or an unknown keyword: the sink gets the whole control line. */
    static final int OTHER = 7;

    /** Longest control line accepted (INFO with many cluster URLs is the longest the server sends). */
    static final int MAX_CONTROL_LINE = 64 * 1024;

    /** Receives each operation; {@code buf} is only valid during the call. */
    interface Sink {
        void onOp(int op, ByteBuf buf, int index, int length);
    }

    private final int maxPayload;
    private final Sink sink;

    NatsReader(int maxPayload, Sink sink) {
        this.maxPayload = maxPayload;
        this.sink = sink;
    }

    /**
     * Bytes of the operation starting at {@code from}: its control line, plus payload and CRLF
     * for MSG and HMSG; {@link #INCOMPLETE} while the control line has no LF yet.
     */
    @Override
    long total(ByteBuf buf, int from, int to) {
        int nl = buf.indexOf(from, Math.min(to, from + MAX_CONTROL_LINE + 1), (byte) '\n');
        if (nl < 0) {
            return to - from > MAX_CONTROL_LINE ? INVALID : INCOMPLETE;
        }
        int line = nl + 1 - from;
        int op = op(buf, from, lineEnd(buf, from, nl));
        if (op != MSG && !isHmsg(buf, from, nl)) {
            return line;
        }
        long size = lastNumber(buf, from, lineEnd(buf, from, nl));
        if (size < 0 || size > maxPayload) {
            return INVALID;
        }
        return line + size + 2;
    }

    /** Up to and including the LF that ends the control line, or all of {@code in} if it has none. */
    @Override
    int headerBytes(ByteBuf partial, ByteBuf in) {
        int nl = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        return nl < 0 ? in.readableBytes() : nl + 1 - in.readerIndex();
    }

    @Override
    boolean dispatch(ByteBuf buf, int from, int total) {
        int nl = buf.indexOf(from, from + total, (byte) '\n');
        int end = lineEnd(buf, from, nl);
        int op = op(buf, from, end);
        if (op == MSG) {
            int payload = nl + 1;
            int length = from + total - 2 - payload;
            if (buf.getByte(payload + length) != '\r' || buf.getByte(payload + length + 1) != '\n') {
                return false;
            }
            sink.onOp(MSG, buf, payload, length);
        } else if (op == ERR || op == INFO) {
            int arg = skipBlanks(buf, from + 4, end);
            sink.onOp(op, buf, arg, end - arg);
        } else {
            sink.onOp(op, buf, from, end - from);
        }
        return true;
    }

    /** The keyword of the control line {@code [from, end)}. */
    private static int op(ByteBuf buf, int from, int end) {
        int len = end - from;
        if (len >= 4 && upper(buf, from) == 'M' && upper(buf, from + 1) == 'S' && upper(buf, from + 2) == 'G'
                && blank(buf.getByte(from + 3))) {
            return MSG;
        }
        if (len >= 4 && upper(buf, from) == 'P' && upper(buf, from + 2) == 'N' && upper(buf, from + 3) == 'G'
                && (len == 4 || blank(buf.getByte(from + 4)))) {
            int second = upper(buf, from + 1);
            if (second == 'I') {
                return PING;
            }
            if (second == 'O') {
                return PONG;
            }
        }
        if (len >= 3 && buf.getByte(from) == '+' && upper(buf, from + 1) == 'O' && upper(buf, from + 2) == 'K') {
            return OK;
        }
        if (len >= 4 && buf.getByte(from) == '-' && upper(buf, from + 1) == 'E' && upper(buf, from + 2) == 'R'
                && upper(buf, from + 3) == 'R') {
            return ERR;
        }
        if (len >= 4 && upper(buf, from) == 'I' && upper(buf, from + 1) == 'N' && upper(buf, from + 2) == 'F'
                && upper(buf, from + 3) == 'O') {
            return INFO;
        }
        return OTHER;
    }

    private static boolean isHmsg(ByteBuf buf, int from, int nl) {
        return nl - from >= 5 && upper(buf, from) == 'H' && upper(buf, from + 1) == 'M' && upper(buf, from + 2) == 'S'
                && upper(buf, from + 3) == 'G' && blank(buf.getByte(from + 4));
    }

    /** End of the control line ending with the LF at {@code nl}, without the CR. */
    private static int lineEnd(ByteBuf buf, int from, int nl) {
        return nl > from && buf.getByte(nl - 1) == '\r' ? nl - 1 : nl;
    }

    /** The number that ends the control line (MSG: payload bytes; HMSG: total bytes), or -1. */
    private static long lastNumber(ByteBuf buf, int from, int end) {
        int i = end;
        while (i > from && blank(buf.getByte(i - 1))) {
            i--;
        }
        int digitsEnd = i;
        while (i > from && digit(buf.getByte(i - 1))) {
            i--;
        }
        if (i == digitsEnd || digitsEnd - i > 10 || i == from || !blank(buf.getByte(i - 1))) {
            return -1;
        }
        long v = 0;
        for (int k = i; k < digitsEnd; k++) {
            v = v * 10 + (buf.getByte(k) - '0');
        }
        return v;
    }

    private static int skipBlanks(ByteBuf buf, int i, int end) {
        while (i < end && blank(buf.getByte(i))) {
            i++;
        }
        return i;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean blank(byte b) {
        return b == ' ' || b == '\t';
    }

    private static int upper(ByteBuf buf, int i) {
        return Character.toUpperCase(buf.getByte(i));
    }
}
