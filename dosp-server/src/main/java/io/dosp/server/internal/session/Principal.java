package io.dosp.server.internal.session;

import java.util.Optional;
import java.util.Set;

/**
 * Who a session is under client admission: a logged-in user (its name, groups and the Ed25519 identity key it proved
 * at login, if any), or an anonymous client admitted without login. A session without a principal has not logged in
 * and is not routable. Immutable.
 *
 * @param user        the user name; empty for {@link #ANONYMOUS}
 * @param groups      the user's groups
 * @param admin       whether the user is an admin
 * @param identityKey the raw 32-byte Ed25519 key it proved at login, or null
 */
public record Principal(String user, Set<String> groups, boolean admin, byte[] identityKey) {
    /** A client admitted without login ({@code admission.allowAnonymous}). */
    public static final Principal ANONYMOUS = new Principal("", Set.of(), false, null);

    /** Copies the groups and key. */
    public Principal {
        groups = Set.copyOf(groups);
        identityKey = identityKey == null ? null : identityKey.clone();
    }

    /** Whether this is an anonymous client. */
    public boolean anonymous() {
        return user.isEmpty();
    }

    /** The identity key it proved, copied. */
    public Optional<byte[]> identity() {
        return identityKey == null ? Optional.empty() : Optional.of(identityKey.clone());
    }

    @Override
    public byte[] identityKey() {
        return identityKey == null ? null : identityKey.clone();
    }

    @Override
    public String toString() {
        return anonymous() ? "anonymous" : "user " + user;
    }
}
