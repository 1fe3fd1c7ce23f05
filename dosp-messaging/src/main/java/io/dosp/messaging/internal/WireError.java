package io.dosp.messaging.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.RpcException;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.io.IOException;

/**
 * The body of an ERROR envelope ({@code docs/messaging.md} §2): {@code {"code", "message", "field"}}, always JSON.
 * Messages are cut to {@value #MAX_MESSAGE} characters both ways: a peer's text never grows without bound.
 *
 * @param code    the wire code
 * @param message the text (a handler's exception message, never a stack trace)
 * @param field   the bad argument for {@code BAD_ARGUMENTS}, else null
 */
public record WireError(String code, String message, String field) {
    /** The longest message kept. */
    public static final int MAX_MESSAGE = 1000;

    /** Cuts the texts. */
    public WireError {
        message = cut(message == null ? "" : message);
        field = field == null ? null : cut(field);
    }

    private static String cut(String s) {
        return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
    }

    /** The error for {@code code} (a wire code). */
    public static WireError of(ErrorCode code, String message) {
        return new WireError(code.name(), message, null);
    }

    /** What a handler's failure {@code t} is sent as: its own code when it is an RpcException with a wire code. */
    public static WireError ofFailure(Throwable t) {
        if (t instanceof RpcException r && r.code().onWire() && r.code() != ErrorCode.UNKNOWN) {
            return new WireError(r.code().name(), r.getMessage(), r.field().orElse(null));
        }
        String m = t.getMessage();
        return new WireError(ErrorCode.HANDLER_FAILED.name(), m == null ? t.getClass().getSimpleName() : m, null);
    }

    /** The ERROR envelope answering {@code id}. */
    public Envelope envelope(long id) {
        ObjectNode n = Codecs.JSON.mapper().createObjectNode();
        n.put("code", code);
        n.put("message", message);
        if (field != null) {
            n.put("field", field);
        }
        return new Envelope(Envelope.ERROR, Envelope.FLAG_REPLY, id, "", Envelope.JSON, Codecs.JSON.encode(n));
    }

    /** Reads an ERROR body; an unreadable one becomes {@code UNKNOWN} with a message saying so. */
    public static WireError parse(Envelope e) {
        if (e.contentType() == Envelope.JSON) {
            try {
                JsonNode n = Codecs.JSON.tree(e.bodyBytes());
                if (n != null && n.isObject() && n.path("code").isTextual()) {
                    return new WireError(n.path("code").asText(), n.path("message").asText(""),
                            n.path("field").isTextual() ? n.path("field").asText() : null);
                }
            } catch (IOException ignored) {
                // unreadable: below
            }
        }
        return new WireError("UNKNOWN", "an unreadable ERROR body", null);
    }

    /** This error as the exception a caller gets. */
    public RpcException toException(Vip peer, String what) {
        ErrorCode c = ErrorCode.ofWire(code);
        return new RpcException(c, code, what + " failed at " + peer + ": " + code
                + (message.isEmpty() ? "" : ": " + message) + (field == null ? "" : " (field " + field + ")"),
                field, peer, null);
    }
}
