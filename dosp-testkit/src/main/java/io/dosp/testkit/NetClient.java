package io.dosp.testkit;

import io.dosp.protocol.Ext;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw client of the network features (docs/network.md) for tests: a {@link RawClient} that says HELLO with
 * {@code groups names presence network}, writes the request frames byte by byte, and a reader thread that matches
 * RESULTs to requests and keeps every GROUP_MESSAGE, presence EVENT and NAME_LOST it receives, in order. Thread-safe.
 */
public final class NetClient implements AutoCloseable {
    /** A RESULT: status and payload (a text when not OK). */
    public record Result(int status, byte[] payload) {
        /** The payload as text (non-OK results). */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The payload's first 4 bytes as a vIP. */
        public Vip vip() {
            return Vip.fromBytes(payload, 0);
        }
    }

    /** A GROUP_MESSAGE as received. */
    public record GroupMessage(String msgId, Vip sender, String group, byte[] data) {
        /** The data as UTF-8 text. */
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** A presence EVENT: target type (1 vIP, 2 name, 3 group) and value, joined (1) or left (2), who, why. */
    public record Event(int targetType, String target, int event, Vip vip, int reason) {
    }

    /** A NAME_LOST notice. */
    public record NameLost(String name, int reason, Vip winner) {
    }

    private final RawClient raw;
    private final Set<String> enabled;
    private final AtomicInteger reqs = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Result>> pending = new ConcurrentHashMap<>();
    private final List<GroupMessage> messages = new CopyOnWriteArrayList<>();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<NameLost> lost = new CopyOnWriteArrayList<>();
    private final List<String> broadcasts = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean closed;
    private volatile Vip current;

    private NetClient(RawClient raw, Set<String> enabled) {
        this.raw = raw;
        this.enabled = enabled;
        this.current = raw.vip();
        this.reader = new Thread(this::read, "net-client-" + raw.vip());
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects to {@code port}, says HELLO with the four features and waits for WELCOME. */
    public static NetClient connect(int port) {
        RawClient raw = RawClient.connect(port);
        raw.send(Ext.hello(List.of(Ext.FEATURE_GROUPS, Ext.FEATURE_NAMES, Ext.FEATURE_PRESENCE, Ext.FEATURE_NETWORK)));
        while (true) {
            Packet p = raw.receive();
            if (p instanceof SimplePacket s && s.typeCode() == PacketType.EXT.code() && Ext.kind(s) == Ext.WELCOME) {
                return new NetClient(raw, Ext.features(s));
            }
        }
    }

    /** The features the server enabled. */
    public Set<String> enabled() {
        return enabled;
    }

    /** This client's vIP. */
    public Vip vip() {
        return current;
    }

    private void read() {
        while (!closed) {
            Packet p;
            try {
                p = raw.receive(Duration.ofSeconds(1));
            } catch (AssertionError timeout) {
                continue;
            } catch (RuntimeException eof) {
                closed = true;
                pending.values().forEach(f -> f.completeExceptionally(eof));
                return;
            }
            if (p instanceof SimplePacket s && s.typeCode() == PacketType.AIP.code()) {
                current = Packets.parseAip(s.body()); // after an RQIP
            }
            if (p instanceof SimplePacket s && s.typeCode() == PacketType.MSG.code()) {
                broadcasts.add(s.bodyText());
            }
            if (!(p instanceof SimplePacket s) || s.typeCode() != PacketType.EXT.code() || s.bodyLength() < 1) {
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(s.body());
            int kind = b.get() & 0xff;
            if ((kind & 0x0F) == 0x0F && kind >= 0x50 && kind <= 0x8F) {
                int req = b.getInt();
                int status = b.get() & 0xff;
                byte[] payload = new byte[b.remaining()];
                b.get(payload);
                CompletableFuture<Result> f = pending.remove(req);
                if (f != null) {
                    f.complete(new Result(status, payload));
                }
            } else if (kind == 0x53) {
                byte[] id = new byte[16];
                b.get(id);
                Vip sender = new Vip(b.getInt());
                String group = str(b);
                byte[] data = new byte[b.remaining()];
                b.get(data);
                messages.add(new GroupMessage(HexFormat.of().formatHex(id), sender, group, data));
            } else if (kind == 0x72) {
                int type = b.get() & 0xff;
                String target = type == 1 ? new Vip(b.getInt()).toString() : str(b);
                int ev = b.get() & 0xff;
                Vip who = new Vip(b.getInt());
                events.add(new Event(type, target, ev, who, b.get() & 0xff));
            } else if (kind == 0x63) {
                String name = str(b);
                int reason = b.get() & 0xff;
                lost.add(new NameLost(name, reason, new Vip(b.getInt())));
            }
        }
    }

    private static String str(ByteBuffer b) {
        byte[] s = new byte[b.get() & 0xff];
        b.get(s);
        return new String(s, StandardCharsets.US_ASCII);
    }

    private static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[1 + b.length];
        out[0] = (byte) b.length;
        System.arraycopy(b, 0, out, 1, b.length);
        return out;
    }

    /** Sends a request of {@code kind} with {@code body} after its req id; the RESULT within 30 s. */
    public Result request(int kind, byte[] body) {
        int req = reqs.incrementAndGet();
        CompletableFuture<Result> f = new CompletableFuture<>();
        pending.put(req, f);
        byte[] payload = ByteBuffer.allocate(4 + body.length).putInt(req).put(body).array();
        synchronized (raw) {
            raw.send(Ext.frame(kind, payload));
        }
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no RESULT for EXT kind 0x" + Integer.toHexString(kind) + " (req " + req + ")", e);
        }
    }

