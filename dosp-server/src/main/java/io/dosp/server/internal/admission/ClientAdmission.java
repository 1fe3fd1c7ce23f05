package io.dosp.server.internal.admission;

import io.dosp.crypto.Fingerprint;
import io.dosp.crypto.IdentityKey;
import io.dosp.crypto.Scram;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Login;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.AdmissionConfig;
import io.dosp.server.DropReason;
import io.dosp.server.Limits;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.access.AddressKey;
import io.dosp.server.internal.admin.AuthGuard;
import io.dosp.server.internal.ext.ClientExtensions;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.internal.session.Principal;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client admission on the server ({@link AdmissionConfig}): the login exchange (extension feature {@code auth},
 * required for every client that says HELLO), what a connection may do before it logs in, the grants between
 * principals, users' fixed vIPs and limits, revocation, and vouching (feature {@code vouch}). With admission off it
 * is inert: every check answers "allowed" at once and no feature is offered, so nothing changes for any client.
 *
 * <p>Before login a connection is not routable (no S2C to or from it) and may send only PING, EXIT and EXT HELLO or
 * auth frames; anything else ends it with EXIT {@code Login required}; no login within the login timeout ends it
 * with EXIT {@code Timed out waiting for login}. Failed logins are limited per address and per user name with the
 * AUTH guard's backoff and ban ({@code limits.authBackoff}, {@code limits.authBan}); a throttled attempt is refused
 * without checking its proof. An unknown user gets a challenge like any other (salt derived from a server secret and
 * the name, the iterations most users have) and fails at the proof, so user names cannot be probed.
 *
 * <p>Thread-safe: frames are handled on each session's event loop; revocation and listings come from admin threads.
 */
public final class ClientAdmission {
    private static final Logger LOG = LoggerFactory.getLogger(ClientAdmission.class);
    /** The reason of an S2C the grants refuse (ERR S2CF detail). */
    public static final String NOT_ALLOWED = "not allowed by the admission policy";
    /** The reason of an S2C to a connection that has not logged in. */
    public static final String NOT_LOGGED_IN = "destination has not logged in";
    private static final int SERVER_NONCE = 32;

    private final boolean enabled;
    private final AdmissionConfig config;
    private final Map<String, AdmissionConfig.User> users = new LinkedHashMap<>();
    private final GrantPolicy policy;
    private final VipTable<ClientSession> vips;
    private final Counters counters;
    private final Predicate<ClientSession> peerLink;
    private final AuthGuard<InetAddress> byAddress;
    private final AuthGuard<String> byUser;
    private final byte[] fakeSaltKey = new byte[32];
    /** The iterations an unknown user's challenge names: the most common among the users, so it looks like theirs. */
    private final int fakeIterations;
    private final SecureRandom random = new SecureRandom();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private final Map<ClientSession, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Set<ClientSession>> online = new ConcurrentHashMap<>();
    private final PeerLog log;
    private final LogLimiter failLog;
    private final LogLimiter loginLog;

    /** A login between its challenge and its proof. */
    private record Pending(String user, AdmissionConfig.User record, byte[] clientNonce, byte[] serverNonce, byte[] salt,
            int iterations, Vip vip) {
        byte[] authMessage() {
            return Login.authMessage(user, clientNonce, serverNonce, salt, iterations, vip);
        }
    }

    /**
     * Admission as {@code config} says, over the vIP table {@code vips}; {@code limits} gives the backoff and ban of
     * failed logins; {@code peerLink} tells authenticated federation peer sessions (never asked to log in).
     */
    public ClientAdmission(AdmissionConfig config, Limits limits, VipTable<ClientSession> vips, Counters counters,
            Predicate<ClientSession> peerLink, PeerLog log) {
        this.enabled = config.enabled();
        this.config = config;
        this.vips = vips;
        this.counters = counters;
        this.peerLink = peerLink;
        this.log = log;
        this.failLog = log.limiter("admission.failed");
        this.loginLog = log.limiter("admission.login");
        this.policy = new GrantPolicy(config.grants());
        this.byAddress = new AuthGuard<>(config.maxLoginFailuresPerAddress(), limits.authBackoff(), limits.authBan(),
                System::nanoTime);
        this.byUser = new AuthGuard<>(config.maxLoginFailuresPerUser(), limits.authBackoff(), limits.authBan(),
                System::nanoTime);
        random.nextBytes(fakeSaltKey);
        Map<Integer, Integer> byIterations = new TreeMap<>();
        config.users().forEach(u -> byIterations.merge(u.verifier().iterations(), 1, Integer::sum));
        this.fakeIterations = byIterations.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(Scram.DEFAULT_ITERATIONS);
        for (AdmissionConfig.User u : config.users()) {
            users.put(u.name(), u);
            if (enabled && u.vip().isPresent() && !vips.reserveForUser(u.vip().get())) {
                throw new IllegalStateException("fixed vIP " + u.vip().get() + " of user " + u.name() + " is not free");
            }
        }
    }

