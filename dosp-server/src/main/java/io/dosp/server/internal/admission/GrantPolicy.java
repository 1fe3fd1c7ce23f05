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
    /** One principal of a grant, parsed once: the check on every S2C then compares without making strings. */
    private record Spec(Kind kind, String name) {
        enum Kind { ANY, ANONYMOUS, USER, GROUP, REMOTE, JOIN, SEND, NAME, NONE }

        static Spec parse(String p) {
            if (p.equals("*")) {
                return new Spec(Kind.ANY, "");
            }
            if (p.equals("anonymous")) {
                return new Spec(Kind.ANONYMOUS, "");
            }
            if (p.equals("remote")) {
                return new Spec(Kind.REMOTE, "");
            }
            if (p.startsWith("user:")) {
                return new Spec(Kind.USER, p.substring(5));
            }
            if (p.startsWith("group:")) {
                return new Spec(Kind.GROUP, p.substring(6));
            }
            if (p.startsWith("join:")) {
                return new Spec(Kind.JOIN, p.substring(5));
            }
            if (p.startsWith("send:")) {
                return new Spec(Kind.SEND, p.substring(5));
            }
            if (p.startsWith("name:")) {
                return new Spec(Kind.NAME, p.substring(5));
            }
            return new Spec(Kind.NONE, p);
        }

        boolean matches(Principal who) {
            return switch (kind) {
                case ANY -> true;
                case ANONYMOUS -> who.anonymous();
                case USER -> !who.anonymous() && who.user().equals(name);
                case GROUP -> !who.anonymous() && who.groups().contains(name);
                case REMOTE, JOIN, SEND, NAME, NONE -> false; // these name no client
            };
        }
    }

    /** A grant with its principals parsed. */
    private record Rule(List<Spec> from, List<Spec> to, boolean toRemote) {
        static Rule of(AdmissionConfig.Grant g) {
            List<Spec> to = g.to().stream().map(Spec::parse).toList();
            return new Rule(g.from().stream().map(Spec::parse).toList(), to,
                    to.stream().anyMatch(t -> t.kind() == Spec.Kind.REMOTE || t.kind() == Spec.Kind.ANY));
        }
    }

    private final List<Rule> rules;
    private final List<Rule> all;

    GrantPolicy(List<AdmissionConfig.Grant> grants) {
        this.all = grants.stream().map(Rule::of).toList();
        // S2C grants are those naming clients; join:/send:/name: grants alone leave S2C as open as before.
        this.rules = all.stream().filter(r -> r.to().stream().anyMatch(t -> t.kind() != Spec.Kind.JOIN
                && t.kind() != Spec.Kind.SEND && t.kind() != Spec.Kind.NAME)).toList();
    }

    /** Whether no grant is configured (everyone admitted reaches everyone admitted). */
    boolean open() {
        return rules.isEmpty();
    }

    /** What a network grant ({@code join:}, {@code send:}, {@code name:}) is about. */
    enum Use { JOIN, SEND, NAME }

    /**
     * Whether {@code from} may join or send to the group, or register the name, {@code object} (docs/network.md
     * "Client admission"): allowed while no grant of that kind exists; otherwise only what one allows. A pattern is
     * exact, {@code *}, or a prefix ending in {@code *}.
     */
    boolean allowsUse(Principal from, Use use, String object) {
        Spec.Kind kind = Spec.Kind.valueOf(use.name());
        boolean any = false;
        for (Rule r : all) {
            for (Spec t : r.to()) {
                if (t.kind() != kind) {
                    continue;
                }
                any = true;
                if (matchesAny(r.from(), from) && patternMatches(t.name(), object)) {
                    return true;
                }
            }
        }
        return !any;
    }

    private static boolean patternMatches(String pattern, String object) {
        if (pattern.endsWith("*")) {
            return object.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(object);
    }

    /** Whether {@code from} may send to {@code to}. */
    boolean allows(Principal from, Principal to) {
        if (rules.isEmpty()) {
            return true;
        }
        for (Rule r : rules) {
            if (matchesAny(r.from(), from) && matchesAny(r.to(), to)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code from} may send to destinations outside this server's template. */
    boolean allowsRemote(Principal from) {
        if (rules.isEmpty()) {
            return true;
        }
        for (Rule r : rules) {
            if (r.toRemote() && matchesAny(r.from(), from)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesAny(List<Spec> specs, Principal who) {
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).matches(who)) {
                return true;
            }
        }
        return false;
    }
}
