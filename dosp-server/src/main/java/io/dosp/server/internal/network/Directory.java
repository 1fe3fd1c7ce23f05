package io.dosp.server.internal.network;

import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The replicated network directory (docs/network.md "Between servers"): every origin's clients, memberships and
 * names, the indices over the reachable ones (clients by vIP, members by group, claims by name with the winner rule),
 * this server's own operations (numbered, Lamport-stamped, flooded), the UPDATE/SNAPSHOT/HEADS/SYNC_REQUEST
 * handling, reachability over mutual neighbour lists, and the dedup cache of group messages and broadcasts.
 * Changes seen through the indices go to a {@link Sink} (presence events, local deliveries).
 *
 * <p>Thread-safe: every method holds this object's monitor; the sink is called under it and must not block (it
 * queues to sessions). Link frames are queued under it too, so each link carries them in the order applied.
 */
final class Directory {
    /** What the directory tells the local side; called under the directory's monitor. */
    interface Sink {
        void clientUp(int vip, String user);

        void clientDown(int vip, int reason);

        void memberAdded(String group, int vip);

        void memberRemoved(String group, int vip, int reason);

        /** The holder of {@code name} changed ({@code 0}: none, or held for a reconnect). */
        void nameHolder(String name, int oldVip, int newVip, int reason);

        /** Our client {@code vip} lost {@code name} to {@code winner} (an earlier claim elsewhere). */
        void ownNameLost(String name, int vip, int reason, int winner);

        /** A group message for our members {@code to}. */
        void groupMessage(byte[] msgId, int sender, String group, byte[] data, List<Integer> to);

        /** A network broadcast for our clients. */
        void broadcast(String text);
    }

    static final Comparator<Integer> UNSIGNED = Integer::compareUnsigned;

    static final class Client {
        final Origin origin;
        final int vip;
        String user;
        final LinkedHashSet<String> groups = new LinkedHashSet<>();
        final LinkedHashMap<String, Long> names = new LinkedHashMap<>();

        Client(Origin origin, int vip, String user) {
            this.origin = origin;
            this.vip = vip;
            this.user = user;
        }
    }

    /**
     * A name held for a reconnect, at its claim time, bound to {@code user} ("" none); {@code key} is SHA-256 of the
     * token its holder got (NAME_KEY; null until known), so a REGISTER with that token may take it on any server.
     */
    record Held(long claim, String user, byte[] key) {
        Held(long claim, String user) {
            this(claim, user, null);
        }
    }

    static final class Origin {
        final String id;
        final byte[] idBytes;
        long seq;
        long lamport;
        Set<String> neighbours = Set.of();
        final HashMap<Integer, Client> clients = new HashMap<>();
        final HashMap<String, Held> held = new HashMap<>();
        /** name -> the vIP holding it (0: held for a reconnect). */
        final HashMap<String, Integer> nameOwner = new HashMap<>();
        boolean indexed;
        int size;

        Origin(String id) {
            this.id = id;
            this.idBytes = NetWire.unhex(id);
        }
    }

    /** A claim of a name by an origin; {@code vip} 0 when held for a reconnect. */
    record Claim(Origin origin, int vip, long lamport, String user) {
        boolean before(Claim o) {
            if (lamport != o.lamport) {
                return Long.compareUnsigned(lamport, o.lamport) < 0;
            }
            if ((vip == 0) != (o.vip == 0)) {
                return vip != 0; // at equal times a live claim beats a held one (a name that followed its client)
            }
            return Arrays.compareUnsigned(origin.idBytes, o.origin.idBytes) < 0;
        }
    }

    /** Counters of the directory (admin {@code network}). */
    static final class Stats {
        final AtomicLong updates = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong gaps = new AtomicLong();
        final AtomicLong snapshots = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong malformed = new AtomicLong();
        final AtomicLong groupMessages = new AtomicLong();
        final AtomicLong groupDuplicates = new AtomicLong();
        final AtomicLong hopLimit = new AtomicLong();
        final AtomicLong evictedYoung = new AtomicLong();
        final AtomicLong linkDrops = new AtomicLong();
    }

    private record MsgKey(long hi, long lo) {
    }

    private record Pending(long seq, long lamport, Set<String> neighbours, int records, List<byte[]> parts) {
    }

    private final NetLinks links;
    private final Sink sink;
    private final Origin self;
    private final Map<String, Origin> origins = new HashMap<>();
    private final TreeMap<Integer, Client> clients = new TreeMap<>(UNSIGNED);
    private final TreeMap<String, TreeSet<Integer>> members = new TreeMap<>();
    private final TreeMap<String, List<Claim>> claims = new TreeMap<>();
    private final Map<String, Pending> pending = new HashMap<>();
    private final LinkedHashMap<MsgKey, Long> seen = new LinkedHashMap<>();
    private final int maxEntries;
    private final int dedupEntries;
    private final int maxHops;
    private final LongSupplier nanos;
    private final Stats stats = new Stats();
    private long clock;
    private long msgCounter;
    private int total;

