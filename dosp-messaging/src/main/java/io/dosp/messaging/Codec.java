package io.dosp.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dosp.messaging.internal.Codecs;
import java.lang.reflect.Type;

/**
 * How a payload becomes an envelope's body and back, named by the envelope's content type byte
 * ({@code docs/messaging.md} §1): {@link #json()} (the default), {@link #msgpack()}, {@link #raw()} (bytes as they
 * are) and {@link #text()} (UTF-8). A receiver reads a body by the content type the sender wrote, whatever its own
 * default. Calls (REQUEST, RESPONSE) use JSON or MessagePack; raw and text are for messages whose payload is a
 * {@code byte[]} or a {@code String}. Thread-safe.
 */
public interface Codec {
    /** The content type byte ({@code io.dosp.protocol.Envelope.RAW}, {@code JSON}, {@code MSGPACK} or {@code TEXT}). */
    int contentType();

    /** A short name ({@code json}, {@code msgpack}, {@code raw}, {@code text}). */
    String name();

    /**
     * The body for {@code value}.
     *
     * @throws IllegalArgumentException when {@code value} cannot be written by this codec
     */
    byte[] encode(Object value);

    /**
     * {@code body} read as {@code type} ({@code Object.class} for the codec's natural value).
     *
     * @throws IllegalArgumentException when it does not read as {@code type}; the message says where
     */
    Object decode(byte[] body, Type type);

    /** JSON through Jackson (unknown properties refused, nesting bounded). */
    static Codec json() {
        return Codecs.JSON;
    }

    /** JSON through {@code mapper} (configured by the application; the messaging layer does not change it). */
    static Codec json(ObjectMapper mapper) {
        return Codecs.json(mapper);
    }

    /** MessagePack through Jackson ({@code org.msgpack:jackson-dataformat-msgpack}). */
    static Codec msgpack() {
        return Codecs.MSGPACK;
    }

    /** Bytes as they are: writes a {@code byte[]}, reads a {@code byte[]}. */
    static Codec raw() {
        return Codecs.RAW;
    }

    /** UTF-8 text: writes a {@link CharSequence}, reads a {@code String}. */
    static Codec text() {
        return Codecs.TEXT;
    }
}
