package io.dosp.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a peer offers, as its {@code $discover} answer says ({@code docs/messaging.md} §3): its methods with their
 * parameters and result, its message handlers with their payload type, its stream handlers. Types are the small
 * JSON-schema subset of that page, as {@link JsonNode}s ({@code {"type": "integer"}} ...).
 *
 * @param methods  the callable methods
 * @param handlers the message handlers
 * @param streams  the stream handlers' names
 * @param json     the answer as it came
 */
public record Schema(List<Method> methods, List<MessageType> handlers, List<String> streams, JsonNode json) {

    /** Copies the lists. */
    public Schema {
        methods = List.copyOf(methods);
        handlers = List.copyOf(handlers);
        streams = List.copyOf(streams);
    }

    /**
     * A method.
     *
     * @param name   its name
     * @param params its positional parameters
     * @param result its result's type
     */
    public record Method(String name, List<Param> params, JsonNode result) {
        /** Copies the list. */
        public Method {
            params = List.copyOf(params);
        }
    }

    /**
     * A parameter.
     *
     * @param name its name
     * @param type its type
     */
    public record Param(String name, JsonNode type) {
    }

    /**
     * A message handler.
     *
     * @param name its name
     * @param type its payload's type
     */
    public record MessageType(String name, JsonNode type) {
    }

    /** The method named {@code name}, if offered. */
    public java.util.Optional<Method> method(String name) {
        return methods.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** Reads a {@code $discover} answer; what is missing or not of the right shape is left out. */
    public static Schema of(JsonNode json) {
        List<Method> ms = new ArrayList<>();
        for (JsonNode m : json.path("methods")) {
            if (!m.path("name").isTextual()) {
                continue;
            }
            List<Param> ps = new ArrayList<>();
            for (JsonNode p : m.path("params")) {
                JsonNode type = p.deepCopy();
                if (type instanceof ObjectNode o) {
                    o.remove("name");
                }
                ps.add(new Param(p.path("name").asText(""), type));
            }
            ms.add(new Method(m.path("name").asText(), ps, m.path("result")));
        }
        List<MessageType> hs = new ArrayList<>();
        for (JsonNode h : json.path("handlers")) {
            if (h.path("name").isTextual()) {
                hs.add(new MessageType(h.path("name").asText(), h.path("type")));
            }
        }
        List<String> ss = new ArrayList<>();
        for (JsonNode s : json.path("streams")) {
            if (s.isTextual()) {
                ss.add(s.asText());
            }
        }
        return new Schema(ms, hs, ss, json);
    }
}