    /** Asks for {@code vip} (RQIP); the new AIP updates {@link #vip()}. */
    public void rqip(Vip vip) {
        synchronized (raw) {
            raw.send(Packets.rqip(vip));
        }
    }

    /** Sends a raw frame (tests of bad input). */
    public void sendRaw(Packet p) {
        synchronized (raw) {
            raw.send(p);
        }
    }

    /** JOIN. */
    public Result join(String group) {
        return request(0x50, str(group));
    }

    /** LEAVE. */
    public Result leave(String group) {
        return request(0x51, str(group));
    }

    /** SEND; OK payload {@code msg_id(16) members(4)}. */
    public Result send(String group, byte[] data) {
        byte[] g = str(group);
        return request(0x52, ByteBuffer.allocate(g.length + data.length).put(g).put(data).array());
    }

    /** MEMBERS, every page. */
    public List<Vip> members(String group) {
        List<Vip> out = new ArrayList<>();
        int offset = 0;
        while (true) {
            byte[] g = str(group);
            Result r = request(0x54, ByteBuffer.allocate(4 + g.length).putInt(offset).put(g).array());
            if (r.status() != 0) {
                throw new AssertionError("MEMBERS " + group + ": status " + r.status() + " " + r.text());
            }
            ByteBuffer b = ByteBuffer.wrap(r.payload());
            int total = b.getInt();
            int count = b.getShort() & 0xffff;
            for (int i = 0; i < count; i++) {
                out.add(new Vip(b.getInt()));
            }
            offset += count;
            if (offset >= total || count == 0) {
                return out;
            }
        }
    }

    /** REGISTER (with a token, or null). */
    public Result register(String name, byte[] token) {
        byte[] n = str(name);
        return request(0x60, token == null ? n : ByteBuffer.allocate(n.length + 16).put(n).put(token).array());
    }

    /** UNREGISTER. */
    public Result unregister(String name) {
        return request(0x61, str(name));
    }

    /** RESOLVE. */
    public Result resolve(String name) {
        return request(0x62, str(name));
    }

    /** WATCH of a vIP. */
    public Result watch(Vip vip) {
        return request(0x70, ByteBuffer.allocate(5).put((byte) 1).putInt(vip.value()).array());
    }

    /** WATCH of a name (type 2) or a group (type 3). */
    public Result watch(int type, String target) {
        byte[] t = str(target);
        return request(0x70, ByteBuffer.allocate(1 + t.length).put((byte) type).put(t).array());
    }

    /** A listing (CLIENTS 0x80, GROUPS 0x81, NAMES 0x82) from offset 0: its total. */
    public int total(int kind) {
        Result r = request(kind, new byte[4]);
        if (r.status() != 0) {
            throw new AssertionError("listing 0x" + Integer.toHexString(kind) + ": " + r.text());
        }
        return ByteBuffer.wrap(r.payload()).getInt();
    }

    /** The group messages received so far, in order. */
    public List<GroupMessage> messages() {
        return messages;
    }

    /** The presence events received so far, in order. */
    public List<Event> events() {
        return events;
    }

    /** The NAME_LOST notices received so far. */
    public List<NameLost> lost() {
        return lost;
    }

    /** The MSG texts (broadcasts) received so far. */
    public List<String> broadcasts() {
        return broadcasts;
    }

    /** Whether the connection is gone. */
    public boolean isClosed() {
        return closed;
    }

    /** Sends EXIT and closes. */
    @Override
    public void close() {
        if (!closed) {
            try {
                synchronized (raw) {
                    raw.send(Packets.exit(io.dosp.protocol.ExitCode.CC));
                }
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        closed = true;
        raw.close();
    }
}