    /** Whether client admission is on. */
    public boolean enabled() {
        return enabled;
    }

    /** The extension features admission brings: {@code auth} (required) and {@code vouch}; none when off. */
    public List<ClientExtensions.Feature> features() {
        return enabled ? List.of(new AuthFeature(), new VouchFeature()) : List.of();
    }

    // ---- the door ----

    /** A new connection: anonymous when allowed, else it has the login timeout to log in. Its event loop. */
    public void opened(ClientSession s) {
        if (!enabled) {
            return;
        }
        if (config.allowAnonymous()) {
            s.principal(Principal.ANONYMOUS);
            return;
        }
        s.schedule(() -> {
            if (s.principal() == null && !s.isClosing() && !peerLink.test(s)) {
                counters.drop(DropReason.LOGIN_REQUIRED);
                s.disconnect(ServerExitReason.LOGIN_TIMEOUT);
            }
        }, config.loginTimeout());
    }

    /** The connection is gone. */
    public void closed(ClientSession s) {
        if (!enabled) {
            return;
        }
        pending.remove(s);
        Principal p = s.principal();
        if (p != null && !p.anonymous()) {
            Set<ClientSession> set = online.get(p.user());
            if (set != null) {
                set.remove(s);
            }
        }
    }

    /**
     * Whether {@code p} from {@code s} may be handled: always when admission is off or {@code s} is admitted; before
     * login only PING, EXIT and EXT HELLO or auth frames, anything else ends the connection with EXIT
     * {@code Login required} (counted {@link DropReason#LOGIN_REQUIRED}). The caller exempts peer links.
     */
    public boolean admits(ClientSession s, Packet p) {
        if (!enabled || s.principal() != null) {
            return true;
        }
        int t = p.typeCode();
        if (t == PacketType.PING.code() || t == PacketType.EXIT.code()
                || (t == PacketType.EXT.code() && p instanceof SimplePacket sp && sp.bodyLength() > 0
                        && (sp.bodyByte(0) & 0xff) < Ext.PEER_GONE_FIRST)) {
            return true;
        }
        counters.drop(DropReason.LOGIN_REQUIRED);
        s.disconnect(ServerExitReason.LOGIN_REQUIRED);
        return false;
    }

    // ---- routing ----

    /**
     * Whether {@code s} may join ({@code use} JOIN) or send to ({@code SEND}) the group, or register ({@code NAME})
     * the name, {@code object}, by the grants' {@code join:}/{@code send:}/{@code name:} targets; always with
     * admission off.
     */
    public boolean mayUse(ClientSession s, String use, String object) {
        if (!enabled) {
            return true;
        }
        Principal p = s.principal();
        return p != null && policy.allowsUse(p, GrantPolicy.Use.valueOf(use), object);
    }

    /**
     * Why an S2C from client {@code from} to {@code dst} (held by {@code target}, or null) may not be delivered, or
     * null when it may (always null with admission off). A DST nobody holds inside the template is left to the router
     * (ERR S2CF as ever); outside the template it needs a grant to {@code remote}.
     */
    public String refusal(ClientSession from, int dst, ClientSession target) {
        if (!enabled) {
            return null;
        }
        Principal fp = from.principal();
        if (fp == null) {
            return "sender has not logged in";
        }
        if (target == null) {
            return vips.contains(dst) || policy.allowsRemote(fp) ? null : NOT_ALLOWED;
        }
        Principal tp = target.principal();
        if (tp == null) {
            return NOT_LOGGED_IN;
        }
        return policy.allows(fp, tp) ? null : NOT_ALLOWED;
    }

