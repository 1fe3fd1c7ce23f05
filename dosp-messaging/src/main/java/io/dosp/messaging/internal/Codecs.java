package io.dosp.messaging.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.dosp.messaging.Codec;
import io.dosp.protocol.Envelope;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** The four codecs of {@link Codec} and the lookup by content type. Thread-safe, immutable. */
public final class Codecs {
    private Codecs() {
    }

    /** Nesting a peer's body may have: far beyond any real payload, far below a stack overflow. */
    static final int MAX_NESTING = 64;

    /** The default JSON codec. */
    public static final JacksonCodec JSON = new JacksonCodec(Envelope.JSON, "json", configure(new ObjectMapper()));
    /** The MessagePack codec. */
    public static final JacksonCodec MSGPACK = new JacksonCodec(Envelope.MSGPACK, "msgpack",
            // msgpack-jackson's parser answers a look past the value with EOF rather than no token: no trailing check
            configure(new ObjectMapper(new MessagePackFactory())).disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
    /** Raw bytes. */
    public static final Codec RAW = new RawCodec();
    /** UTF-8 text. */
    public static final Codec TEXT = new TextCodec();

    private static ObjectMapper configure(ObjectMapper m) {
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build());
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        m.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        return m;
    }

    /** A JSON codec over the application's {@code mapper}. */
    public static JacksonCodec json(ObjectMapper mapper) {
        return new JacksonCodec(Envelope.JSON, "json", mapper);
    }

    /**
     * The codec to read a body of {@code contentType} with: {@code preferred} when it is of that type (the
     * application's JSON mapper), else the built-in one; null for a content type this build does not read.
     */
    public static Codec forContentType(int contentType, Codec preferred) {
        if (preferred != null && preferred.contentType() == contentType) {
            return preferred;
        }
        return switch (contentType) {
            case Envelope.JSON -> JSON;
            case Envelope.MSGPACK -> MSGPACK;
            case Envelope.RAW -> RAW;
            case Envelope.TEXT -> TEXT;
            default -> null;
        };
    }

    /** JSON or MessagePack through a Jackson mapper: the codecs calls use (argument arrays, results). */
    public static final class JacksonCodec implements Codec {
        private final int contentType;
        private final String name;
        private final ObjectMapper mapper;

        JacksonCodec(int contentType, String name, ObjectMapper mapper) {
            this.contentType = contentType;
            this.name = name;
            this.mapper = mapper;
        }

        /** The mapper. */
        public ObjectMapper mapper() {
            return mapper;
        }

        @Override
        public int contentType() {
            return contentType;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public byte[] encode(Object value) {
            try {
                return mapper.writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot write " + (value == null ? "null" : value.getClass().getName())
                        + " as " + name + ": " + e.getOriginalMessage(), e);
            }
        }

        @Override
        public Object decode(byte[] body, Type type) {
            try {
                return mapper.readValue(body, mapper.constructType(type));
            } catch (IOException e) {
                throw new IllegalArgumentException(describe(e), e);
            }
        }

        /** The body as a tree (an argument array is read this way, then each element as its parameter's type). */
        public JsonNode tree(byte[] body) throws IOException {
            return mapper.readTree(body);
        }

        /** {@code node} as {@code type}. */
        public Object convert(JsonNode node, Type type) throws IOException {
            JavaType t = mapper.constructType(type);
            return mapper.treeToValue(node, t);
        }

        /** An array of {@code values}, encoded. */
        public byte[] encodeArray(Object[] values) {
            ArrayNode a = mapper.createArrayNode();
            for (Object v : values == null ? new Object[0] : values) {
                JsonNode n = mapper.valueToTree(v);
                a.add(n == null ? mapper.nullNode() : n);
            }
            try {
                return mapper.writeValueAsBytes(a);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot write the arguments as " + name + ": " + e.getOriginalMessage(), e);
            }
        }

        static String describe(IOException e) {
            return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        }
    }

    private static final class RawCodec implements Codec {
        @Override
        public int contentType() {
            return Envelope.RAW;
        }

        @Override
        public String name() {
            return "raw";
        }

        @Override
        public byte[] encode(Object value) {
            if (value instanceof byte[] b) {
                return b.clone();
            }
            throw new IllegalArgumentException("the raw codec writes byte[] only, not "
                    + (value == null ? "null" : value.getClass().getName()));
        }

        @Override
        public Object decode(byte[] body, Type type) {
            if (type == byte[].class || type == Object.class) {
                return body.clone();
            }
            throw new IllegalArgumentException("a raw body reads as byte[] only, not " + type.getTypeName());
        }
    }

    private static final class TextCodec implements Codec {
        @Override
        public int contentType() {
            return Envelope.TEXT;
        }

        @Override
        public String name() {
            return "text";
        }

        @Override
        public byte[] encode(Object value) {
            if (value instanceof CharSequence s) {
                return s.toString().getBytes(StandardCharsets.UTF_8);
            }
            throw new IllegalArgumentException("the text codec writes CharSequence only, not "
                    + (value == null ? "null" : value.getClass().getName()));
        }

        @Override
        public Object decode(byte[] body, Type type) {
            if (type != String.class && type != Object.class && type != CharSequence.class) {
                throw new IllegalArgumentException("a text body reads as String only, not " + type.getTypeName());
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("a text body that is not UTF-8");
            }
        }
    }
}
