package io.dosp.it.server;

import static org.awaitility.Awaitility.await;

import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.testkit.RawClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * A raw client that floods S2C as fast as TCP takes them (many frames per write, no window) and,
 * on a reader thread of its own, counts the ERR S2CF it gets back per DST. Each S2C's data starts
 * with a sequence number per DST (4 bytes), so a receiver can check order. Writes from one
 * thread; the counters may be read from any.
 */
final class FloodSender implements AutoCloseable {
    private final RawClient client;
    private final Map<Vip, AtomicLong> sent = new ConcurrentHashMap<>();
    private final Map<Vip, AtomicLong> refused = new ConcurrentHashMap<>();
    private final AtomicLong otherErrors = new AtomicLong();
    private final AtomicReference<String> pong = new AtomicReference<>();
    private final Thread reader;
    private volatile boolean closed;

    FloodSender(int port) {
        client = RawClient.connect(port);
        reader = new Thread(this::read, "flood-reader-" + client.vip());
        reader.setDaemon(true);
        reader.start();
    }

    Vip vip() {
        return client.vip();
    }

    /**
     * Sends {@code rounds} S2C with {@code dataBytes} of data to each of {@code dsts} in turn,
     * {@code perWrite} frames per socket write, until done or {@code stop} says so.
     */
    void flood(List<Vip> dsts, int rounds, int dataBytes, int perWrite, BooleanSupplier stop) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(perWrite * (dataBytes + 13));
        int inBatch = 0;
        for (int r = 0; r < rounds && !stop.getAsBoolean(); r++) {
            for (Vip dst : dsts) {
                AtomicLong n = sent.computeIfAbsent(dst, k -> new AtomicLong());
                byte[] data = new byte[dataBytes];
                ByteBuffer.wrap(data).putInt((int) n.get());
                out.writeBytes(PacketCodec.encode(Packets.s2c(dst, data)));
                n.incrementAndGet();
                if (++inBatch == perWrite) {
                    client.sendRaw(out.toByteArray());
                    out.reset();
                    inBatch = 0;
                }
            }
        }
        if (inBatch > 0) {
            client.sendRaw(out.toByteArray());
        }
    }

    /** Sends a PING and waits for its echo: every ERR the server sent before it has been counted. */
    void awaitQuiet(Duration timeout) {
        String token = "quiet-" + System.nanoTime();
        client.send(Packets.ping(token.getBytes(StandardCharsets.UTF_8)));
        await().atMost(timeout).pollInterval(Duration.ofMillis(10)).until(() -> token.equals(pong.get()));
    }

    long sent(Vip dst) {
        AtomicLong n = sent.get(dst);
        return n == null ? 0 : n.get();
    }

    long refused(Vip dst) {
        AtomicLong n = refused.get(dst);
        return n == null ? 0 : n.get();
    }

    long sentTotal() {
        return sent.values().stream().mapToLong(AtomicLong::get).sum();
    }

    long refusedTotal() {
        return refused.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** ERR other than S2CF, and packets of unexpected types. */
    long otherErrors() {
        return otherErrors.get();
    }

    private void read() {
        while (!closed) {
            Packet p;
            try {
                p = client.receive(Duration.ofMinutes(5));
            } catch (RuntimeException | AssertionError e) {
                return; // closed
            }
            if (p.type() == PacketType.ERR) {
                ErrorReply e = ErrorReply.parse(((SimplePacket) p).body());
                if (e.code() == ErrCode.S2CF && e.failedDst().isPresent()) {
                    refused.computeIfAbsent(e.failedDst().get(), k -> new AtomicLong()).incrementAndGet();
                } else {
                    otherErrors.incrementAndGet();
                }
            } else if (p.type() == PacketType.PING) {
                pong.set(((SimplePacket) p).bodyText());
            } else {
                otherErrors.incrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        client.close();
    }
}
