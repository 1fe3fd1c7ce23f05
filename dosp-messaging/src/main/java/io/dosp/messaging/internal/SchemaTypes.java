package io.dosp.messaging.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Java type as the small JSON-schema subset of {@code docs/messaging.md} §3: {@code integer}, {@code number},
 * {@code string}, {@code boolean}, {@code null}, {@code array} with {@code items}, {@code object} with
 * {@code properties}, {@code bytes}. Recursive records end in a plain {@code object}.
 */
public final class SchemaTypes {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private SchemaTypes() {
    }

    /** The schema of {@code type}. */
    public static ObjectNode of(Type type) {
        return of(type, new HashSet<>());
    }

    private static ObjectNode of(Type type, Set<Type> seen) {
        ObjectNode n = F.objectNode();
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] args = p.getActualTypeArguments();
            if (Collection.class.isAssignableFrom(raw)) {
                n.put("type", "array");
                n.set("items", of(args[0], seen));
                return n;
            }
            if (Map.class.isAssignableFrom(raw)) {
                n.put("type", "object");
                n.set("additionalProperties", of(args[1], seen));
                return n;
            }
            if (raw == Optional.class) {
                return of(args[0], seen);
            }
            return of(raw, seen);
        }
        if (type instanceof GenericArrayType g) {
            n.put("type", "array");
            n.set("items", of(g.getGenericComponentType(), seen));
            return n;
        }
        if (!(type instanceof Class<?> c)) {
            n.put("type", "object");
            return n;
        }
        if (c == void.class || c == Void.class) {
            n.put("type", "null");
        } else if (c == byte[].class) {
            n.put("type", "bytes");
        } else if (c == int.class || c == long.class || c == short.class || c == byte.class || c == Integer.class
                || c == Long.class || c == Short.class || c == Byte.class || c == BigInteger.class) {
            n.put("type", "integer");
        } else if (c == double.class || c == float.class || c == Double.class || c == Float.class || c == BigDecimal.class) {
            n.put("type", "number");
        } else if (c == boolean.class || c == Boolean.class) {
            n.put("type", "boolean");
        } else if (c == String.class || c == char.class || c == Character.class || CharSequence.class.isAssignableFrom(c)) {
            n.put("type", "string");
        } else if (c.isEnum()) {
            n.put("type", "string");
            var values = n.putArray("enum");
            for (Object e : c.getEnumConstants()) {
                values.add(((Enum<?>) e).name());
            }
        } else if (c.isArray()) {
            n.put("type", "array");
            n.set("items", of(c.getComponentType(), seen));
        } else if (Collection.class.isAssignableFrom(c)) {
            n.put("type", "array");
        } else if (c.isRecord() && seen.add(c)) {
            n.put("type", "object");
            ObjectNode props = n.putObject("properties");
            for (RecordComponent rc : c.getRecordComponents()) {
                props.set(rc.getName(), of(rc.getGenericType(), seen));
            }
            seen.remove(c);
        } else {
            n.put("type", "object");
        }
        return n;
    }
}
