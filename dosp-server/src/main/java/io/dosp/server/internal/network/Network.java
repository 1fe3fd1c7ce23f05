package io.dosp.server.internal.network;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.Disconnect;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.admission.ClientAdmission;
import io.dosp.server.internal.ext.ClientExtensions;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.internal.session.Principal;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of groups, names, presence and network views (docs/network.md): the four client extension
 * features, the local clients' part of the {@link Directory} (each connection is announced, its departures and moves
 * too), presence watches and their events, group message delivery to local members, the names' grace timers and
 * tokens, and the directory's link frames through {@link NetLinks}.
 *
 * <p>Thread-safe: client frames arrive on their sessions' event loops, link frames on the links' loops; all state is
 * guarded by the directory's monitor, and everything sent to a session goes through its normal {@code deliver}.
 */
public final class Network implements Directory.Sink, NetLinks.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Network.class);
    private static final Set<String> KICKS = Set.of(ServerExitReason.KICKED.text(), ServerExitReason.HASH_BLOCKED.text(),
            ServerExitReason.ADDRESS_BANNED.text(), ServerExitReason.NOT_WHITELISTED.text(),
            ServerExitReason.HASH_REQUIRED.text(), ServerExitReason.AUTH_FAILURES.text());

    /** The bounds of docs/network.md "Bounds and settings". */
    public record Settings(int groupsPerClient, int maxGroupMembers, int namesPerClient, int watchesPerClient,
            int maxGroupMessage, Duration nameGrace, int maxDirectoryEntries, int dedupEntries) {
        /** The documented defaults. */
        public static final Settings DEFAULTS = of(io.dosp.server.NetworkConfig.defaults());

        /** The bounds of {@code c}. */
        public static Settings of(io.dosp.server.NetworkConfig c) {
            return new Settings(c.groupsPerClient(), c.maxGroupMembers(), c.namesPerClient(), c.watchesPerClient(),
                    c.maxGroupMessage(), c.nameGrace(), c.maxDirectoryEntries(), c.dedupEntries());
        }
    }

    /** What a local session did with the features. */
    private static final class Local {
        final Set<String> watches = new LinkedHashSet<>();
    }

    private final VipTable<ClientSession> vips;
    private final NetLinks links;
    private final ClientAdmission admission;
    private final Settings settings;
    private final Directory dir;
    private final PeerLog log;
    private final LogLimiter badLog;
    private final Map<ClientSession, Local> locals = new HashMap<>();
    /** Our clients in the directory, by vIP. */
    private final Map<Integer, ClientSession> announced = new HashMap<>();
    private final Map<String, Set<ClientSession>> watchers = new HashMap<>();
    /** Our names' tokens (the REGISTER OK), kept through the grace period. */
    private final Map<String, byte[]> tokens = new HashMap<>();
    private final ScheduledExecutorService timers;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private volatile boolean stopping;
    /** The local sender of the group message being delivered (under the directory's monitor), null for a remote one. */
    private ClientSession sending;
    /** Tells the local contacts of a remote client that left (peer-gone across federation); null until wired. */
    private volatile java.util.function.IntBinaryOperator remoteGone;
    private volatile io.dosp.server.internal.session.RemoteContacts remoteContacts;

    /** The network of this server: its clients in {@code vips}, links {@code links} (NONE without federation). */
    public Network(VipTable<ClientSession> vips, NetLinks links, ClientAdmission admission, Settings settings, int maxHops,
            PeerLog log) {
        this.vips = vips;
        this.links = links;
        this.admission = admission;
        this.settings = settings;
        this.log = log;
        this.badLog = log.limiter("network.bad-link-frame");
        this.dir = new Directory(links, this, settings.maxDirectoryEntries(), settings.dedupEntries(), maxHops,
                System::nanoTime);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dosp-network-timers");
            t.setDaemon(true);
            return t;
        });
        links.listener(this);
        timers.scheduleWithFixedDelay(this::tick, 5, 5, TimeUnit.SECONDS);
    }

    /** The four client extension features. */
    public List<ClientExtensions.Feature> features() {
        return List.of(new Feature(Ext.FEATURE_GROUPS, true), new Feature(Ext.FEATURE_NAMES, false),
                new Feature(Ext.FEATURE_PRESENCE, false), new Feature(Ext.FEATURE_NETWORK, false));
    }

    // ------------------------------------------------------------------ local clients

    /** A client connected (on its event loop): it is in the directory from now on. */
    public void opened(ClientSession s) {
        synchronized (dir) {
            announced.put(s.vip().value(), s);
            dir.ownClientUp(s.vip().value(), user(s));
        }
    }

    /**
     * Every few seconds: the directory's HEADS to each up link (repairs what a full link queue lost), and sessions
     * that turned out to be peer links (the router let go of their vIP) taken out of the directory.
     */
    private void tick() {
        try {
            for (String peer : links.up()) {
                dir.heartbeat(peer);
            }
            synchronized (dir) {
                for (Map.Entry<Integer, ClientSession> e : new ArrayList<>(announced.entrySet())) {
                    if (vips.holder(e.getKey()) != e.getValue() && !e.getValue().isClosing()) {
                        announced.remove(e.getKey());
                        forget(e.getValue());
                        dir.ownClientDown(e.getKey(), NetWire.LEFT);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Network directory tick failed", e);
        }
    }

    private static String user(ClientSession s) {
        Principal p = s.principal();
        return p == null || p.anonymous() ? "" : p.user();
    }

    private void left(ClientSession s, Vip vip, Disconnect d) {
        int reason = d.initiator() != Disconnect.Initiator.SERVER ? NetWire.LEFT
                : KICKS.contains(d.reason()) ? NetWire.KICKED : NetWire.DROPPED;
        synchronized (dir) {
            forget(s);
            if (!announced.remove(vip.value(), s)) {
                return; // a peer link's session, already taken out, or its vIP is someone else's now
            }
            for (String name : dir.ownClientDown(vip.value(), reason)) {
                Directory.Held h = dir.ownHeld(name);
                if (h == null) {
                    continue;
                }
                if (settings.nameGrace().isZero() || stopping) {
                    expire(name, h.claim());
                } else {
                    byte[] t = tokens.get(name);
                    if (t != null) {
                        dir.ownHeldKey(name, tokenKey(t)); // NAME_KEY: the name may follow its client elsewhere
                    }
                    try {
                        timers.schedule(() -> expire(name, h.claim()), settings.nameGrace().toMillis(),
                                TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        expire(name, h.claim());
                    }
                }
            }
        }
    }

    private void expire(String name, long claim) {
        synchronized (dir) {
            if (dir.expire(name, claim) || dir.ownOwner(name) == null) {
                tokens.remove(name); // expired, or taken elsewhere with its token (the held claim went)
            }
        }
    }

    /** SHA-256 of a name's token (NAME_KEY): what other servers keep to honour that token. */
    static byte[] tokenKey(byte[] token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e); // every Java platform has it
        }
    }

    private void forget(ClientSession s) {
        Local l = locals.remove(s);
        if (l != null) {
            for (String w : l.watches) {
                Set<ClientSession> set = watchers.get(w);
                if (set != null && set.remove(s) && set.isEmpty()) {
                    watchers.remove(w);
                }
            }
        }
    }

    /**
     * Wires the peer-gone notices across federation: {@code notices} is called with a vIP and an {@code Ext.PeerGone}
     * reason when the directory reports a client of another server gone; {@code contacts} are counted in
     * {@link #stats()}.
     */
    public void remoteGone(java.util.function.IntBinaryOperator notices,
            io.dosp.server.internal.session.RemoteContacts contacts) {
        this.remoteContacts = contacts;
        this.remoteGone = notices;
    }

    /** The server stops: no more timers, held names are not kept. */
    public void stop() {
        stopping = true;
        timers.shutdownNow();
    }

    /** Sends {@code text} as MSG to every client of every server of ours (BROADCAST over the links). */
    public void broadcastNetwork(String text) {
        dir.broadcast(text);
    }

    // ------------------------------------------------------------------ the features

    private final class Feature implements ClientExtensions.Feature {
        private final String name;
        private final boolean lifecycle;

        Feature(String name, boolean lifecycle) {
            this.name = name;
            this.lifecycle = lifecycle;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void onFrame(ClientSession session, int kind, SimplePacket frame) {
            handle(session, kind, frame);
        }

        @Override
        public void opened(ClientSession session) {
            if (lifecycle) {
                Network.this.opened(session);
            }
        }

        @Override
        public void left(ClientSession session, Vip vip, Disconnect how) {
            if (lifecycle) {
                Network.this.left(session, vip, how);
            }
        }

        @Override
        public void moved(ClientSession session, Vip from) {
            if (lifecycle) {
                synchronized (dir) {
                    if (announced.remove(from.value(), session)) {
                        announced.put(session.vip().value(), session);
                        dir.ownClientMoved(from.value(), session.vip().value());
                    }
                }
            }
        }

        @Override
        public void stop() {
            if (lifecycle) {
                Network.this.stop();
            }
        }
    }

    private static int resultKind(int kind) {
        return (kind & 0xF0) | 0x0F;
    }

    private void handle(ClientSession s, int kind, SimplePacket frame) {
        NetWire.Reader r = new NetWire.Reader(frame.body(), 1);
        int req;
        try {
            req = r.i32();
        } catch (MalformedPacketException e) {
            s.deliver(Packets.err(ErrCode.UKNP, "EXT kind 0x" + String.format("%02X", kind) + ": " + e.getMessage()));
            return;
        }
        int rk = resultKind(kind);
        try {
            if (stopping) {
                fail(s, rk, req, NetWire.UNAVAILABLE, "the server is shutting down");
                return;
            }
            synchronized (dir) {
                dir.ownClientUp(s.vip().value(), user(s)); // the user, once logged in
                switch (kind) {
                    case NetFrames.JOIN -> join(s, rk, req, r);
                    case NetFrames.LEAVE -> leave(s, rk, req, r);
                    case NetFrames.SEND -> send(s, rk, req, r);
                    case NetFrames.MEMBERS -> membersOf(s, rk, req, r);
                    case NetFrames.REGISTER -> register(s, rk, req, r);
                    case NetFrames.UNREGISTER -> unregister(s, rk, req, r);
                    case NetFrames.RESOLVE -> resolve(s, rk, req, r);
                    case NetFrames.WATCH -> watch(s, rk, req, r);
                    case NetFrames.UNWATCH -> unwatch(s, rk, req, r);
                    case NetFrames.CLIENTS -> listClients(s, rk, req, r);
                    case NetFrames.GROUPS -> listGroups(s, rk, req, r);
                    case NetFrames.NAMES -> listNames(s, rk, req, r);
                    default -> fail(s, rk, req, NetWire.BAD_REQUEST, "EXT kind 0x" + String.format("%02X", kind)
                            + " is sent by the server only, or not defined");
                }
            }
        } catch (MalformedPacketException e) {
            fail(s, rk, req, NetWire.BAD_REQUEST, e.getMessage());
        }
    }

    private static void ok(ClientSession s, int rk, int req, byte[] payload) {
        s.deliver(Ext.frame(rk, new NetWire.Writer(5 + payload.length).i32(req).u8(NetWire.OK).bytes(payload).toBytes()));
    }

    private static void fail(ClientSession s, int rk, int req, int status, String text) {
        s.deliver(Ext.frame(rk, new NetWire.Writer(5 + text.length()).i32(req).u8(status).text(text).toBytes()));
    }

    private void join(ClientSession s, int rk, int req, NetWire.Reader r) {
        String g = r.str();
        r.end();
        int vip = s.vip().value();
        Directory.Client c = dir.client(vip);
        if (c != null && c.groups.contains(g)) {
            ok(s, rk, req, new byte[0]);
        } else if (!admission.mayUse(s, "JOIN", g)) {
            fail(s, rk, req, NetWire.NOT_ALLOWED, "joining group '" + g + "' is not allowed by the admission policy");
        } else if (c != null && c.groups.size() >= settings.groupsPerClient()) {
            fail(s, rk, req, NetWire.LIMIT, "at most " + settings.groupsPerClient() + " groups per client");
        } else if (dir.memberCount(g) >= settings.maxGroupMembers()) {
            fail(s, rk, req, NetWire.LIMIT, "group '" + g + "' has " + settings.maxGroupMembers() + " members (the most)");
        } else if (dir.size() >= settings.maxDirectoryEntries()) {
            fail(s, rk, req, NetWire.LIMIT, "the directory is full (" + settings.maxDirectoryEntries() + " entries)");
        } else {
            dir.ownJoin(vip, g);
            ok(s, rk, req, new byte[0]);
        }
    }

    private void leave(ClientSession s, int rk, int req, NetWire.Reader r) {
        String g = r.str();
        r.end();
        if (dir.ownLeave(s.vip().value(), g, NetWire.REQUESTED)) {
            ok(s, rk, req, new byte[0]);
        } else {
            fail(s, rk, req, NetWire.NOT_MEMBER, "not a member of group '" + g + "'");
        }
    }

    private void send(ClientSession s, int rk, int req, NetWire.Reader r) {
        String g = r.str();
        byte[] data = r.rest();
        if (data.length > settings.maxGroupMessage()) {
            fail(s, rk, req, NetWire.TOO_LARGE, "a group message carries at most " + settings.maxGroupMessage()
                    + " bytes, this one " + data.length);
        } else if ((long) data.length + 23 + g.length() > links.maxBody()) {
            fail(s, rk, req, NetWire.TOO_LARGE, "a group message of " + data.length
                    + " bytes is more than the peer links carry (limits.maxFrameSize)");
        } else if (!admission.mayUse(s, "SEND", g)) {
            fail(s, rk, req, NetWire.NOT_ALLOWED, "sending to group '" + g + "' is not allowed by the admission policy");
        } else {
            int[] count = new int[1];
            sending = s; // local members behind slow down this sender, as an S2C's target does
            byte[] id;
            try {
                id = dir.sendGroup(s.vip().value(), g, data, count);
            } finally {
                sending = null;
            }
            ok(s, rk, req, new NetWire.Writer(20).bytes(id).i32(count[0]).toBytes());
        }
    }

    private void membersOf(ClientSession s, int rk, int req, NetWire.Reader r) {
        int offset = r.i32();
        String g = r.str();
        r.end();
        List<Integer> m = dir.members(g);
        NetWire.Writer w = new NetWire.Writer(64);
        int from = Math.max(0, offset);
        int n = Math.max(0, Math.min(NetWire.PAGE, m.size() - from));
        w.i32(m.size()).u16(n);
        for (int i = 0; i < n; i++) {
            w.i32(m.get(from + i));
        }
        ok(s, rk, req, w.toBytes());
    }

    private void register(ClientSession s, int rk, int req, NetWire.Reader r) {
        String name = r.str();
        byte[] token = r.remaining() == 16 ? r.bytes(16) : null;
        r.end();
        int vip = s.vip().value();
        String user = user(s);
        Integer own = dir.ownOwner(name);
        if (own != null && own == vip) {
            ok(s, rk, req, tokens.getOrDefault(name, new byte[16]));
            return;
        }
        if (!admission.mayUse(s, "NAME", name)) {
            fail(s, rk, req, NetWire.NOT_ALLOWED, "registering name '" + name + "' is not allowed by the admission policy");
            return;
        }
        Directory.Claim w = dir.winner(name);
        Directory.Client c = dir.client(vip);
        if (w == null) {
            if (c != null && c.names.size() >= settings.namesPerClient()) {
                fail(s, rk, req, NetWire.LIMIT, "at most " + settings.namesPerClient() + " names per client");
                return;
            }
            if (dir.size() >= settings.maxDirectoryEntries()) {
                fail(s, rk, req, NetWire.LIMIT, "the directory is full (" + settings.maxDirectoryEntries() + " entries)");
                return;
            }
            byte[] t = new byte[16];
            random.nextBytes(t);
            dir.ownClaim(vip, name, user, 0);
            tokens.put(name, t);
            ok(s, rk, req, t);
            return;
        }
        Directory.Held held = own != null && own == 0 ? dir.ownHeld(name) : null;
        if (held != null) {
            boolean sameUser = !held.user().isEmpty() && held.user().equals(user);
            boolean byToken = token != null && tokens.containsKey(name) && MessageDigest.isEqual(token, tokens.get(name))
                    && (held.user().isEmpty() || held.user().equals(user));
            if (sameUser || byToken) {
                dir.ownClaim(vip, name, user, held.claim());
                ok(s, rk, req, tokens.get(name));
                return;
            }
            if (!held.user().isEmpty() && !held.user().equals(user)) {
                fail(s, rk, req, NetWire.NOT_ALLOWED, "name '" + name + "' is bound to another user");
                return;
            }
            fail(s, rk, req, NetWire.TAKEN, "name '" + name + "' is held for its holder's reconnect");
            return;
        }
        Directory.Held elsewhere = own == null ? dir.heldElsewhere(name) : null;
        if (elsewhere != null && token != null && MessageDigest.isEqual(tokenKey(token), elsewhere.key())) {
            // Held by another server for a reconnect, and this is its token: the name follows its client here, claimed
            // at the held claim's time (a live claim beats a held one at equal times, so every server agrees).
            if (!elsewhere.user().isEmpty() && !elsewhere.user().equals(user)) {
                fail(s, rk, req, NetWire.NOT_ALLOWED, "name '" + name + "' is bound to another user");
                return;
            }
            if (c != null && c.names.size() >= settings.namesPerClient()) {
                fail(s, rk, req, NetWire.LIMIT, "at most " + settings.namesPerClient() + " names per client");
                return;
            }
            dir.ownClaim(vip, name, user, elsewhere.claim());
            tokens.put(name, token);
            ok(s, rk, req, token);
            return;
        }
        fail(s, rk, req, NetWire.TAKEN, "name '" + name + "' is held by "
                + (w.vip() == 0 ? "a client reconnecting" : new Vip(w.vip()).toString()));
    }

    private void unregister(ClientSession s, int rk, int req, NetWire.Reader r) {
        String name = r.str();
        r.end();
        Integer own = dir.ownOwner(name);
        if (own == null || own != s.vip().value()) {
            fail(s, rk, req, NetWire.NOT_FOUND, "this client does not hold name '" + name + "'");
            return;
        }
        dir.ownDrop(name, NetWire.REQUESTED);
        tokens.remove(name);
        ok(s, rk, req, new byte[0]);
    }

    private void resolve(ClientSession s, int rk, int req, NetWire.Reader r) {
        String name = r.str();
        r.end();
        Directory.Claim w = dir.winner(name);
        if (w == null || w.vip() == 0) {
            fail(s, rk, req, NetWire.NOT_FOUND, "nobody holds name '" + name + "'");
        } else {
            ok(s, rk, req, new NetWire.Writer(4).i32(w.vip()).toBytes());
        }
    }

    /** A target's key in the watcher map and its encoding. */
    private record Target(String key, byte[] wire) {
    }

    private static Target target(NetWire.Reader r) {
        int type = r.u8();
        switch (type) {
            case NetFrames.TARGET_VIP -> {
                int v = r.i32();
                return new Target("v" + v, new NetWire.Writer(5).u8(type).i32(v).toBytes());
            }
            case NetFrames.TARGET_NAME, NetFrames.TARGET_GROUP -> {
                String n = r.str();
                return new Target((type == NetFrames.TARGET_NAME ? "n:" : "g:") + n,
                        new NetWire.Writer(2 + n.length()).u8(type).str(n).toBytes());
            }
            default -> throw NetWire.bad("presence target type " + type + " (1 vIP, 2 name, 3 group)");
        }
    }

    private void watch(ClientSession s, int rk, int req, NetWire.Reader r) {
        Target t = target(r);
        r.end();
        Local l = locals.computeIfAbsent(s, k -> new Local());
        if (!l.watches.contains(t.key()) && l.watches.size() >= settings.watchesPerClient()) {
            fail(s, rk, req, NetWire.LIMIT, "at most " + settings.watchesPerClient() + " watches per client");
            return;
        }
        l.watches.add(t.key());
        watchers.computeIfAbsent(t.key(), k -> new LinkedHashSet<>()).add(s);
        ok(s, rk, req, new byte[0]);
        // The current state, as joined events (under the directory's monitor: no change slips in between).
        String k = t.key();
        if (k.startsWith("v")) {
            int v = Integer.parseInt(k.substring(1));
            if (dir.client(v) != null) {
                event(s, t.wire(), NetFrames.JOINED, v, NetWire.NONE);
            }
        } else if (k.startsWith("n:")) {
            Directory.Claim w = dir.winner(k.substring(2));
            if (w != null && w.vip() != 0) {
                event(s, t.wire(), NetFrames.JOINED, w.vip(), NetWire.NONE);
            }
        } else {
            for (int v : dir.members(k.substring(2))) {
                event(s, t.wire(), NetFrames.JOINED, v, NetWire.NONE);
            }
        }
    }

    private void unwatch(ClientSession s, int rk, int req, NetWire.Reader r) {
        Target t = target(r);
        r.end();
        Local l = locals.get(s);
        if (l == null || !l.watches.remove(t.key())) {
            fail(s, rk, req, NetWire.NOT_FOUND, "no such watch");
            return;
        }
        Set<ClientSession> set = watchers.get(t.key());
        if (set != null && set.remove(s) && set.isEmpty()) {
            watchers.remove(t.key());
        }
        ok(s, rk, req, new byte[0]);
    }

    private void listClients(ClientSession s, int rk, int req, NetWire.Reader r) {
        int offset = r.i32();
        r.end();
        List<Directory.Client> all = dir.clients();
        if (admission.enabled()) {
            Set<Integer> visible = new java.util.HashSet<>();
            admission.visibleVips(s).forEach(v -> visible.add(v.value()));
            all = all.stream().filter(c -> c.origin != null && (!dir.isLocal(c.vip) || visible.contains(c.vip))).toList();
        }
        int from = Math.max(0, offset);
        int n = Math.max(0, Math.min(NetWire.PAGE, all.size() - from));
        NetWire.Writer w = new NetWire.Writer(64).i32(all.size()).u16(n);
        for (int i = 0; i < n; i++) {
            Directory.Client c = all.get(from + i);
            w.i32(c.vip).str0(c.user);
        }
        ok(s, rk, req, w.toBytes());
    }

    private void listGroups(ClientSession s, int rk, int req, NetWire.Reader r) {
        int offset = r.i32();
        r.end();
        List<Map.Entry<String, Integer>> all = new ArrayList<>(dir.groups().entrySet());
        int from = Math.max(0, offset);
        int n = Math.max(0, Math.min(NetWire.PAGE, all.size() - from));
        NetWire.Writer w = new NetWire.Writer(64).i32(all.size()).u16(n);
        for (int i = 0; i < n; i++) {
            w.str(all.get(from + i).getKey()).i32(all.get(from + i).getValue());
        }
        ok(s, rk, req, w.toBytes());
    }

    private void listNames(ClientSession s, int rk, int req, NetWire.Reader r) {
        int offset = r.i32();
        r.end();
        List<Map.Entry<String, Directory.Claim>> all = new ArrayList<>(dir.names().entrySet());
        int from = Math.max(0, offset);
        int n = Math.max(0, Math.min(NetWire.PAGE, all.size() - from));
        NetWire.Writer w = new NetWire.Writer(64).i32(all.size()).u16(n);
        for (int i = 0; i < n; i++) {
            w.str(all.get(from + i).getKey()).i32(all.get(from + i).getValue().vip());
        }
        ok(s, rk, req, w.toBytes());
    }

    // ------------------------------------------------------------------ the directory's sink (under its monitor)

    private void event(ClientSession s, byte[] target, int event, int vip, int reason) {
        SimplePacket f = Ext.frame(NetFrames.EVENT, new NetWire.Writer(target.length + 6).bytes(target).u8(event)
                .i32(vip).u8(reason).toBytes());
        if (s.deliver(f, null) == RouteResult.DELIVERED) {
            events.incrementAndGet();
        } else {
            missed.incrementAndGet();
        }
    }

    private void notify(String key, byte[] target, int event, int vip, int reason) {
        Set<ClientSession> set = watchers.get(key);
        if (set != null) {
            for (ClientSession s : set) {
                event(s, target, event, vip, reason);
            }
        }
    }

    private static byte[] vipTarget(int vip) {
        return new NetWire.Writer(5).u8(NetFrames.TARGET_VIP).i32(vip).toBytes();
    }

    private static byte[] strTarget(int type, String n) {
        return new NetWire.Writer(2 + n.length()).u8(type).str(n).toBytes();
    }

    @Override
    public void clientUp(int vip, String user) {
        if (!watchers.isEmpty()) {
            notify("v" + vip, vipTarget(vip), NetFrames.JOINED, vip, NetWire.NONE);
        }
    }

    @Override
    public void clientDown(int vip, int reason) {
        java.util.function.IntBinaryOperator g = remoteGone;
        if (g != null) { // only remote vIPs have remote contacts: a local client's are told by PeerGoneNotices
            g.applyAsInt(vip, peerGoneReason(reason));
        }
        if (!watchers.isEmpty()) {
            notify("v" + vip, vipTarget(vip), NetFrames.LEFT, vip, reason);
        }
    }

    /** A directory reason as a PEER_GONE reason: left, moved, kicked, revoked, dropped, unreachable are the same codes. */
    static int peerGoneReason(int reason) {
        return reason >= NetWire.LEFT && reason <= NetWire.UNREACHABLE ? reason : Ext.PeerGone.LEFT;
    }

    @Override
    public void memberAdded(String group, int vip) {
        if (!watchers.isEmpty()) {
            notify("g:" + group, strTarget(NetFrames.TARGET_GROUP, group), NetFrames.JOINED, vip, NetWire.NONE);
        }
    }

    @Override
    public void memberRemoved(String group, int vip, int reason) {
        if (!watchers.isEmpty()) {
            notify("g:" + group, strTarget(NetFrames.TARGET_GROUP, group), NetFrames.LEFT, vip, reason);
        }
    }

    @Override
    public void nameHolder(String name, int oldVip, int newVip, int reason) {
        if (watchers.isEmpty()) {
            return;
        }
        byte[] t = strTarget(NetFrames.TARGET_NAME, name);
        if (oldVip != 0) {
            notify("n:" + name, t, NetFrames.LEFT, oldVip, reason);
        }
        if (newVip != 0) {
            notify("n:" + name, t, NetFrames.JOINED, newVip, NetWire.NONE);
        }
    }

    @Override
    public void ownNameLost(String name, int vip, int reason, int winner) {
        tokens.remove(name);
        ClientSession s = vips.holder(vip);
        if (s != null && s.extensions().contains(Ext.FEATURE_NAMES)) {
            s.deliver(Ext.frame(NetFrames.NAME_LOST, new NetWire.Writer(8 + name.length()).str(name).u8(reason)
                    .i32(winner).toBytes()), null);
        }
    }

    @Override
    public void groupMessage(byte[] msgId, int sender, String group, byte[] data, List<Integer> to) {
        SimplePacket f = Ext.frame(NetFrames.GROUP_MESSAGE, new NetWire.Writer(24 + group.length() + data.length)
                .bytes(msgId).i32(sender).str(group).bytes(data).toBytes());
        for (int v : to) {
            ClientSession s = vips.holder(v);
            if (s != null && s.extensions().contains(Ext.FEATURE_GROUPS) && s.deliver(f, sending) == RouteResult.DELIVERED) {
                delivered.incrementAndGet();
            } else {
                missed.incrementAndGet();
            }
        }
    }

    @Override
    public void broadcast(String text) {
        SimplePacket msg = Packets.msg(text);
        for (ClientSession s : vips.holders()) {
            s.deliver(msg, null);
        }
    }

    // ------------------------------------------------------------------ links (their I/O threads)

    @Override
    public void linkUp(String peer) {
        dir.linkUp(peer);
    }

    @Override
    public void linkDown(String peer) {
        dir.linkDown(peer);
    }

    @Override
    public void heartbeat(String peer) {
        dir.heartbeat(peer);
    }

    @Override
    public void frame(String peer, SimplePacket frame) {
        try {
            dir.frame(peer, frame);
        } catch (MalformedPacketException | IllegalArgumentException e) {
            dir.stats().malformed.incrementAndGet();
            if (badLog.allow()) {
                LOG.warn("Bad directory frame 0x{} from server {}: {}{}", Integer.toHexString(frame.typeCode()),
                        peer, log.text(e.getMessage()), badLog.heldBackNote());
            }
        }
    }

    // ------------------------------------------------------------------ admin

    /** Admin {@code clients --network}. */
    public String clientsText() {
        StringBuilder b = new StringBuilder();
        List<Directory.Client> all = dir.clients();
        b.append(all.size()).append(" client(s) on the network\n");
        for (Directory.Client c : all) {
            b.append(new Vip(c.vip)).append("  server=").append(c.origin.id, 0, 8)
                    .append(c.user.isEmpty() ? "" : "  user=" + log.text(c.user)).append('\n');
        }
        return b.toString().stripTrailing();
    }

    /** Admin {@code groups}. */
    public String groupsText() {
        StringBuilder b = new StringBuilder();
        Map<String, Integer> g = dir.groups();
        b.append(g.size()).append(" group(s); delivered=").append(delivered.get()).append(" missed=")
                .append(missed.get()).append('\n');
        g.forEach((n, c) -> b.append(n).append("  members=").append(c).append('\n'));
        return b.toString().stripTrailing();
    }

    /** Admin {@code names}. */
    public String namesText() {
        StringBuilder b = new StringBuilder();
        Map<String, List<Directory.Claim>> all = dir.allClaims();
        b.append(all.size()).append(" name(s)\n");
        all.forEach((n, l) -> {
            Directory.Claim w = dir.winner(n);
            b.append(n).append("  holder=").append(w == null || w.vip() == 0 ? "(held for a reconnect)" : new Vip(w.vip()))
                    .append("  claim=").append(w == null ? "-" : w.lamport() + "@" + w.origin().id.substring(0, 8))
                    .append(l.size() > 1 ? "  claims=" + l.size() : "").append('\n');
        });
        return b.toString().stripTrailing();
    }

    /** Admin {@code network}: the directory's counters and origins. */
    public String statusText() {
        Directory.Stats st = dir.stats();
        StringBuilder b = new StringBuilder();
        b.append("server ").append(dir.selfId()).append(", ").append(dir.size()).append(" directory entries\n");
        b.append("updates=").append(st.updates.get()).append(" duplicates=").append(st.duplicates.get())
                .append(" gaps=").append(st.gaps.get()).append(" snapshots=").append(st.snapshots.get())
                .append(" refused=").append(st.refused.get()).append(" malformed=").append(st.malformed.get())
                .append(" link_drops=").append(st.linkDrops.get()).append('\n');
        b.append("group_messages=").append(st.groupMessages.get()).append(" group_duplicates=")
                .append(st.groupDuplicates.get()).append(" hop_limit=").append(st.hopLimit.get())
                .append(" dedup_evicted_young=").append(st.evictedYoung.get()).append(" delivered=")
                .append(delivered.get()).append(" missed=").append(missed.get()).append(" events=")
                .append(events.get()).append('\n');
        dir.origins().forEach((id, v) -> b.append("origin ").append(id).append(" seq=").append(v[0])
                .append(v[1] == 1 ? " reachable" : " unreachable").append(" clients=").append(v[2]).append('\n'));
        return b.toString().stripTrailing();
    }

    /** The directory's size and counters ({@code ServerStats.network()}). */
    public io.dosp.server.NetworkStats stats() {
        Directory.Stats st = dir.stats();
        Map<String, long[]> origins = dir.origins();
        int reachable = 0;
        long clients = 0;
        for (long[] v : origins.values()) {
            if (v[1] == 1) {
                reachable++;
                clients += v[2];
            }
        }
        io.dosp.server.internal.session.RemoteContacts rc = remoteContacts;
        return new io.dosp.server.NetworkStats(dir.size(), origins.size(), reachable, clients, st.updates.get(),
                st.duplicates.get(), st.gaps.get(), st.snapshots.get(), st.refused.get(), st.malformed.get(),
                st.linkDrops.get(), st.groupMessages.get(), st.groupDuplicates.get(), st.hopLimit.get(),
                st.evictedYoung.get(), delivered.get(), missed.get(), events.get(), rc == null ? 0 : rc.size(),
                rc == null ? 0 : rc.untracked());
    }

    /** Counters for tests and the monitor: {group messages, duplicates suppressed, delivered, missed}. */
    public long[] counters() {
        Directory.Stats st = dir.stats();
        return new long[] {st.groupMessages.get(), st.groupDuplicates.get(), delivered.get(), missed.get()};
    }

    /** Concurrency note: only used by tests in this package. */
    Directory directory() {
        return dir;
    }
}
