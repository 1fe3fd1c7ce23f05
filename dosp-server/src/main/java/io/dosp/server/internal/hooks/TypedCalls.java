package io.dosp.server.internal.hooks;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.internal.FlatJson;
import io.dosp.protocol.internal.LogText;
import io.dosp.server.BadArgumentsException;
import io.dosp.server.Functions;
import io.dosp.server.ServerFunction;
import io.dosp.server.TypedFunction;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.ext.ClientExtensions;
import io.dosp.server.internal.session.ClientSession;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feature {@code functions} of the client extension: server functions with arguments. An EXT FN_CALL carries an
 * envelope REQUEST (function name, the caller's call id, the arguments as a JSON or MessagePack array); it is checked
 * here on the event loop (envelope, kind, content type, {@link Functions#maxArgumentBytes()}, the name) and run
 * through {@link FunctionCalls} like a bare FN: the same per-client cap, global bound, timeout and interrupt, only
 * answered with an EXT FN_REPLY envelope (RESPONSE, or ERROR with a {@code docs/messaging.md} code) carrying the
 * call's id. {@code $discover} is answered at once with the schema of every function ({@link ServerHooks#schema()}).
 * A bare {@link ServerFunction} may be called this way with no arguments; its text comes back as a string value.
 *
 * <p>Stateless; called on each session's event loop.
 */
final class TypedCalls implements ClientExtensions.Feature {
    private static final Logger LOG = LoggerFactory.getLogger(TypedCalls.class);
    static final String DISCOVER = "$discover";

    private final ServerHooks hooks;
    private final FunctionCalls calls;
    private final int maxArgumentBytes;
    private final int maxResultBytes;
    private final LogLimiter badLog;
    private final PeerLog log;

    TypedCalls(ServerHooks hooks, FunctionCalls calls, Functions config, PeerLog log) {
        this.hooks = hooks;
        this.calls = calls;
        this.maxArgumentBytes = config.maxArgumentBytes();
        this.maxResultBytes = config.maxResultBytes();
        this.log = log;
        this.badLog = log.limiter("function.bad-call");
    }

    @Override
    public String name() {
        return Ext.FEATURE_FUNCTIONS;
    }

    @Override
    public void onFrame(ClientSession session, int kind, SimplePacket frame) {
        if (kind != Ext.FN_CALL) {
            session.deliver(Packets.err(ErrCode.UKNP, "EXT kind 0x" + String.format("%02X", kind)
                    + " of feature 'functions' is not one a client sends (FN_CALL is 0x40)"));
            return;
        }
        byte[] payload = Ext.payload(frame);
        Envelope call;
        try {
            call = Envelope.decode(payload);
        } catch (Envelope.MalformedEnvelopeException e) {
            if (Envelope.isEnvelope(payload) && payload.length >= Envelope.HEADER_BYTES) {
                // A readable id (a later version, a kind or content type we do not know): answer it.
                long id = ((payload[3] & 0xFFL) << 24) | ((payload[4] & 0xFFL) << 16) | ((payload[5] & 0xFFL) << 8)
                        | (payload[6] & 0xFFL);
                session.deliver(error(id, "UNSUPPORTED", e.getMessage(), null));
            } else {
                session.deliver(Packets.err(ErrCode.UKNP, "EXT FN_CALL: " + e.getMessage()));
            }
            noteBad(session, e.getMessage());
            return;
        }
        long id = call.id();
        if (call.kind() != Envelope.REQUEST || call.isReply()) {
            session.deliver(error(id, "UNSUPPORTED", "FN_CALL carries a REQUEST envelope, not kind " + call.kind()
                    + (call.isReply() ? " with REPLY" : ""), null));
            return;
        }
        if (call.contentType() != Envelope.JSON && call.contentType() != Envelope.MSGPACK) {
            session.deliver(error(id, "UNSUPPORTED", "arguments of content type " + call.contentType()
                    + ": a server function reads JSON (1) or MessagePack (2)", null));
            return;
        }
        if (call.bodyLength() > maxArgumentBytes) {
            session.deliver(error(id, "TOO_LARGE", "arguments of " + call.bodyLength() + " bytes: at most "
                    + maxArgumentBytes, null));
            return;
        }
        String name = call.name();
        if (DISCOVER.equals(name)) {
            byte[] schema = hooks.schema();
            session.deliver(schema.length > maxResultBytes
                    ? error(id, "TOO_LARGE", "the schema of " + schema.length + " bytes is over the result bound of "
                            + maxResultBytes, null)
                    : reply(new Envelope(Envelope.RESPONSE, Envelope.FLAG_REPLY, id, "", Envelope.JSON, schema)));
            return;
        }
        Object fn = hooks.lookup(name);
        if (fn == null) {
            session.deliver(error(id, "NO_SUCH_METHOD", "no server function '" + LogText.of(name, 64) + "'", null));
            return;
        }
        calls.submit(session, name, new TypedJob(name, id, call.contentType(), call.bodyBytes(), fn));
    }

    private void noteBad(ClientSession session, String why) {
        if (badLog.allow()) {
            LOG.info("Unreadable FN_CALL from {}: {}{}", session, log.text(why), badLog.heldBackNote());
        }
    }

    static Packet reply(Envelope e) {
        return Ext.frame(Ext.FN_REPLY, e.encode());
    }

    /** The most characters of an error message sent (a function's exception message may be long). */
    static final int MAX_MESSAGE = 1000;

    static Packet error(long id, String code, String message, String field) {
        String m = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message;
        String f = field != null && field.length() > 200 ? field.substring(0, 200) : field;
        return reply(new Envelope(Envelope.ERROR, Envelope.FLAG_REPLY, id, "", Envelope.JSON,
                FlatJson.errorObject(code, m, f)));
    }

    /** {@code text} as a string value in {@code contentType} (JSON or MessagePack). */
    static byte[] stringValue(int contentType, String text) {
        if (contentType == Envelope.JSON) {
            return FlatJson.quote(text).getBytes(StandardCharsets.UTF_8);
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int n = utf8.length;
        byte[] head;
        if (n < 32) {
            head = new byte[] {(byte) (0xA0 | n)};
        } else if (n < 0x100) {
            head = new byte[] {(byte) 0xD9, (byte) n};
        } else if (n < 0x10000) {
            head = new byte[] {(byte) 0xDA, (byte) (n >>> 8), (byte) n};
        } else {
            head = new byte[] {(byte) 0xDB, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        }
        byte[] out = Arrays.copyOf(head, head.length + n);
        System.arraycopy(utf8, 0, out, head.length, n);
        return out;
    }

    /** One typed call: runs a {@link TypedFunction} (or a bare function with no arguments) and answers envelopes. */
    private final class TypedJob implements FunctionCalls.Job {
        private final String name;
        private final long id;
        private final int contentType;
        private final byte[] args;
        private final Object fn;

        TypedJob(String name, long id, int contentType, byte[] args, Object fn) {
            this.name = name;
            this.id = id;
            this.contentType = contentType;
            this.args = args;
            this.fn = fn;
        }

        @Override
        public Packet run(ClientSession caller) throws Exception {
            TypedFunction.Result r;
            if (fn instanceof TypedFunction t) {
                r = t.call(caller, new TypedFunction.Arguments(contentType, args.clone()));
                if (r == null) {
                    return error(id, "HANDLER_FAILED", "function '" + LogText.of(name, 64) + "' returned no result",
                            null);
                }
            } else {
                if (!FlatJson.isEmptyArray(contentType, args)) {
                    return error(id, "BAD_ARGUMENTS", "function '" + LogText.of(name, 64) + "' takes no arguments",
                            null);
                }
                String text = ((ServerFunction) fn).call(caller);
                r = new TypedFunction.Result(contentType, stringValue(contentType, text == null ? "" : text));
            }
            if (r.bytes().length > maxResultBytes) {
                return error(id, "TOO_LARGE", "the result of " + r.bytes().length + " bytes is over the bound of "
                        + maxResultBytes, null);
            }
            return reply(new Envelope(Envelope.RESPONSE, Envelope.FLAG_REPLY, id, "", r.contentType(), r.bytes()));
        }

        @Override
        public Packet failed(Exception e) {
            if (e instanceof BadArgumentsException b) {
                return error(id, "BAD_ARGUMENTS", message(e), b.field());
            }
            return error(id, "HANDLER_FAILED", message(e), null);
        }

        @Override
        public Packet internalError() {
            return error(id, "HANDLER_FAILED", "internal error", null);
        }

        @Override
        public Packet timedOut(String after) {
            return error(id, "TIMEOUT", "Function '" + LogText.of(name, 64) + "' timed out after " + after, null);
        }

        @Override
        public Packet refused(boolean tooMany, int perClient) {
            return error(id, "TOO_MANY_CALLS", tooMany ? "Too many function calls in flight: at most " + perClient
                    + " per client (wait for their answers)" : FunctionCalls.BUSY, null);
        }
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
