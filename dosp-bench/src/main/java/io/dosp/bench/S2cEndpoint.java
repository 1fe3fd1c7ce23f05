package io.dosp.bench;

import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.X25519KeyPair;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * One end of a pair: the sender streams stamped messages to its partner within the pair's
 * window (or, in flood mode, whenever its channel is writable); the receiver checks sequence
 * numbers and latency and, in closed loop, echoes each message back. Messages are framed and
 * parsed as raw bytes by the endpoint's {@link EndpointWire} (DoSP S2C or NATS PUB/MSG), so
 * every target goes through this same code.
 *
 * <p>Threading: everything runs on the channel's event loop, except {@link #startSending()} and
 * {@link #startTunnel()}, which hop onto it; counters shared with the other end live in
 * {@link S2cPair}. Results are read after the event loops have terminated.
 */
final class S2cEndpoint extends ChannelInboundHandlerAdapter implements EndpointWire.Events {
    /** Latencies up to 60 s are recorded (longer ones are clamped), 3 significant digits. */
    static final long MAX_LATENCY_NANOS = 60_000_000_000L;
    private static final SecureRandom RANDOM = new SecureRandom();

    final S2cPair pair;
    final S2cPair.Run run;
    final boolean isSender;
    private final S2cSpec spec;
    final EndpointWire wire;
    private final Runnable pumpTask = this::pump;
    final SequenceTracker tracker = new SequenceTracker();
    /** Open loop: one-way latency at the receiver; closed loop: round trip at the sender. */
    final Histogram latency;

    volatile Channel channel;

    private boolean handshaken;
    private X25519KeyPair keyPair;
    private TunnelHello hello;
    private TunnelCipher cipher;
    private byte[] plain;
    private long readNanos;
    private ByteBuf echoes;

    // Results; written on the event loop, read after it terminated.
    long sent;
    long received;
    long measured;
    long rejected;
    /** Messages the server answered with ERR S2CF (not delivered). */
    long refused;
    long errFrames;
    String lastError;
    long exits;
    long otherFrames;
    boolean disconnected;

    S2cEndpoint(S2cPair pair, S2cPair.Run run, boolean isSender, Function<EndpointWire.Events, EndpointWire> wire) {
        this.pair = pair;
        this.run = run;
        this.isSender = isSender;
        this.spec = run.spec;
        this.wire = wire.apply(this);
        boolean records = spec.closedLoop() == isSender;
        this.latency = records ? new Histogram(MAX_LATENCY_NANOS, 3) : null;
        this.plain = new byte[spec.size()];
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        wire.start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readNanos = System.nanoTime();
        long refusedBefore = refused;
        if (!wire.read(ctx, (ByteBuf) msg)) {
            ctx.close();
            return;
        }
        if (echoes != null) {
            ByteBuf out = echoes;
            echoes = null;
            ctx.writeAndFlush(out, ctx.voidPromise());
        }
        if (isSender) {
            if (refused != refusedBefore) {
                pair.refused.set(refused); // volatile: the run's drain and the window read it
                if (!spec.closedLoop() && pair.parked.compareAndSet(true, false)) {
                    pump(); // refusals free window too, and no delivery will wake this sender for them
                }
            }
            if (spec.closedLoop()) {
                pair.echoed.lazySet(received);
                pump();
            }
        } else {
            pair.delivered.set(received); // volatile: pairs with the sender's park (see pump)
            if (spec.closedLoop()) {
                pair.echoesSent.lazySet(received);
            } else {
                wakeSender();
            }
        }
    }

    @Override
    public void onReady() {
        if (!handshaken) {
            handshaken = true;
            run.connected.countDown();
        }
    }

    @Override
    public void onRefused() {
        refused++;
    }

    @Override
    public void onError(String text) {
        errFrames++;
        lastError = text;
    }

    @Override
    public void onExit() {
        exits++;
    }

    @Override
    public void onOther() {
        otherFrames++;
    }

    @Override
    public void fail(String why) {
        run.fail(why);
    }

    @Override
    public void onData(ByteBuf buf, int data, int length) {
        if (length > 0 && buf.getUnsignedByte(data) == TunnelHandshake.HC2C) {
            byte[] d = new byte[length];
            buf.getBytes(data, d);
            onTunnelHandshake(d);
            return;
        }
        long seq;
        long stamp;
        if (spec.tunnel()) {
            if (cipher == null) {
                rejected++;
                return;
            }
            byte[] frame = new byte[length];
            buf.getBytes(data, frame);
            byte[] p;
            try {
                p = cipher.open(frame);
            } catch (TunnelException e) {
                rejected++;
                return;
            }
            if (p.length < Wire.STAMP) {
                rejected++;
                return;
            }
            seq = Wire.getLong(p, 0);
            stamp = Wire.getLong(p, 8);
        } else {
            if (length < Wire.STAMP) {
                errFrames++;
                return;
            }
            seq = buf.getLong(data);
            stamp = buf.getLong(data + 8);
        }
        received++;
        tracker.onSeq(seq);
        if (readNanos >= run.measureStart && readNanos < run.measureEnd) {
            measured++;
            if (latency != null) {
                latency.recordValue(Math.min(MAX_LATENCY_NANOS, Math.max(0, readNanos - stamp)));
            }
        }
        if (!isSender && spec.closedLoop()) {
            if (echoes == null) {
                echoes = channel.alloc().directBuffer(wire.messageLength(spec.dataLength()));
            }
            writeMessage(echoes, seq, stamp);
        }
    }

    // ---- sending ----

    /** Starts the sender on its event loop. */
    void startSending() {
        channel.eventLoop().execute(pumpTask);
    }

    /**
     * Writes as many messages as the window allows, at most one batch per call; in open loop it
     * then queues itself again (so reads on the same loop are not starved) until the window is
     * full, where it parks until the receiver wakes it. In flood mode there is no window: it
     * writes a batch whenever the channel is writable and waits for writability otherwise.
     */
    private void pump() {
        if (!run.running || !channel.isActive()) {
            return;
        }
        long credit;
        if (spec.flood()) {
            credit = spec.batch();
        } else if (spec.closedLoop()) {
            credit = spec.window() - (sent - received - refused);
        } else {
            credit = spec.window() - (sent - pair.delivered.get() - refused);
            if (credit <= 0) {
                // Park, then look again: the receiver sets delivered before it reads parked.
                pair.parked.set(true);
                credit = spec.window() - (sent - pair.delivered.get() - refused);
                if (credit <= 0) {
                    return;
                }
                pair.parked.set(false);
            }
        }
        if (credit <= 0 || !channel.isWritable()) {
            return; // closed loop: the next echo calls pump; unwritable: channelWritabilityChanged does
        }
        int n = (int) Math.min(credit, spec.batch());
        ByteBuf out = channel.alloc().directBuffer(n * wire.messageLength(spec.dataLength()));
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
            writeMessage(out, sent + i, now);
        }
        sent += n;
        pair.sent.lazySet(sent);
        channel.writeAndFlush(out, channel.voidPromise());
        if (!spec.closedLoop()) {
            channel.eventLoop().execute(pumpTask); // sends more, or parks when the window is full (never in flood)
        }
    }

    /** Receiver, open loop: wake a parked sender once half its window is free. */
    private void wakeSender() {
        if (pair.parked.get()) {
            long free = spec.window() - (pair.sent.get() - received - pair.refused.get());
            if (free >= Math.max(1, spec.window() / 2) && pair.parked.compareAndSet(true, false)) {
                pair.sender.channel.eventLoop().execute(pair.sender.pumpTask);
            }
        }
    }

    private void writeMessage(ByteBuf out, long seq, long stamp) {
        if (cipher == null) {
            wire.writeStamped(out, seq, stamp, spec.size());
        } else {
            Wire.putLong(plain, 0, seq);
            Wire.putLong(plain, 8, stamp);
            wire.writeData(out, cipher.seal(plain));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (isSender && ctx.channel().isWritable()) {
            pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---- tunnel (spec 8.1): the sender initiates, the receiver answers ----

    /** Sends the initiator's hello, on the event loop. */
    void startTunnel() {
        channel.eventLoop().execute(() -> {
            keyPair = X25519KeyPair.generate();
            hello = TunnelHello.create(keyPair, Clock.systemUTC(), RANDOM);
            ByteBuf out = channel.alloc().buffer();
            wire.writeData(out, hello.encode());
            channel.writeAndFlush(out, channel.voidPromise());
        });
    }

    private void onTunnelHandshake(byte[] data) {
        if (TunnelHandshake.classify(data) != TunnelHandshake.Kind.DH_HELLO) {
            run.fail("tunnel handshake refused by the peer: " + TunnelHandshake.classify(data));
            return;
        }
        TunnelHello peer = TunnelHello.parse(data);
        if (isSender) {
            cipher = new TunnelCipher(TunnelHandshake.deriveKeys(keyPair, hello, peer, true));
            run.tunnels.countDown();
        } else {
            keyPair = X25519KeyPair.generate();
            hello = TunnelHello.create(keyPair, Clock.systemUTC(), RANDOM);
            cipher = new TunnelCipher(TunnelHandshake.deriveKeys(keyPair, peer, hello, false));
            ByteBuf out = channel.alloc().buffer();
            wire.writeData(out, hello.encode());
            channel.writeAndFlush(out, channel.voidPromise());
        }
    }

    // ---- end ----

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        wire.release();
        if (echoes != null) {
            echoes.release();
            echoes = null;
        }
        if (!run.closing || !handshaken) {
            disconnected = true;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            run.fail("unexpected error on " + ctx.channel() + ": " + cause);
        }
        ctx.close();
    }
}
