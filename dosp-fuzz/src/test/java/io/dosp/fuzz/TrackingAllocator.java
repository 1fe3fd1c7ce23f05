package io.dosp.fuzz;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it hands out, so a fuzz target can check that a
 * pipeline released all of them (the decoder's cumulation buffers included), input by input:
 * Netty's leak detector only reports leaks it samples, later, in a log. Not thread-safe: one
 * {@code EmbeddedChannel}, one thread.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> handedOut = new ArrayList<>();

    TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
        handedOut.add(b);
        return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
        handedOut.add(b);
        return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** Buffers handed out and not released yet. */
    long unreleased() {
        return handedOut.stream().filter(b -> b.refCnt() != 0).count();
    }

    /** Buffers handed out so far. */
    int handedOut() {
        return handedOut.size();
    }
}
