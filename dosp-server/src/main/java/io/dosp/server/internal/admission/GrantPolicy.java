package io.dosp.server.internal.admission;

import io.dosp.server.AdmissionConfig;
import io.dosp.server.internal.session.Principal;
import java.util.List;

/**
 * Whom an admitted client may send S2C to: with no grant configured everyone admitted may reach everyone admitted;
 * with grants, only what one of them allows (default deny). Principals: {@code user:NAME}, {@code group:NAME},
 * {@code anonymous}, {@code *}, and as a target {@code remote} (a destination outside this server's template).
 * Immutable and thread-safe.
 */
final class GrantPolicy {
    private final List<AdmissionConfig.Grant> grants;

    GrantPolicy(List<AdmissionConfig.Grant> grants) {
        this.grants = List.copyOf(grants);
    }

    /** Whether no grant is configured (everyone admitted reaches everyone admitted). */
    boolean open() {
        return grants.isEmpty();
    }

    /** Whether {@code from} may send to {@code to}. */
    boolean allows(Principal from, Principal to) {
        if (grants.isEmpty()) {
            return true;
        }
        for (AdmissionConfig.Grant g : grants) {
            if (matchesAny(g.from(), from) && matchesAny(g.to(), to)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code from} may send to destinations outside this server's template. */
    boolean allowsRemote(Principal from) {
        if (grants.isEmpty()) {
            return true;
        }
        for (AdmissionConfig.Grant g : grants) {
            if (matchesAny(g.from(), from) && (g.to().contains("remote") || g.to().contains("*"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesAny(List<String> principals, Principal who) {
        for (String p : principals) {
            if (matches(p, who)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String p, Principal who) {
        if (p.equals("*")) {
            return true;
        }
        if (p.equals("anonymous")) {
            return who.anonymous();
        }
        if (who.anonymous()) {
            return false;
        }
        if (p.startsWith("user:")) {
            return who.user().equals(p.substring(5));
        }
        if (p.startsWith("group:")) {
            return who.groups().contains(p.substring(6));
        }
        return false; // "remote" names no client
    }
}