    Directory(NetLinks links, Sink sink, int maxEntries, int dedupEntries, int maxHops, LongSupplier nanos) {
        this.links = links;
        this.sink = sink;
        this.maxEntries = maxEntries;
        this.dedupEntries = dedupEntries;
        this.maxHops = maxHops;
        this.nanos = nanos;
        this.self = new Origin(NetWire.hex(links.serverId()));
        self.indexed = true;
        origins.put(self.id, self);
    }

    Stats stats() {
        return stats;
    }

    String selfId() {
        return self.id;
    }

    // ------------------------------------------------------------------ queries

    synchronized Client client(int vip) {
        return clients.get(vip);
    }

    synchronized boolean isLocal(int vip) {
        Client c = clients.get(vip);
        return c != null && c.origin == self;
    }

    /** The members of {@code group}, ascending. */
    synchronized List<Integer> members(String group) {
        TreeSet<Integer> m = members.get(group);
        return m == null ? List.of() : new ArrayList<>(m);
    }

    synchronized int memberCount(String group) {
        TreeSet<Integer> m = members.get(group);
        return m == null ? 0 : m.size();
    }

    /** The winning claim of {@code name}, or null. */
    synchronized Claim winner(String name) {
        return winner(claims.get(name));
    }

    synchronized List<Client> clients() {
        return new ArrayList<>(clients.values());
    }

    synchronized Map<String, Integer> groups() {
        Map<String, Integer> out = new LinkedHashMap<>();
        members.forEach((g, m) -> out.put(g, m.size()));
        return out;
    }

    /** Names with a holder now (held ones left out), by name. */
    synchronized Map<String, Claim> names() {
        Map<String, Claim> out = new LinkedHashMap<>();
        claims.forEach((n, l) -> {
            Claim w = winner(l);
            if (w != null && w.vip() != 0) {
                out.put(n, w);
            }
        });
        return out;
    }

    /** Every claim of every name (admin). */
    synchronized Map<String, List<Claim>> allClaims() {
        Map<String, List<Claim>> out = new LinkedHashMap<>();
        claims.forEach((n, l) -> out.put(n, List.copyOf(l)));
        return out;
    }

    /** Origins: id -> {seq, reachable, clients}. */
    synchronized Map<String, long[]> origins() {
        Map<String, long[]> out = new TreeMap<>();
        origins.forEach((id, o) -> out.put(id, new long[] {o.seq, o.indexed ? 1 : 0, o.clients.size()}));
        return out;
    }

    synchronized int size() {
        return total;
    }

    /** Our own held name and its claim time, or null. */
    synchronized Held ownHeld(String name) {
        return self.held.get(name);
    }

    /**
     * The held claim of another origin that wins {@code name} now, if it carries a token key (NAME_KEY), else null.
     */
    synchronized Held heldElsewhere(String name) {
        Claim w = winner(claims.get(name));
        if (w == null || w.vip() != 0 || w.origin() == self) {
            return null;
        }
        Held h = w.origin().held.get(name);
        return h == null || h.key() == null || h.claim() != w.lamport() ? null : h;
    }

    /** Sets the token key of our held {@code name} and floods it (NAME_KEY); false when the name is not held. */
    synchronized boolean ownHeldKey(String name, byte[] key) {
        Held h = self.held.get(name);
        if (h == null || key.length != NetFrames.KEY_BYTES) {
            return false;
        }
        self.held.put(name, new Held(h.claim(), h.user(), key.clone()));
        flood(nameKeyFrame(self, name, h.claim(), key), null);
        return true;
    }

    private static SimplePacket nameKeyFrame(Origin o, String name, long claim, byte[] key) {
        return Packets.custom(NetFrames.NAME_KEY, new NetWire.Writer(58 + name.length()).bytes(o.idBytes).i64(claim)
                .bytes(key).str(name).toBytes());
    }

    /** The vIP of our client holding {@code name} (0: held), or null when we have no claim. */
    synchronized Integer ownOwner(String name) {
        return self.nameOwner.get(name);
    }

    // ------------------------------------------------------------------ own operations

    synchronized void ownClientUp(int vip, String user) {
        Client c = self.clients.get(vip);
        if (c != null && c.user.equals(user)) {
            return;
        }
        addClient(self, vip, user);
        emit(NetFrames.OP_CLIENT_UP, new NetWire.Writer(16).i32(vip).str0(user));
    }

