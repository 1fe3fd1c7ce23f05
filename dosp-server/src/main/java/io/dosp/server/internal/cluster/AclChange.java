package io.dosp.server.internal.cluster;

import java.util.Objects;

/**
 * One cluster-wide access-list entry: added ({@code present}) or removed. {@code subject} is a machine hash
 * (normalised: trimmed, lower case) for {@link Kind#BAN} and {@link Kind#WHITELIST}, a vIP in dotted form for
 * {@link Kind#BLOCK}, a user name of client admission for {@link Kind#REVOKE}, and {@code "on"} for
 * {@link Kind#WHITELIST_MODE} (present = whitelist mode on).
 *
 * @param kind    which list
 * @param subject what the entry names
 * @param present true when it is added (or the mode turned on), false when it is removed
 */
public record AclChange(Kind kind, String subject, boolean present) {

    /** The lists an admin command changes. */
    public enum Kind {
        /** {@code ban <vip>} (its client's hash) / {@code unban <hash>}. */
        BAN,
        /** {@code whitelist <hash>} / {@code whitelist-remove <hash>}. */
        WHITELIST,
        /** {@code whitelist-on} / {@code whitelist-off}. */
        WHITELIST_MODE,
        /** {@code block <vip>} / {@code unblock <vip>}. */
        BLOCK,
        /** {@code revoke <user>} / {@code unrevoke <user>} (client admission). */
        REVOKE
    }

    /** Checks the parts are there. */
    public AclChange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
    }
}
