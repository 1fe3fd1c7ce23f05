package io.dosp.client.internal;

import io.dosp.client.ReadPause;
import io.dosp.codec.DospCodec;
import io.dosp.codec.DospFrameDecoder;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The read pauses of one client ({@link ReadPause} handles, one per reason) and the channel they apply to (replaced
 * on reconnect). Reading of the channel is off while any handle is paused: auto-read off and the frame decoder held
 * ({@link DospFrameDecoder#hold}), so nothing more is decoded either, and the rest of an MPAK being handled waits
 * in the {@link InboundHandler}; on resume what waited (the MPAK's rest, then the decoder's frames) is handled first,
 * then auto-read is turned back on. The channel is changed on its event loop only: at once when the
 * change comes from that loop (so a pause from an interceptor stops the decoding of the frames after it), else in a
 * task; each application reads the current state, so the last one wins whatever the order of the tasks.
 */
public final class ReadPauses {
    private final Object lock = new Object();
    private final List<Handle> handles = new ArrayList<>();
    private int paused;
    private volatile Channel channel;

    /** A new handle, running. */
    public ReadPause handle(String reason) {
        Handle h = new Handle(Objects.requireNonNull(reason, "reason"));
        synchronized (lock) {
            handles.add(h);
        }
        return h;
    }

    /** Whether any handle is paused. */
    public boolean paused() {
        synchronized (lock) {
            return paused > 0;
        }
    }

    /** The reasons of the handles paused now. */
    public List<String> pausedBy() {
        List<String> out = new ArrayList<>();
        synchronized (lock) {
            for (Handle h : handles) {
                if (h.paused) {
                    out.add(h.reason);
                }
            }
        }
        return out;
    }

    /** From now on the pauses apply to {@code c} (the client's new connection), paused at once if they say so. */
    public void attach(Channel c) {
        InboundHandler in = c.pipeline().get(InboundHandler.class);
        if (in != null) {
            in.readPaused(this::paused);
        }
        channel = c;
        apply(c);
    }

    private void changed() {
        Channel c = channel;
        if (c != null) {
            apply(c);
        }
    }

    private void apply(Channel c) {
        if (c.eventLoop().inEventLoop()) {
            applyNow(c);
        } else {
            c.eventLoop().execute(() -> applyNow(c));
        }
    }

    /** Event loop of {@code c}: makes its reading match the state now. */
    private void applyNow(Channel c) {
        if (!c.isActive() && !c.isOpen()) {
            return;
        }
        boolean pause = paused();
        DospCodec codec = c.pipeline().get(DospCodec.class);
        DospFrameDecoder d = codec == null ? null : codec.decoder();
        if (pause) {
            if (d != null) {
                d.hold(true); // the rest of this read waits undecoded
            }
            c.config().setAutoRead(false);
            return;
        }
        InboundHandler in = c.pipeline().get(InboundHandler.class);
        if (in != null && in.holdsPackets()) {
            in.resumeHeld(); // the rest of an MPAK first, in order
            if (paused()) {
                return; // paused again by one of them (and applied at once: auto-read off, decoder held)
            }
        }
        if (d != null && d.held()) {
            d.hold(false);
            d.resumeDecoding(); // what waited first: no read may come to decode it
            if (!paused()) { // what waited may have paused it again (then that pause applied itself)
                c.config().setAutoRead(true);
            }
        } else if (!c.config().isAutoRead()) {
            c.config().setAutoRead(true);
        }
    }

    private final class Handle implements ReadPause {
        private final String reason;
        private final AtomicLong pauses = new AtomicLong();
        private boolean paused; // under lock

        Handle(String reason) {
            this.reason = reason;
        }

        @Override
        public String reason() {
            return reason;
        }

        @Override
        public void pause() {
            synchronized (lock) {
                if (paused) {
                    return;
                }
                paused = true;
                ReadPauses.this.paused++;
            }
            pauses.incrementAndGet();
            changed();
        }

        @Override
        public void resume() {
            synchronized (lock) {
                if (!paused) {
                    return;
                }
                paused = false;
                ReadPauses.this.paused--;
            }
            changed();
        }

        @Override
        public boolean isPaused() {
            synchronized (lock) {
                return paused;
            }
        }

        @Override
        public long pauses() {
            return pauses.get();
        }

        @Override
        public String toString() {
            return "ReadPause[" + reason + (isPaused() ? ", paused]" : "]");
        }
    }
}