    /** Our client left: its memberships end, its names become held. Returns the names now held. */
    synchronized List<String> ownClientDown(int vip, int reason) {
        Client c = self.clients.get(vip);
        if (c == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>(c.names.keySet());
        removeClient(self, vip, reason);
        emit(NetFrames.OP_CLIENT_DOWN, new NetWire.Writer(8).i32(vip).u8(reason));
        return names;
    }

    synchronized void ownClientMoved(int from, int to) {
        if (!self.clients.containsKey(from)) {
            return;
        }
        moveClient(self, from, to);
        emit(NetFrames.OP_CLIENT_MOVED, new NetWire.Writer(8).i32(from).i32(to));
    }

    /** Joins; false when the client is unknown or already a member. */
    synchronized boolean ownJoin(int vip, String group) {
        Client c = self.clients.get(vip);
        if (c == null || c.groups.contains(group)) {
            return false;
        }
        join(self, vip, group);
        emit(NetFrames.OP_JOIN, new NetWire.Writer(8 + group.length()).i32(vip).str(group));
        return true;
    }

    synchronized boolean ownLeave(int vip, String group, int reason) {
        Client c = self.clients.get(vip);
        if (c == null || !c.groups.contains(group)) {
            return false;
        }
        unjoin(self, c, group, reason);
        emit(NetFrames.OP_LEAVE, new NetWire.Writer(8 + group.length()).i32(vip).str(group).u8(reason));
        return true;
    }

    /** Claims {@code name} for our client {@code vip} (0: held) at {@code claim} (0: a new claim, stamped now). */
    synchronized long ownClaim(int vip, String name, String user, long claim) {
        long at = claim == 0 ? clock + 1 : claim;
        claim(self, vip, at, name, user);
        emit(NetFrames.OP_NAME_CLAIM, new NetWire.Writer(24 + name.length()).i32(vip).i64(at).str(name).str0(user));
        return at;
    }

    synchronized boolean ownDrop(String name, int reason) {
        if (!self.nameOwner.containsKey(name)) {
            return false;
        }
        dropName(self, name, reason);
        emit(NetFrames.OP_NAME_DROP, new NetWire.Writer(4 + name.length()).str(name).u8(reason));
        return true;
    }

    /** Drops our held {@code name} if it is still held with {@code claim} (the grace ended). */
    synchronized boolean expire(String name, long claim) {
        Held h = self.held.get(name);
        if (h == null || h.claim() != claim) {
            return false;
        }
        return ownDrop(name, NetWire.EXPIRED);
    }

    private void emit(int op, NetWire.Writer body) {
        self.seq++;
        clock++;
        self.lamport = clock;
        byte[] b = body.toBytes();
        SimplePacket frame = Packets.custom(NetFrames.UPDATE, new NetWire.Writer(33 + b.length).bytes(self.idBytes)
                .i64(self.seq).i64(clock).u8(op).bytes(b).toBytes());
        flood(frame, null);
    }

    private void flood(SimplePacket frame, String except) {
        int drops = links.flood(frame, except);
        if (drops > 0) {
            stats.linkDrops.addAndGet(drops); // repaired by HEADS at the next heartbeat
        }
    }

    // ------------------------------------------------------------------ group messages and broadcasts

    /** A new message id: our id's first 8 bytes and a counter. */
    private byte[] newMsgId() {
        byte[] id = Arrays.copyOf(self.idBytes, 16);
        long n = ++msgCounter;
        for (int i = 0; i < 8; i++) {
            id[15 - i] = (byte) (n >>> (8 * i));
        }
        return id;
    }

    /** Sends a group message from our client {@code sender}; returns its id, the member count in {@code count[0]}. */
    synchronized byte[] sendGroup(int sender, String group, byte[] data, int[] count) {
        byte[] id = newMsgId();
        remember(id);
        TreeSet<Integer> m = members.get(group);
        count[0] = m == null ? 0 : m.size() - (m.contains(sender) ? 1 : 0);
        stats.groupMessages.incrementAndGet();
        deliverLocal(id, sender, group, data);
        flood(groupFrame(id, maxHops, sender, group, data), null);
        return id;
    }

    synchronized void broadcast(String text) {
        byte[] id = newMsgId();
        remember(id);
        sink.broadcast(text);
        flood(broadcastFrame(id, maxHops, text), null);
    }

    private static SimplePacket groupFrame(byte[] id, int hop, int sender, String group, byte[] data) {
        return Packets.custom(NetFrames.GROUP_MSG, new NetWire.Writer(32 + data.length).bytes(id).u8(hop).i32(sender)
                .str(group).bytes(data).toBytes());
    }

    private static SimplePacket broadcastFrame(byte[] id, int hop, String text) {
        byte[] t = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (t.length > NetFrames.MAX_BROADCAST) {
            t = Arrays.copyOf(t, NetFrames.MAX_BROADCAST);
        }
        return Packets.custom(NetFrames.BROADCAST, new NetWire.Writer(20 + t.length).bytes(id).u8(hop).bytes(t).toBytes());
    }

    private void deliverLocal(byte[] id, int sender, String group, byte[] data) {
        TreeSet<Integer> m = members.get(group);
        if (m == null) {
            return;
        }
        List<Integer> to = new ArrayList<>();
        for (Integer v : m) {
            Client c = clients.get(v);
            if (c != null && c.origin == self && v != sender) {
                to.add(v);
            }
        }
        if (!to.isEmpty()) {
            sink.groupMessage(id, sender, group, data, to);
        }
    }

    /** Remembers a message id; false when it was seen already. */
    private boolean remember(byte[] id) {
        MsgKey k = new MsgKey(bigEndian(id, 0), bigEndian(id, 8));
        long now = nanos.getAsLong();
        if (seen.putIfAbsent(k, now) != null) {
            return false;
        }
        while (seen.size() > dedupEntries) {
            var it = seen.entrySet().iterator();
            long t = it.next().getValue();
            it.remove();
            if (now - t < 60_000_000_000L) {
                stats.evictedYoung.incrementAndGet();
            }
        }
        return true;
    }

    private static long bigEndian(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    // ------------------------------------------------------------------ links

    synchronized void linkUp(String peer) {
        neighboursChanged();
        for (Origin o : origins.values()) {
            if (o.seq > 0) {
                sendSnapshot(o, peer);
            }
        }
    }

    synchronized void linkDown(String peer) {
        pending.keySet().removeIf(k -> k.startsWith(peer + "/"));
        neighboursChanged();
    }

    /** Our own neighbour list changed (or may have): announce it if so, recompute reachability. */
    synchronized void neighboursChanged() {
        Set<String> up = new LinkedHashSet<>(links.up());
        if (!up.equals(self.neighbours)) {
            self.neighbours = Set.copyOf(up);
            NetWire.Writer w = new NetWire.Writer(1 + 16 * up.size()).u8(Math.min(up.size(), 255));
            int n = 0;
            for (String id : up) {
                if (n++ == 255) {
                    break;
                }
                w.bytes(NetWire.unhex(id));
            }
            emit(NetFrames.OP_NEIGHBOURS, w);
        }
        reachability();
    }

    synchronized void heartbeat(String peer) {
        List<Origin> known = origins.values().stream().filter(o -> o.seq > 0).toList();
        NetWire.Writer w = new NetWire.Writer(2 + 24 * known.size()).u16(Math.min(known.size(), 0xffff));
        int n = 0;
        for (Origin o : known) {
            if (n++ == 0xffff) {
                break;
            }
            w.bytes(o.idBytes).i64(o.seq);
        }
        if (!links.send(peer, Packets.custom(NetFrames.HEADS, w.toBytes()))) {
            stats.linkDrops.incrementAndGet();
        }
    }

    /** A link frame of ours from {@code peer}; malformed ones are counted and reported to the caller. */
    synchronized void frame(String peer, SimplePacket p) {
        NetWire.Reader r = new NetWire.Reader(p.body(), 0);
        switch (p.typeCode()) {
            case NetFrames.UPDATE -> onUpdate(peer, r);
            case NetFrames.SNAP_BEGIN -> onSnapBegin(peer, r);
            case NetFrames.SNAP_PART -> onSnapPart(peer, r);
            case NetFrames.SNAP_END -> onSnapEnd(peer, r);
            case NetFrames.SYNC_REQUEST -> onSyncRequest(peer, r);
            case NetFrames.GROUP_MSG -> onGroupMsg(peer, r);
            case NetFrames.BROADCAST -> onBroadcast(peer, r);
            case NetFrames.HEADS -> onHeads(peer, r);
            case NetFrames.NAME_KEY -> onNameKey(peer, r);
            default -> throw NetWire.bad("link frame type 0x" + Integer.toHexString(p.typeCode()) + " is not defined");
        }
    }

    private Origin origin(byte[] id) {
        String key = NetWire.hex(id);
        Origin o = origins.get(key);
        if (o == null) {
            if (origins.size() >= 4096) {
                throw NetWire.bad("more than 4096 origins");
            }
            o = new Origin(key);
            origins.put(key, o);
        }
        return o;
    }

    private void onUpdate(String peer, NetWire.Reader r) {
        byte[] id = r.bytes(16);
        long seq = r.i64();
        long lamport = r.i64();
        if (Arrays.equals(id, self.idBytes)) {
            stats.duplicates.incrementAndGet();
            return;
        }
        Origin o = origin(id);
        if (seq <= o.seq) {
            stats.duplicates.incrementAndGet();
            return;
        }
        if (seq != o.seq + 1) {
            stats.gaps.incrementAndGet();
            links.send(peer, syncRequest(o.idBytes));
            return;
        }
        int op = r.u8();
        boolean grows = op == NetFrames.OP_CLIENT_UP || op == NetFrames.OP_JOIN || op == NetFrames.OP_NAME_CLAIM;
        if (grows && total >= maxEntries) {
            stats.refused.incrementAndGet();
            o.seq = seq; // skipped, not retried: the origin's state here lacks it (counted)
            return;
        }
        boolean reach = false;
        Runnable apply; // every field read (and the end checked) before anything changes
        switch (op) {
            case NetFrames.OP_CLIENT_UP -> {
                int vip = r.i32();
                String user = r.str0();
                apply = () -> addClient(o, vip, user);
            }
            case NetFrames.OP_CLIENT_DOWN -> {
                int vip = r.i32();
                int reason = r.u8();
                apply = () -> removeClient(o, vip, reason);
            }
            case NetFrames.OP_CLIENT_MOVED -> {
                int from = r.i32();
                int to = r.i32();
                apply = () -> moveClient(o, from, to);
            }
            case NetFrames.OP_JOIN -> {
                int vip = r.i32();
                String g = r.str();
                apply = () -> join(o, vip, g);
            }
            case NetFrames.OP_LEAVE -> {
                int vip = r.i32();
                String g = r.str();
                int reason = r.u8();
                apply = () -> {
                    Client c = o.clients.get(vip);
                    if (c != null && c.groups.contains(g)) {
                        unjoin(o, c, g, reason);
                    }
                };
            }
            case NetFrames.OP_NAME_CLAIM -> {
                int vip = r.i32();
                long at = r.i64();
                String name = r.str();
                String user = r.str0();
                apply = () -> claim(o, vip, at, name, user);
            }
            case NetFrames.OP_NAME_DROP -> {
                String name = r.str();
                int reason = r.u8();
                apply = () -> dropName(o, name, reason);
            }
            case NetFrames.OP_NEIGHBOURS -> {
                Set<String> ids = readIds(r, r.u8());
                apply = () -> o.neighbours = ids;
                reach = true;
            }
            default -> throw NetWire.bad("UPDATE op " + op + " is not defined");
        }
        r.end();
        apply.run();
        o.seq = seq;
        o.lamport = lamport;
        clock = Math.max(clock, lamport);
        stats.updates.incrementAndGet();
        flood(Packets.custom(NetFrames.UPDATE, rebuild(r)), peer);
        if (reach) {
            reachability();
        }
    }

    /** The frame a reader read (forwarded as it came). */
    private static byte[] rebuild(NetWire.Reader r) {
        return r.whole();
    }

    private static Set<String> readIds(NetWire.Reader r, int n) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            out.add(NetWire.hex(r.bytes(16)));
        }
        return Set.copyOf(out);
    }