    /**
     * Which holders the router may deliver to under {@code config}: with admission on, those that logged in (or were
     * admitted anonymously), whoever sends (a client, a peer link); everyone when it is off.
     */
    public static Predicate<ClientSession> routable(AdmissionConfig config) {
        return config.enabled() ? s -> s.principal() != null : s -> true;
    }

    /** The vIPs GCL lists to {@code viewer}: with admission on, those of admitted clients it may send to, and its own. */
    public List<Vip> visibleVips(ClientSession viewer) {
        if (!enabled) {
            return vips.vips();
        }
        List<Vip> out = new ArrayList<>();
        Principal vp = viewer.principal();
        for (Vip v : vips.vips()) {
            ClientSession h = vips.holder(v.value());
            if (h == viewer || (h != null && vp != null && h.principal() != null && policy.allows(vp, h.principal()))) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * Cluster mode: the vIPs of this node's admitted clients that {@code viewer}, logged in on another node, may
     * reach (its GCL there lists them with that node's own).
     */
    public List<Vip> visibleTo(Principal viewer) {
        List<Vip> out = new ArrayList<>();
        if (!enabled) {
            return out;
        }
        for (Vip v : vips.vips()) {
            ClientSession h = vips.holder(v.value());
            if (h != null && h.principal() != null && policy.allows(viewer, h.principal())) {
                out.add(v);
            }
        }
        return out;
    }

    /** Why RQIP of {@code wanted} is refused to {@code s} by admission (a user with a fixed vIP keeps it), or null. */
    public String rqipRefusal(ClientSession s, Vip wanted) {
        if (!enabled) {
            return null;
        }
        Principal p = s.principal();
        if (p == null || p.anonymous()) {
            return null;
        }
        AdmissionConfig.User u = users.get(p.user());
        if (u != null && u.vip().isPresent() && !u.vip().get().equals(wanted)) {
            return "IP is fixed for this user: only " + u.vip().get();
        }
        return null;
    }

    // ---- admin ----

    /** Admin {@code revoke USER}: ends the user's sessions with EXIT {@code Access revoked} and refuses its logins. */
    public String revoke(String user) {
        if (!enabled) {
            return "ERR:Client admission is off";
        }
        if (!users.containsKey(user)) {
            return "ERR:No such user: " + user;
        }
        boolean added = revoked.add(user);
        int ended = 0;
        Set<ClientSession> set = online.get(user);
        if (set != null) {
            for (ClientSession s : List.copyOf(set)) {
                s.principal(null); // unroutable at once, before its EXIT is written
                s.disconnect(ServerExitReason.ACCESS_REVOKED);
                set.remove(s);
                ended++;
            }
        }
        LOG.info("Admin revoked user {} ({} session(s) ended)", user, ended);
        return (added ? "Revoked " : "Already revoked: ") + user + "; " + ended + " session(s) ended";
    }

    /** Admin {@code unrevoke USER}: its logins are accepted again. */
    public String unrevoke(String user) {
        if (!enabled) {
            return "ERR:Client admission is off";
        }
        if (!users.containsKey(user)) {
            return "ERR:No such user: " + user;
        }
        return revoked.remove(user) ? "Unrevoked " + user : "ERR:User " + user + " was not revoked";
    }

    /** Admin {@code users}: each user, its fixed vIP, flags, groups and the vIPs it is online with. */
    public String usersText() {
        if (!enabled) {
            return "ERR:Client admission is off";
        }
        StringBuilder b = new StringBuilder();
        b.append(users.size()).append(" user(s)").append(policy.open() ? ", no grants (all may reach all)" : ", "
                + config.grants().size() + " grant(s)");
        for (AdmissionConfig.User u : new TreeMap<>(users).values()) {
            b.append('\n').append(u.name());
            u.vip().ifPresent(v -> b.append(" vip=").append(v));
            if (u.admin()) {
                b.append(" admin");
            }
            if (!u.groups().isEmpty()) {
                b.append(" groups=").append(String.join(",", new java.util.TreeSet<>(u.groups())));
            }
            if (revoked.contains(u.name())) {
                b.append(" REVOKED");
            }
            Set<ClientSession> set = online.get(u.name());
            List<String> at = new ArrayList<>();
            if (set != null) {
                for (ClientSession s : set) {
                    at.add(s.vip().toString());
                }
            }
            b.append(at.isEmpty() ? " offline" : " online=" + String.join(",", at));
        }
        return b.toString();
    }

    // ---- login ----

    private void onStart(ClientSession s, byte[] payload) {
        Principal now = s.principal();
        if (now != null && !now.anonymous()) {
            fail(s, null, Login.FailureCode.PROTOCOL, "already logged in");
            return;
        }
        if (pending.containsKey(s)) {
            fail(s, null, Login.FailureCode.PROTOCOL, "a login is already in progress on this connection");
            return;
        }
        Login.Start start;
        try {
            start = Login.Start.parse(payload);
        } catch (MalformedPacketException e) {
            fail(s, null, Login.FailureCode.PROTOCOL, e.getMessage());
            return;
        }
        AdmissionConfig.User u = users.get(start.user());
        byte[] salt;
        int iterations;
        if (u != null) {
            salt = u.verifier().salt();
            iterations = u.verifier().iterations();
        } else {
            // Unknown user: the same challenge every time for the name, so it looks like a real one.
            salt = Arrays.copyOf(Scram.hmac(fakeSaltKey, start.user().getBytes(StandardCharsets.UTF_8)), Scram.SALT_LENGTH);
            iterations = fakeIterations;
        }
        byte[] serverNonce = new byte[SERVER_NONCE];
        random.nextBytes(serverNonce);
        pending.put(s, new Pending(start.user(), u, start.clientNonce(), serverNonce, salt, iterations, s.vip()));
        s.deliver(new Login.Challenge(iterations, salt, serverNonce).frame());
    }

    private void onProof(ClientSession s, byte[] payload) {
        Pending p = pending.remove(s);
        if (p == null) {
            fail(s, null, Login.FailureCode.PROTOCOL, "LOGIN_PROOF without LOGIN_START");
            return;
        }
        Login.Proof proof;
        try {
            proof = Login.Proof.parse(payload);
        } catch (MalformedPacketException e) {
            fail(s, p.user(), Login.FailureCode.PROTOCOL, e.getMessage());
            return;
        }
        byte[] authMessage = p.authMessage();
        long[] userWait = {0};
        AuthGuard.Verdict byAddr = byAddress.attempt(AddressKey.of(s.remoteAddress()), () -> {
            AuthGuard.Verdict v = byUser.attempt(p.user(),
                    () -> p.record() != null && p.record().verifier().verifyProof(authMessage, proof.clientProof()));
            if (v.outcome() == AuthGuard.Outcome.THROTTLED) {
                userWait[0] = Math.max(1, v.waitNanos());
            }
            return v.outcome() == AuthGuard.Outcome.ACCEPTED;
        });
        if (byAddr.outcome() == AuthGuard.Outcome.THROTTLED || userWait[0] > 0) {
            counters.drop(DropReason.LOGIN_THROTTLED);
            long wait = Math.max(byAddr.waitNanos(), userWait[0]);
            fail(s, p.user(), Login.FailureCode.THROTTLED, "Too many failed logins; retry in "
                    + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + 999_999_999)) + " s");
            return;
        }
        if (byAddr.outcome() != AuthGuard.Outcome.ACCEPTED) {
            counters.drop(DropReason.LOGIN_FAILED);
            fail(s, p.user(), Login.FailureCode.BAD_CREDENTIALS, "Wrong user name or password");
            return;
        }
        AdmissionConfig.User u = p.record();
        if (revoked.contains(u.name())) {
            counters.drop(DropReason.LOGIN_FAILED);
            fail(s, u.name(), Login.FailureCode.REVOKED, "Access revoked");
            return;
        }
        byte[] identity = null;
        if (proof.identityKey().isPresent()) {
            identity = proof.identityKey().get();
            if (!verifies(identity, Login.identitySigned(authMessage), proof.identitySignature().get())) {
                fail(s, u.name(), Login.FailureCode.PROTOCOL, "the identity signature does not verify");
                return;
            }
        }
        if (u.vip().isPresent()) {
            Vip fixed = u.vip().get();
            ClientSession holder = vips.holder(fixed.value());
            ClientSession displaced = holder != null && holder != s && holder.principal() != null
                    && u.name().equals(holder.principal().user()) ? holder : null;
            String why = vips.claimReserved(s, s.vip(), fixed, displaced);
            if (why != null) {
                fail(s, u.name(), Login.FailureCode.VIP_UNAVAILABLE, "fixed vIP " + fixed + ": " + why);
                return;
            }
            if (displaced != null) {
                displaced.principal(null);
                Set<ClientSession> set = online.get(u.name());
                if (set != null) {
                    set.remove(displaced);
                }
                displaced.disconnect(ServerExitReason.LOGGED_IN_ELSEWHERE);
            }
            if (!fixed.equals(s.vip())) {
                s.vip(fixed);
                s.deliver(Packets.aip(fixed));
            }
        }
        s.principal(new Principal(u.name(), u.groups(), u.admin(), identity));
        if (u.admin()) {
            s.admin(true);
        }
        s.userRateLimit(u.packetRateLimit(), u.byteRateLimit());
        online.computeIfAbsent(u.name(), k -> ConcurrentHashMap.newKeySet()).add(s);
        if (revoked.contains(u.name())) { // revoked while this login was finishing
            s.principal(null);
            online.get(u.name()).remove(s);
            s.disconnect(ServerExitReason.ACCESS_REVOKED);
            return;
        }
        s.deliver(new Login.Ok(u.verifier().serverSignature(authMessage), u.admin(), s.vip()).frame());
        if (loginLog.allow()) {
            LOG.info("User {} logged in as {} from {}{}{}", u.name(), s.vip(), s.remoteAddress(),
                    identity == null ? "" : " with identity " + Fingerprint.ofRawKey(identity), loginLog.heldBackNote());
        }
    }

    private void fail(ClientSession s, String user, Login.FailureCode code, String reason) {
        if (failLog.allow()) {
            LOG.warn("Login failed from {} ({}) for user {}: {} ({}){}", s.remoteAddress(), s.vip(),
                    user == null ? "-" : log.text(user), code, log.text(reason), failLog.heldBackNote());
        }
        s.deliver(new Login.Failed(code, reason).frame());
        s.disconnect(ServerExitReason.LOGIN_FAILED);
    }

    private final class AuthFeature implements ClientExtensions.Feature {
        @Override
        public String name() {
            return Ext.FEATURE_AUTH;
        }

        /** Required unless anonymous clients are admitted: then only a client that offers it logs in. */
        @Override
        public boolean required() {
            return !config.allowAnonymous();
        }

        @Override
        public void onFrame(ClientSession session, int kind, SimplePacket frame) {
            byte[] payload = Ext.payload(frame);
            switch (kind) {
                case Login.START -> onStart(session, payload);
                case Login.PROOF -> onProof(session, payload);
                default -> fail(session, null, Login.FailureCode.PROTOCOL, "EXT kind 0x"
                        + String.format("%02X", kind) + " is not a client-to-server login frame");
            }
        }
    }

    private final class VouchFeature implements ClientExtensions.Feature {
        @Override
        public String name() {
            return Ext.FEATURE_VOUCH;
        }

        @Override
        public void onFrame(ClientSession session, int kind, SimplePacket frame) {
            if (kind != Login.VOUCH_REQUEST) {
                session.deliver(Packets.err(io.dosp.protocol.ErrCode.UKNP, "EXT kind 0x" + String.format("%02X", kind)
                        + " is not a client-to-server vouch frame"));
                return;
            }
            Vip vip;
            try {
                vip = Login.parseVouchRequest(Ext.payload(frame));
            } catch (MalformedPacketException e) {
                session.deliver(Packets.err(io.dosp.protocol.ErrCode.UKNP, e.getMessage()));
                return;
            }
            ClientSession h = vips.holder(vip.value());
            Principal p = h == null ? null : h.principal();
            Login.VouchReply reply;
            if (p == null || p.anonymous()) {
                reply = new Login.VouchReply(vip, Login.VOUCH_UNKNOWN, "", null);
            } else {
                Optional<byte[]> id = p.identity();
                reply = new Login.VouchReply(vip, id.isPresent() ? Login.VOUCH_USER_WITH_IDENTITY : Login.VOUCH_USER,
                        p.user(), id.orElse(null));
            }
            session.deliver(reply.frame());
        }
    }

    /** Whether {@code signature} is {@code rawKey}'s signature of {@code message}; false for an unusable key too. */
    private static boolean verifies(byte[] rawKey, byte[] message, byte[] signature) {
        try {
            return IdentityKey.of(rawKey).verify(message, signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
