package io.dosp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class WritabilityTest {
    @Test
    void aFullWriteBufferMakesSendersWaitUntilItDrainsAndAnEndFailsThem() {
        Writability w = new Writability();
        EmbeddedChannel c = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                w.changed(ctx.channel());
            }
        });
        c.config().setWriteBufferWaterMark(new WriteBufferWaterMark(100, 200));
        assertThat(w.when(c)).isDone();

        c.write(Unpooled.wrappedBuffer(new byte[300])); // queued, not flushed: over the high water mark
        assertThat(c.isWritable()).isFalse();
        CompletableFuture<Void> waiting = w.when(c);
        assertThat(waiting).isNotDone();
        assertThat(w.when(c)).isSameAs(waiting);

        c.flush(); // drained below the low water mark
        assertThat(waiting).isCompleted();
        assertThat(w.when(c)).isCompleted();

        c.write(Unpooled.wrappedBuffer(new byte[300]));
        CompletableFuture<Void> cut = w.when(c);
        w.end(new IllegalStateException("gone"));
        assertThat(cut).isCompletedExceptionally();
        assertThat(w.when(c)).isCompletedExceptionally();
        c.finishAndReleaseAll();
    }
}