    private static SimplePacket syncRequest(byte[] origin) {
        return Packets.custom(NetFrames.SYNC_REQUEST, origin.clone());
    }

    private void onSyncRequest(String peer, NetWire.Reader r) {
        byte[] id = r.bytes(16);
        r.end();
        boolean all = Arrays.equals(id, new byte[16]);
        for (Origin o : origins.values()) {
            if (o.seq > 0 && (all || Arrays.equals(o.idBytes, id))) {
                sendSnapshot(o, peer);
            }
        }
    }

    /** NAME_KEY: the token key of an origin's held name; kept with that held claim and sent on once. */
    private void onNameKey(String peer, NetWire.Reader r) {
        byte[] id = r.bytes(16);
        long claim = r.i64();
        byte[] key = r.bytes(NetFrames.KEY_BYTES);
        String name = r.str();
        r.end();
        Origin o = Arrays.equals(id, self.idBytes) ? null : origins.get(NetWire.hex(id));
        Held h = o == null ? null : o.held.get(name);
        if (h == null || h.claim() != claim || (h.key() != null && Arrays.equals(h.key(), key))) {
            stats.duplicates.incrementAndGet(); // seen already, or for a held claim that is gone here
            return;
        }
        o.held.put(name, new Held(claim, h.user(), key));
        flood(nameKeyFrame(o, name, claim, key), peer);
    }

