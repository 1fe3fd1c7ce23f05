package io.dosp.messaging.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The documented checks of decoded arguments (see {@code io.dosp.messaging.Nullable}): a value is non-null unless
 * annotated {@code Nullable} (any annotation of that simple name), and so is every component of a record, through
 * nested records, collections' elements and maps' values. Returns the path of the first null found.
 */
public final class Checks {
    private static final int MAX_DEPTH = Codecs.MAX_NESTING;

    private Checks() {
    }

    /** Whether {@code element} (a parameter, a record component) is annotated with an annotation named Nullable. */
    public static boolean nullable(AnnotatedElement element) {
        for (Annotation a : element.getAnnotations()) {
            if (a.annotationType().getSimpleName().equals("Nullable")) {
                return true;
            }
        }
        if (element instanceof java.lang.reflect.Parameter p) {
            return hasNullable(p.getAnnotatedType().getAnnotations());
        }
        if (element instanceof RecordComponent c) {
            return hasNullable(c.getAnnotatedType().getAnnotations());
        }
        return false;
    }

    private static boolean hasNullable(Annotation[] as) {
        for (Annotation a : as) {
            if (a.annotationType().getSimpleName().equals("Nullable")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The path ({@code name} or {@code name.component...}) of the first null in {@code value} that is not allowed,
     * or empty when there is none.
     */
    public static Optional<String> firstNull(String name, Object value, boolean allowNull) {
        if (value == null) {
            return allowNull ? Optional.empty() : Optional.of(name);
        }
        return inside(name, value, 0, new IdentityHashMap<>());
    }

    private static Optional<String> inside(String path, Object value, int depth, Map<Object, Boolean> seen) {
        if (depth > MAX_DEPTH || seen.put(value, Boolean.TRUE) != null) {
            return Optional.empty();
        }
        Class<?> c = value.getClass();
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                Object v;
                try {
                    rc.getAccessor().setAccessible(true);
                    v = rc.getAccessor().invoke(value);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    continue; // not readable here: nothing to check
                }
                String p = path + "." + rc.getName();
                if (v == null) {
                    if (!nullable(rc) && rc.getType() != Optional.class) {
                        return Optional.of(p);
                    }
                    continue;
                }
                Optional<String> bad = inside(p, v, depth + 1, seen);
                if (bad.isPresent()) {
                    return bad;
                }
            }
        } else if (value instanceof Collection<?> col) {
            int i = 0;
            for (Object v : col) {
                if (v != null) {
                    Optional<String> bad = inside(path + "[" + i + "]", v, depth + 1, seen);
                    if (bad.isPresent()) {
                        return bad;
                    }
                }
                i++;
            }
        } else if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getValue() != null) {
                    Optional<String> bad = inside(path + "." + e.getKey(), e.getValue(), depth + 1, seen);
                    if (bad.isPresent()) {
                        return bad;
                    }
                }
            }
        }
        return Optional.empty();
    }
}
