package io.dosp.messaging.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The few JSON bodies of streams: metadata, the result, the error object. */
final class Json {
    static final ObjectMapper MAPPER = Codecs.JSON.mapper();

    private Json() {
    }

    static byte[] write(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** The body as a JSON object, or null when it is not one. */
    static JsonNode readObject(byte[] body) {
        try {
            JsonNode n = MAPPER.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }
}