    private void onHeads(String peer, NetWire.Reader r) {
        int n = r.u16();
        int asked = 0;
        for (int i = 0; i < n; i++) {
            byte[] id = r.bytes(16);
            long seq = r.i64();
            if (Arrays.equals(id, self.idBytes)) {
                continue;
            }
            Origin o = origins.get(NetWire.hex(id));
            long known = o == null ? 0 : o.seq;
            if (seq > known && asked < 16) {
                asked++;
                links.send(peer, syncRequest(id));
            }
        }
        r.end();
    }

    private void sendSnapshot(Origin o, String peer) {
        List<byte[]> parts = new ArrayList<>();
        NetWire.Writer part = new NetWire.Writer(1024);
        int records = 0;
        for (Client c : o.clients.values()) {
            NetWire.Writer rec = new NetWire.Writer(64).u8(1).i32(c.vip).str0(c.user).u8(c.groups.size());
            c.groups.forEach(rec::str);
            rec.u8(c.names.size());
            c.names.forEach((n, at) -> rec.i64(at).str(n));
            part = addRecord(parts, part, rec.toBytes());
            records++;
        }
        for (Map.Entry<String, Held> h : o.held.entrySet()) {
            part = addRecord(parts, part, new NetWire.Writer(80).u8(2).i64(h.getValue().claim()).str(h.getKey())
                    .str0(h.getValue().user()).toBytes());
            records++;
        }
        if (part.size() > 0) {
            parts.add(part.toBytes());
        }
        NetWire.Writer begin = new NetWire.Writer(64).bytes(o.idBytes).i64(o.seq).i64(o.lamport).i32(records)
                .u8(Math.min(o.neighbours.size(), 255));
        o.neighbours.stream().limit(255).forEach(id -> begin.bytes(NetWire.unhex(id)));
        boolean ok = links.send(peer, Packets.custom(NetFrames.SNAP_BEGIN, begin.toBytes()));
        for (byte[] b : parts) {
            ok &= links.send(peer, Packets.custom(NetFrames.SNAP_PART,
                    new NetWire.Writer(24 + b.length).bytes(o.idBytes).i64(o.seq).bytes(b).toBytes()));
        }
        ok &= links.send(peer, Packets.custom(NetFrames.SNAP_END, new NetWire.Writer(24).bytes(o.idBytes).i64(o.seq)
                .toBytes()));
        for (Map.Entry<String, Held> h : o.held.entrySet()) {
            if (h.getValue().key() != null) { // after SNAP_END: the receiver has the held claims by then
                ok &= links.send(peer, nameKeyFrame(o, h.getKey(), h.getValue().claim(), h.getValue().key()));
            }
        }
        if (!ok) {
            stats.linkDrops.incrementAndGet(); // the receiver discards it (records short) and asks again after HEADS
        }
    }

