package io.dosp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One message of this project's messaging layer, carried as the DATA of an S2C (plain, or as the plaintext inside a
 * tunnel), so it passes through any DoSP server, the reference included. Specified byte by byte, with examples, in
 * {@code docs/messaging.md}:
 *
 * <pre>
 * magic(1)=0xD1  kind(1)  flags(1)  id(4, big-endian)  name_len(1)  name(UTF-8)  content_type(1)  body(rest)
 * </pre>
 *
 * <p>The first byte is {@value #MAGIC} ({@code 0xD0 | version}, version 1): never {@code 0x15}, the tunnel marker, so
 * an envelope is never mistaken for a tunnel frame, and a reader tells an envelope from other application bytes by
 * {@link #isEnvelope}. {@code id} is an unsigned 32-bit number: the correlation id of a request and its response, or
 * a stream's id; {@link #FLAG_REPLY} says the id was allocated by the envelope's receiver (a response, an error, a
 * credit grant) rather than by its sender. Immutable; {@link #body()} returns a copy, {@link #bodyBytes()} does not.
 *
 * @param kind        what this envelope is ({@link #MESSAGE} ...)
 * @param flags       {@link #FLAG_REPLY}, or 0; other bits are refused
 * @param id          correlation or stream id, {@code 0..0xFFFFFFFF}
 * @param name        handler, method or stream name, at most {@value #MAX_NAME_BYTES} UTF-8 bytes (empty for none)
 * @param contentType how the body is encoded ({@link #RAW} ...)
 * @param body        the encoded payload
 */
public record Envelope(int kind, int flags, long id, String name, int contentType, byte[] body) {
    /** The first byte of every version-1 envelope: {@code 0xD0 | 1}. */
    public static final int MAGIC = 0xD1;
    /** The high nibble that marks an envelope of any version. */
    public static final int MAGIC_NIBBLE = 0xD0;
    /** The version this build reads and writes. */
    public static final int VERSION = 1;
    /** The bytes before the name: magic, kind, flags, id, name length. */
    public static final int HEADER_BYTES = 8;
    /** The longest name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 255;

    /** A one-way named message: {@code name} is the handler, no answer is expected. */
    public static final int MESSAGE = 0x01;
    /** A call: {@code name} is the method, {@code id} the caller's correlation id, the body an array of arguments. */
    public static final int REQUEST = 0x02;
    /** The result of a call ({@link #FLAG_REPLY}, the call's id). */
    public static final int RESPONSE = 0x03;
    /** A failed call, refused stream or message ({@link #FLAG_REPLY}, its id); the body is the JSON error object. */
    public static final int ERROR = 0x04;
    /** A stream begins: {@code id} is the sender's stream id, {@code name} the handler, the body JSON metadata. */
    public static final int STREAM_OPEN = 0x05;
    /** The next bytes of a stream (raw body). */
    public static final int STREAM_CHUNK = 0x06;
    /** The stream is complete; the body is the SHA-256 of every chunk's bytes in order (32 bytes). */
    public static final int STREAM_END = 0x07;
    /** The stream's receiver allows {@code body = u32} more chunk bytes ({@link #FLAG_REPLY}). */
    public static final int CREDIT = 0x08;
    /** A call or stream is abandoned by either side; the body is a UTF-8 reason. */
    public static final int CANCEL = 0x09;

    /** Set when {@code id} belongs to the receiver of this envelope (responses, errors, credit, a receiver's cancel). */
    public static final int FLAG_REPLY = 0x01;

    /** Body encoding: bytes as they are ({@code application/octet-stream}). */
    public static final int RAW = 0x00;
    /** Body encoding: JSON (UTF-8). */
    public static final int JSON = 0x01;
    /** Body encoding: MessagePack. */
    public static final int MSGPACK = 0x02;
    /** Body encoding: UTF-8 text. */
    public static final int TEXT = 0x03;

    private static final byte[] EMPTY = new byte[0];

    /** Checks every field; copies the body. */
    public Envelope {
        if (kind < MESSAGE || kind > CANCEL) {
            throw new IllegalArgumentException("envelope kind " + kind + " is not one of 1..9");
        }
        if ((flags & ~FLAG_REPLY) != 0) {
            throw new IllegalArgumentException("envelope flags " + flags + " has bits other than FLAG_REPLY");
        }
        if (id < 0 || id > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("envelope id " + id + " is not an unsigned 32-bit number");
        }
        name = name == null ? "" : name;
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("envelope name is longer than " + MAX_NAME_BYTES + " UTF-8 bytes");
        }
        if (contentType < 0 || contentType > 0xFF) {
            throw new IllegalArgumentException("content type " + contentType + " is not a byte");
        }
        body = body == null ? EMPTY : body.clone();
    }

    /** True when {@code data} starts like an envelope of any version (high nibble {@code 0xD}). */
    public static boolean isEnvelope(byte[] data) {
        return data != null && data.length > 0 && (data[0] & 0xF0) == MAGIC_NIBBLE;
    }

    /** True when this envelope answers or controls something its receiver started ({@link #FLAG_REPLY}). */
    public boolean isReply() {
        return (flags & FLAG_REPLY) != 0;
    }

    /** A copy of the body. */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body without a copy: callers must not change it. */
    public byte[] bodyBytes() {
        return body;
    }

    /** The body's length in bytes. */
    public int bodyLength() {
        return body.length;
    }

    /** This envelope's bytes. */
    public byte[] encode() {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[HEADER_BYTES + n.length + 1 + body.length];
        out[0] = (byte) MAGIC;
        out[1] = (byte) kind;
        out[2] = (byte) flags;
        out[3] = (byte) (id >>> 24);
        out[4] = (byte) (id >>> 16);
        out[5] = (byte) (id >>> 8);
        out[6] = (byte) id;
        out[7] = (byte) n.length;
        System.arraycopy(n, 0, out, HEADER_BYTES, n.length);
        out[HEADER_BYTES + n.length] = (byte) contentType;
        System.arraycopy(body, 0, out, HEADER_BYTES + n.length + 1, body.length);
        return out;
    }

    /**
     * Reads an envelope.
     *
     * @throws MalformedEnvelopeException when {@code data} is not a version-1 envelope: wrong magic or version, cut
     *                                    short, an unknown kind or flag, a name that is not UTF-8
     */
    public static Envelope decode(byte[] data) throws MalformedEnvelopeException {
        Objects.requireNonNull(data, "data");
        if (!isEnvelope(data)) {
            throw new MalformedEnvelopeException("not an envelope (first byte is not 0xD?)");
        }
        if ((data[0] & 0xFF) != MAGIC) {
            throw new MalformedEnvelopeException("envelope version " + (data[0] & 0x0F) + " is not supported (this build reads 1)");
        }
        if (data.length < HEADER_BYTES + 1) {
            throw new MalformedEnvelopeException("envelope cut short: " + data.length + " bytes");
        }
        int kind = data[1] & 0xFF;
        int flags = data[2] & 0xFF;
        long id = ((data[3] & 0xFFL) << 24) | ((data[4] & 0xFFL) << 16) | ((data[5] & 0xFFL) << 8) | (data[6] & 0xFFL);
        int nameLength = data[7] & 0xFF;
        if (data.length < HEADER_BYTES + nameLength + 1) {
            throw new MalformedEnvelopeException("envelope cut short: name of " + nameLength + " bytes in " + data.length);
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(data, HEADER_BYTES, nameLength)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new MalformedEnvelopeException("envelope name is not UTF-8");
        }
        int contentType = data[HEADER_BYTES + nameLength] & 0xFF;
        byte[] body = Arrays.copyOfRange(data, HEADER_BYTES + nameLength + 1, data.length);
        try {
            return new Envelope(kind, flags, id, name, contentType, body);
        } catch (IllegalArgumentException e) {
            throw new MalformedEnvelopeException(e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && kind == e.kind && flags == e.flags && id == e.id && name.equals(e.name)
                && contentType == e.contentType && Arrays.equals(body, e.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, flags, id, name, contentType, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "Envelope[kind=" + kind + ", flags=" + flags + ", id=" + id + ", name=" + name + ", contentType="
                + contentType + ", body=" + body.length + " bytes]";
    }

    /** Bytes that are not a readable envelope; the message says what is wrong. */
    public static final class MalformedEnvelopeException extends DospException {
        private static final long serialVersionUID = 1L;

        /** An envelope that cannot be read, for {@code message}. */
        public MalformedEnvelopeException(String message) {
            super(message);
        }
    }
}
