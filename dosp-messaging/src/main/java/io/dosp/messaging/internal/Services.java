package io.dosp.messaging.internal;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.messaging.CallContext;
import io.dosp.messaging.Handler;
import io.dosp.messaging.MessageHandler;
import io.dosp.messaging.Rpc;
import io.dosp.messaging.RpcException;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a messenger offers: message handlers and callable methods by name, from {@code on(...)} and from annotated
 * service objects ({@link Handler}, {@link Rpc}), with the argument decoding and checks of a call and the schema
 * {@code $discover} answers. Thread-safe (registration may happen while calls run).
 */
public final class Services {
    private final Map<String, HandlerEntry> handlers = new ConcurrentHashMap<>();
    private final Map<String, MethodEntry> methods = new ConcurrentHashMap<>();

    /** A message handler: the payload type and whether a null payload is allowed. */
    public record HandlerEntry(String name, Type payloadType, boolean nullable, MessageHandler<Object> handler) {
    }

    /** Checks a name given by the application: at most 255 UTF-8 bytes, not empty, not reserved. */
    public static String checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a message or method name must not be empty");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > Envelope.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("name longer than " + Envelope.MAX_NAME_BYTES + " UTF-8 bytes: " + name);
        }
        if (name.startsWith("$")) {
            throw new IllegalArgumentException("names starting with $ are reserved for the messaging layer: " + name);
        }
        return name;
    }

    /** Adds a handler of messages named {@code name}. */
    @SuppressWarnings("unchecked")
    public void on(String name, Type type, boolean nullable, MessageHandler<?> handler) {
        HandlerEntry e = new HandlerEntry(checkName(name), type, nullable, (MessageHandler<Object>) handler);
        if (handlers.putIfAbsent(name, e) != null) {
            throw new IllegalArgumentException("a handler of messages named " + name + " exists already");
        }
    }

    /** Removes the handler of {@code name}; whether there was one. */
    public boolean removeHandler(String name) {
        return handlers.remove(name) != null;
    }

    /** Adds a callable method. */
    public void add(MethodEntry m) {
        if (methods.putIfAbsent(m.name(), m) != null) {
            throw new IllegalArgumentException("a method named " + m.name() + " exists already");
        }
    }

    /** The handler of {@code name}, or null. */
    public HandlerEntry handler(String name) {
        return handlers.get(name);
    }

    /** The method of {@code name}, or null. */
    public MethodEntry method(String name) {
        return methods.get(name);
    }

    /**
     * Registers every {@link Handler} and {@link Rpc} method of {@code service} (its class and superclasses);
     * all or nothing.
     *
     * @throws IllegalArgumentException when it has none, a signature is wrong, a name is taken or bad
     */
    public void register(Object service) {
        List<HandlerEntry> hs = new ArrayList<>();
        List<MethodEntry> ms = new ArrayList<>();
        for (Class<?> c = service.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                Handler h = m.getAnnotation(Handler.class);
                Rpc r = m.getAnnotation(Rpc.class);
                if (h == null && r == null) {
                    continue;
                }
                if (h != null && r != null) {
                    throw new IllegalArgumentException(m + " is both @Handler and @Rpc");
                }
                if (!m.trySetAccessible()) {
                    throw new IllegalArgumentException(m + " is not accessible to io.dosp.messaging: make it public"
                            + " and its package exported (or opened) to io.dosp.messaging");
                }
                if (h != null) {
                    hs.add(handlerOf(service, m, h.value()));
                } else {
                    ms.add(MethodEntry.of(service, m, r.value().isEmpty() ? m.getName() : r.value()));
                }
            }
        }
        if (hs.isEmpty() && ms.isEmpty()) {
            throw new IllegalArgumentException(service.getClass().getName() + " has no @Handler or @Rpc method");
        }
        List<String> added = new ArrayList<>();
        try {
            for (HandlerEntry e : hs) {
                on(e.name(), e.payloadType(), e.nullable(), e.handler());
                added.add("h:" + e.name());
            }
            for (MethodEntry e : ms) {
                add(e);
                added.add("m:" + e.name());
            }
        } catch (IllegalArgumentException e) {
            for (String a : added) {
                if (a.startsWith("h:")) {
                    handlers.remove(a.substring(2));
                } else {
                    methods.remove(a.substring(2));
                }
            }
            throw e;
        }
    }

    private static HandlerEntry handlerOf(Object target, Method m, String name) {
        Parameter[] ps = m.getParameters();
        boolean withVip = ps.length == 2 && ps[0].getType() == Vip.class;
        if (!(ps.length == 1 || withVip)) {
            throw new IllegalArgumentException("@Handler " + m + " must take (payload) or (Vip from, payload)");
        }
        Parameter payload = ps[ps.length - 1];
        MessageHandler<Object> h = (from, value) -> invoke(target, m, withVip ? new Object[] {from, value} : new Object[] {value});
        return new HandlerEntry(checkName(name), payload.getParameterizedType(), Checks.nullable(payload), h);
    }

    static Object invoke(Object target, Method m, Object[] args) throws Exception {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof Exception x) {
                throw x;
            }
            throw new RuntimeException(t.getMessage(), t);
        }
    }

    /** The schema {@code $discover} answers ({@code docs/messaging.md} §3), with {@code streams} handler names. */
    public ObjectNode schema(Collection<String> streams) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode s = f.objectNode();
        ArrayNode ms = s.putArray("methods");
        methods.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(m -> {
            ObjectNode n = ms.addObject();
            n.put("name", m.name());
            ArrayNode ps = n.putArray("params");
            for (int i = 0; i < m.params.length; i++) {
                ObjectNode p = SchemaTypes.of(m.params[i]);
                ObjectNode named = ps.addObject();
                named.put("name", m.names[i]);
                named.setAll(p);
            }
            n.set("result", SchemaTypes.of(m.result));
        });
        ArrayNode hs = s.putArray("handlers");
        handlers.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(h -> {
            ObjectNode n = hs.addObject();
            n.put("name", h.name());
            n.set("type", SchemaTypes.of(h.payloadType()));
        });
        ArrayNode ss = s.putArray("streams");
        streams.stream().sorted().forEach(ss::add);
        return s;
    }

    /** A callable method: its target, parameters (names, types, nullability) and result type. */
    public static final class MethodEntry {
        private final String name;
        private final Object target;
        private final Method method;
        private final boolean context;
        final Type[] params;
        final String[] names;
        private final boolean[] nullable;
        final Type result;

        private MethodEntry(String name, Object target, Method method, boolean context, Type[] params, String[] names,
                boolean[] nullable, Type result) {
            this.name = checkName(name);
            this.target = target;
            this.method = method;
            this.context = context;
            this.params = params;
            this.names = names;
            this.nullable = nullable;
            this.result = result;
        }

        static MethodEntry of(Object target, Method m, String name) {
            Parameter[] ps = m.getParameters();
            boolean ctx = ps.length > 0 && ps[0].getType() == CallContext.class;
            int n = ps.length - (ctx ? 1 : 0);
            Type[] types = new Type[n];
            String[] names = new String[n];
            boolean[] nullable = new boolean[n];
            for (int i = 0; i < n; i++) {
                Parameter p = ps[i + (ctx ? 1 : 0)];
                types[i] = p.getParameterizedType();
                names[i] = p.getName();
                nullable[i] = Checks.nullable(p) && !p.getType().isPrimitive();
            }
            Type result = m.getGenericReturnType();
            if (result instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> raw
                    && CompletionStage.class.isAssignableFrom(raw)) {
                result = pt.getActualTypeArguments()[0];
            }
            return new MethodEntry(name, target, m, ctx, types, names, nullable, result);
        }

        /** The name callers use. */
        public String name() {
            return name;
        }

        /**
         * Decodes a REQUEST's body (an array) to this method's arguments and checks them.
         *
         * @throws RpcException {@code BAD_ARGUMENTS} naming the first bad argument
         */
        public Object[] decodeArgs(Codecs.JacksonCodec codec, byte[] body) {
            JsonNode tree;
            try {
                tree = codec.tree(body);
            } catch (IOException e) {
                throw RpcException.badArguments("arguments", "the arguments do not read as " + codec.name() + ": "
                        + Codecs.JacksonCodec.describe(e));
            }
            if (tree == null || !tree.isArray()) {
                throw RpcException.badArguments("arguments", "the arguments are not an array");
            }
            if (tree.size() > params.length) {
                throw RpcException.badArguments("arguments", tree.size() + " arguments for " + params.length
                        + " parameter(s) of " + name);
            }
            Object[] args = new Object[params.length];
            for (int i = 0; i < params.length; i++) {
                JsonNode node = tree.get(i);
                if (node == null || node.isNull()) {
                    if (!nullable[i]) {
                        throw RpcException.badArguments(names[i], node == null ? "argument " + names[i] + " is missing"
                                : "argument " + names[i] + " is null");
                    }
                    continue;
                }
                try {
                    args[i] = codec.convert(node, params[i]);
                } catch (ValueInstantiationException e) {
                    Throwable c = e.getCause() != null ? e.getCause() : e;
                    throw RpcException.badArguments(path(names[i], e), "argument " + names[i] + " is not valid: "
                            + (c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()));
                } catch (IOException | IllegalArgumentException e) {
                    throw RpcException.badArguments(path(names[i], e), "argument " + names[i] + " does not read as "
                            + params[i].getTypeName() + ": " + (e instanceof IOException io ? Codecs.JacksonCodec.describe(io)
                            : e.getMessage()));
                }
                Optional<String> bad = Checks.firstNull(names[i], args[i], nullable[i]);
                if (bad.isPresent()) {
                    throw RpcException.badArguments(bad.get(), bad.get() + " is null");
                }
            }
            return args;
        }

        private static String path(String arg, Exception e) {
            JsonMappingException j = e instanceof JsonMappingException m ? m
                    : e.getCause() instanceof JsonMappingException m2 ? m2 : null;
            if (j == null) {
                return arg;
            }
            StringBuilder b = new StringBuilder(arg);
            for (JsonMappingException.Reference r : j.getPath()) {
                if (r.getFieldName() != null) {
                    b.append('.').append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    b.append('[').append(r.getIndex()).append(']');
                }
            }
            return b.toString();
        }

        /** Runs the method; the stage completes with its result (a returned stage is followed). */
        public CompletionStage<Object> invoke(CallContext ctx, Object[] args) {
            Object[] all = args;
            if (context) {
                all = new Object[args.length + 1];
                all[0] = ctx;
                System.arraycopy(args, 0, all, 1, args.length);
            }
            try {
                Object r = Services.invoke(target, method, all);
                if (r instanceof CompletionStage<?> s) {
                    @SuppressWarnings("unchecked")
                    CompletionStage<Object> st = (CompletionStage<Object>) s;
                    return st;
                }
                return CompletableFuture.completedFuture(r);
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }
}