    private NetWire.Writer addRecord(List<byte[]> parts, NetWire.Writer part, byte[] rec) {
        int limit = Math.max(1024, Math.min(NetFrames.SNAP_PART_BYTES, links.maxBody() - 24)); // 24: origin seq
        if (part.size() + rec.length > limit && part.size() > 0) {
            parts.add(part.toBytes());
            part = new NetWire.Writer(1024);
        }
        return part.bytes(rec);
    }

    private void onSnapBegin(String peer, NetWire.Reader r) {
        byte[] id = r.bytes(16);
        long seq = r.i64();
        long lamport = r.i64();
        int records = r.i32();
        Set<String> nb = readIds(r, r.u8());
        r.end();
        if (records < 0 || records > maxEntries) {
            throw NetWire.bad("SNAP_BEGIN of " + records + " records (at most " + maxEntries + ")");
        }
        pending.put(peer + "/" + NetWire.hex(id), new Pending(seq, lamport, nb, records, new ArrayList<>()));
    }

    private void onSnapPart(String peer, NetWire.Reader r) {
        byte[] id = r.bytes(16);
        long seq = r.i64();
        Pending p = pending.get(peer + "/" + NetWire.hex(id));
        if (p == null || p.seq() != seq) {
            stats.malformed.incrementAndGet();
            return;
        }
        p.parts().add(r.rest());
    }

    private void onSnapEnd(String peer, NetWire.Reader r) {
        byte[] id = r.bytes(16);
        long seq = r.i64();
        r.end();
        Pending p = pending.remove(peer + "/" + NetWire.hex(id));
        if (p == null || p.seq() != seq) {
            stats.malformed.incrementAndGet();
            return;
        }
        if (Arrays.equals(id, self.idBytes)) {
            return;
        }
        Origin o = origin(id);
        if (seq <= o.seq) {
            stats.duplicates.incrementAndGet();
            return;
        }
        // Read every record first: a bad snapshot changes nothing.
        Map<Integer, Client> fresh = new LinkedHashMap<>();
        Map<String, Held> held = new LinkedHashMap<>();
        int n = 0;
        for (byte[] part : p.parts()) {
            NetWire.Reader pr = new NetWire.Reader(part, 0);
            while (pr.remaining() > 0) {
                int tag = pr.u8();
                if (tag == 1) {
                    Client c = new Client(o, pr.i32(), pr.str0());
                    int gs = pr.u8();
                    for (int i = 0; i < gs; i++) {
                        c.groups.add(pr.str());
                    }
                    int ns = pr.u8();
                    for (int i = 0; i < ns; i++) {
                        long at = pr.i64();
                        c.names.put(pr.str(), at);
                    }
                    fresh.put(c.vip, c);
                } else if (tag == 2) {
                    long at = pr.i64();
                    String name = pr.str();
                    held.put(name, new Held(at, pr.str0()));
                } else {
                    throw NetWire.bad("snapshot record tag " + tag);
                }
                n++;
            }
        }
        if (n != p.records()) {
            stats.malformed.incrementAndGet(); // frames lost on the way (a full queue): HEADS asks again
            return;
        }
        replace(o, fresh, held);
        o.seq = seq;
        o.lamport = p.lamport();
        o.neighbours = p.neighbours();
        clock = Math.max(clock, p.lamport());
        stats.snapshots.incrementAndGet();
        for (String other : links.up()) {
            if (!other.equals(peer)) {
                sendSnapshot(o, other);
            }
        }
        reachability();
    }

    private void replace(Origin o, Map<Integer, Client> fresh, Map<String, Held> held) {
        for (Integer vip : new ArrayList<>(o.clients.keySet())) {
            if (!fresh.containsKey(vip)) {
                removeClient(o, vip, NetWire.LEFT);
            }
        }
        Map<String, long[]> wanted = new HashMap<>(); // name -> {vip, claim}
        Map<String, String> wantedUser = new HashMap<>();
        for (Client f : fresh.values()) {
            if (total >= maxEntries) {
                stats.refused.incrementAndGet();
                break;
            }
            addClient(o, f.vip, f.user);
            Client c = o.clients.get(f.vip);
            for (String g : new ArrayList<>(c.groups)) {
                if (!f.groups.contains(g)) {
                    unjoin(o, c, g, NetWire.REQUESTED);
                }
            }
            for (String g : f.groups) {
                join(o, f.vip, g);
            }
            f.names.forEach((nm, at) -> {
                wanted.put(nm, new long[] {f.vip, at});
                wantedUser.put(nm, f.user);
            });
        }
        held.forEach((nm, h) -> {
            wanted.put(nm, new long[] {0, h.claim()});
            wantedUser.put(nm, h.user());
        });
        for (String nm : new ArrayList<>(o.nameOwner.keySet())) {
            if (!wanted.containsKey(nm)) {
                dropName(o, nm, NetWire.REQUESTED);
            }
        }
        wanted.forEach((nm, w) -> {
            Integer owner = o.nameOwner.get(nm);
            long at = owner == null ? -1 : owner == 0 ? o.held.get(nm).claim() : o.clients.get(owner).names.get(nm);
            if (owner == null || owner != (int) w[0] || at != w[1]) {
                claim(o, (int) w[0], w[1], nm, wantedUser.get(nm));
            }
        });
    }

