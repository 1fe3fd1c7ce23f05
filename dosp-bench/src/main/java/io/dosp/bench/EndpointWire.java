package io.dosp.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * The protocol one {@link S2cEndpoint} speaks to its target: DoSP frames ({@link DospEndpointWire},
 * for our server, the Python one and direct loopback) or the NATS text protocol
 * ({@link NatsEndpointWire}). The endpoint owns the socket, the threads, the sequence numbers, the
 * window and the histograms; the wire only frames messages and parses what arrives, so every
 * target is driven through the same code path.
 *
 * <p>Not thread-safe: one per endpoint, used on its channel's event loop (except
 * {@link #pairWith}, called by the run before any message is sent).
 */
interface EndpointWire {

    /** What the wire reports to its endpoint, on the event loop. */
    interface Events {
        /** The target is ready for messages (DoSP: HSK; NATS: PONG after CONNECT and SUB; direct: connected). */
        void onReady();

        /** A message for this endpoint; {@code buf} is only valid during the call. */
        void onData(ByteBuf buf, int index, int length);

        /** The target answered a message this endpoint sent with "not delivered" (DoSP ERR S2CF). */
        void onRefused();

        /** Any other error the target reported (DoSP ERR, NATS -ERR). */
        void onError(String text);

        /** The target said goodbye (DoSP EXIT). */
        void onExit();

        /** A frame the generator does not use. */
        void onOther();

        /** A problem that makes the run meaningless. */
        void fail(String why);
    }

    /** The connection is up: write a greeting if the protocol starts with one. */
    void start(ChannelHandlerContext ctx);

    /** Consumes and releases {@code in}; false when the stream is broken and the channel must close. */
    boolean read(ChannelHandlerContext ctx, ByteBuf in);

    /** Learns where messages go once both ends of the pair are connected (DoSP: the partner's vIP). */
    void pairWith(EndpointWire partner);

    /** Bytes on the wire for one message carrying {@code dataLength} bytes. */
    int messageLength(int dataLength);

    /** One message to the partner: {@code seq(8) sendNanos(8)} followed by zeros up to {@code dataLength}. */
    void writeStamped(ByteBuf out, long seq, long sendNanos, int dataLength);

    /** One message to the partner carrying {@code data}. */
    void writeData(ByteBuf out, byte[] data);

    /** Frees buffered partial input. */
    void release();
}
