package io.dosp.client;

import io.dosp.protocol.Vip;
import java.util.Objects;

/**
 * What a client watches the presence of ({@link DospNetwork#watch}): a vIP, a name or a group, anywhere in the
 * federation.
 *
 * @param kind  what {@code value} is
 * @param value the vIP in dotted form, the name, or the group's name
 */
public record PresenceTarget(Kind kind, String value) {
    /** What a presence target is. */
    public enum Kind {
        /** A vIP: joined when a client holds it, left when its holder goes. */
        VIP,
        /** A registered name: joined when a client registers it, left when it is given up or its holder goes. */
        NAME,
        /** A group: an event for each member joining or leaving it. */
        GROUP
    }

    /** Checks the fields. */
    public PresenceTarget {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a presence target needs a value");
        }
    }

    /** The vIP {@code vip}. */
    public static PresenceTarget vip(Vip vip) {
        return new PresenceTarget(Kind.VIP, vip.toString());
    }

    /** The name {@code name}. */
    public static PresenceTarget name(String name) {
        return new PresenceTarget(Kind.NAME, name);
    }

    /** The group {@code group}. */
    public static PresenceTarget group(String group) {
        return new PresenceTarget(Kind.GROUP, group);
    }

    /**
     * What the CLI's {@code /watch} takes: a dotted vIP, {@code #group} or {@code group:NAME} for a group,
     * {@code name:NAME} or anything else for a name.
     */
    public static PresenceTarget parse(String text) {
        String t = text.strip();
        if (t.startsWith("group:")) {
            return group(t.substring(6));
        }
        if (t.startsWith("#")) {
            return group(t.substring(1));
        }
        if (t.startsWith("name:")) {
            return name(t.substring(5));
        }
        if (t.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return vip(Vip.parse(t));
        }
        return name(t);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + value;
    }
}