    private void onGroupMsg(String peer, NetWire.Reader r) {
        byte[] id = r.bytes(16);
        int hop = r.u8();
        int sender = r.i32();
        String group = r.str();
        byte[] data = r.rest();
        if (!remember(id)) {
            stats.groupDuplicates.incrementAndGet();
            return;
        }
        stats.groupMessages.incrementAndGet();
        deliverLocal(id, sender, group, data);
        if (hop > 1) {
            flood(groupFrame(id, hop - 1, sender, group, data), peer);
        } else {
            stats.hopLimit.incrementAndGet();
        }
    }

    private void onBroadcast(String peer, NetWire.Reader r) {
        byte[] id = r.bytes(16);
        int hop = r.u8();
        byte[] t = r.rest();
        if (t.length > NetFrames.MAX_BROADCAST) {
            throw NetWire.bad("BROADCAST text of " + t.length + " bytes");
        }
        if (!remember(id)) {
            stats.groupDuplicates.incrementAndGet();
            return;
        }
        String text = new String(t, java.nio.charset.StandardCharsets.UTF_8);
        sink.broadcast(text);
        if (hop > 1) {
            flood(broadcastFrame(id, hop - 1, text), peer);
        }
    }

    // ------------------------------------------------------------------ reachability

    private void reachability() {
        Set<String> reached = new HashSet<>();
        ArrayDeque<Origin> todo = new ArrayDeque<>();
        reached.add(self.id);
        todo.add(self);
        while (!todo.isEmpty()) {
            Origin a = todo.poll();
            for (String n : a.neighbours) {
                Origin b = origins.get(n);
                if (b != null && b.seq > 0 && b.neighbours.contains(a.id) && reached.add(b.id)) {
                    todo.add(b);
                }
            }
        }
        for (Origin o : new ArrayList<>(origins.values())) {
            boolean r = reached.contains(o.id);
            if (r && !o.indexed) {
                index(o);
            } else if (!r && o.indexed) {
                withdraw(o);
            }
            if (!r && o.seq == 0 && o.clients.isEmpty() && o.held.isEmpty()) {
                origins.remove(o.id);
            }
        }
    }

    private void index(Origin o) {
        o.indexed = true;
        for (Client c : o.clients.values()) {
            clients.put(c.vip, c);
            sink.clientUp(c.vip, c.user);
            for (String g : c.groups) {
                members.computeIfAbsent(g, k -> new TreeSet<>(UNSIGNED)).add(c.vip);
                sink.memberAdded(g, c.vip);
            }
            for (Map.Entry<String, Long> n : new ArrayList<>(c.names.entrySet())) {
                replaceClaim(o, n.getKey(), new Claim(o, c.vip, n.getValue(), c.user), NetWire.NONE);
            }
        }
        for (Map.Entry<String, Held> h : new ArrayList<>(o.held.entrySet())) {
            replaceClaim(o, h.getKey(), new Claim(o, 0, h.getValue().claim(), h.getValue().user()), NetWire.NONE);
        }
    }

    /** {@code o} is no longer reachable: its entries go (reason unreachable) and its sequence is forgotten. */
    private void withdraw(Origin o) {
        for (Integer vip : new ArrayList<>(o.clients.keySet())) {
            removeClient(o, vip, NetWire.UNREACHABLE);
        }
        for (String n : new ArrayList<>(o.nameOwner.keySet())) {
            dropName(o, n, NetWire.UNREACHABLE);
        }
        o.indexed = false;
        o.seq = 0;
        o.neighbours = Set.of();
        pending.keySet().removeIf(k -> k.endsWith("/" + o.id));
    }

    // ------------------------------------------------------------------ primitives

    private void addClient(Origin o, int vip, String user) {
        Client c = o.clients.get(vip);
        if (c != null) {
            c.user = user;
            return;
        }
        c = new Client(o, vip, user);
        o.clients.put(vip, c);
        grow(o, 1);
        if (o.indexed) {
            clients.put(vip, c);
            sink.clientUp(vip, user);
        }
    }

    private void removeClient(Origin o, int vip, int reason) {
        Client c = o.clients.get(vip);
        if (c == null) {
            return;
        }
        for (String g : new ArrayList<>(c.groups)) {
            unjoin(o, c, g, reason);
        }
        for (Map.Entry<String, Long> n : new ArrayList<>(c.names.entrySet())) {
            claim(o, 0, n.getValue(), n.getKey(), c.user, reason); // held for a reconnect until the origin drops it
        }
        o.clients.remove(vip);
        grow(o, -1);
        if (o.indexed && clients.get(vip) == c) {
            clients.remove(vip);
            sink.clientDown(vip, reason);
        }
    }

    private void moveClient(Origin o, int from, int to) {
        Client c = o.clients.remove(from);
        if (c == null) {
            return;
        }
        Client m = new Client(o, to, c.user);
        m.groups.addAll(c.groups);
        m.names.putAll(c.names);
        o.clients.put(to, m);
        c.names.keySet().forEach(n -> o.nameOwner.put(n, to));
        if (!o.indexed) {
            return;
        }
        if (clients.get(from) == c) {
            clients.remove(from);
        }
        sink.clientDown(from, NetWire.MOVED);
        clients.put(to, m);
        sink.clientUp(to, m.user);
        for (String g : m.groups) {
            TreeSet<Integer> set = members.computeIfAbsent(g, k -> new TreeSet<>(UNSIGNED));
            set.remove(from);
            sink.memberRemoved(g, from, NetWire.MOVED);
            set.add(to);
            sink.memberAdded(g, to);
        }
        for (Map.Entry<String, Long> n : new ArrayList<>(m.names.entrySet())) {
            replaceClaim(o, n.getKey(), new Claim(o, to, n.getValue(), m.user), NetWire.MOVED);
        }
    }

    private void join(Origin o, int vip, String g) {
        Client c = o.clients.get(vip);
        if (c == null || !c.groups.add(g)) {
            return;
        }
        grow(o, 1);
        if (o.indexed) {
            members.computeIfAbsent(g, k -> new TreeSet<>(UNSIGNED)).add(vip);
            sink.memberAdded(g, vip);
        }
    }

    private void unjoin(Origin o, Client c, String g, int reason) {
        if (!c.groups.remove(g)) {
            return;
        }
        grow(o, -1);
        if (o.indexed) {
            TreeSet<Integer> set = members.get(g);
            if (set != null && set.remove(c.vip)) {
                if (set.isEmpty()) {
                    members.remove(g);
                }
                sink.memberRemoved(g, c.vip, reason);
            }
        }
    }

    private void claim(Origin o, int vip, long at, String name, String user) {
        claim(o, vip, at, name, user, NetWire.LEFT);
    }

    private void claim(Origin o, int vip, long at, String name, String user, int reason) {
        Client c = vip == 0 ? null : o.clients.get(vip);
        if (vip != 0 && c == null) {
            return; // a claim for a client this origin does not have: ignored
        }
        Integer was = o.nameOwner.get(name);
        if (was == null) {
            grow(o, 1);
        } else if (was == 0) {
            o.held.remove(name);
        } else {
            Client prev = o.clients.get(was);
            if (prev != null) {
                prev.names.remove(name);
            }
        }
        if (c == null) {
            o.held.put(name, new Held(at, user));
        } else {
            c.names.put(name, at);
        }
        o.nameOwner.put(name, vip);
        if (o.indexed) {
            replaceClaim(o, name, new Claim(o, vip, at, user), reason);
        }
    }

    private void dropName(Origin o, String name, int reason) {
        Integer was = o.nameOwner.remove(name);
        if (was == null) {
            return;
        }
        grow(o, -1);
        if (was == 0) {
            o.held.remove(name);
        } else {
            Client c = o.clients.get(was);
            if (c != null) {
                c.names.remove(name);
            }
        }
        if (o.indexed) {
            replaceClaim(o, name, null, reason);
        }
    }

    private void grow(Origin o, int n) {
        o.size += n;
        total += n;
    }

    private static Claim winner(List<Claim> l) {
        if (l == null) {
            return null;
        }
        Claim w = null;
        for (Claim c : l) {
            if (w == null || c.before(w)) {
                w = c;
            }
        }
        return w;
    }

    /** Replaces {@code o}'s claim of {@code name} (null: removes it); tells the sink when the holder changed. */
    private void replaceClaim(Origin o, String name, Claim fresh, int reason) {
        List<Claim> l = claims.computeIfAbsent(name, k -> new ArrayList<>(1));
        Claim before = winner(l);
        l.removeIf(c -> c.origin() == o);
        if (fresh != null) {
            l.add(fresh);
        }
        Claim after = winner(l);
        if (l.isEmpty()) {
            claims.remove(name);
        }
        int bv = before == null ? 0 : before.vip();
        int av = after == null ? 0 : after.vip();
        if (bv != av) {
            boolean ousted = before != null && l.contains(before);
            sink.nameHolder(name, bv, av, ousted ? NetWire.CONFLICT : reason);
        }
        Integer mine = self.nameOwner.get(name);
        if (mine != null && after != null && after.origin() != self) {
            // An earlier claim elsewhere wins: ours goes, and our client is told.
            dropName(self, name, NetWire.CONFLICT);
            emit(NetFrames.OP_NAME_DROP, new NetWire.Writer(4 + name.length()).str(name).u8(NetWire.CONFLICT));
            if (mine != 0) {
                sink.ownNameLost(name, mine, NetWire.CONFLICT, after.vip());
            }
        }
    }

    /** Our held names, for their grace timers. */
    synchronized Map<String, Held> ownHeldNames() {
        return new HashMap<>(self.held);
    }

    /** Reads a frame for tests and callers that must judge it before handing it over. */
    static void check(SimplePacket p) throws MalformedPacketException {
        if (!NetFrames.isNetFrame(p.typeCode())) {
            throw NetWire.bad("not a directory link frame");
        }
    }
}
