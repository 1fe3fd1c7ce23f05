/**
 * DoSP core: the packet model, the wire codec, compression, MPAK, vIP templates and tunnel
 * crypto. No client or server code. Every package is API, except {@code io.dosp.protocol.internal}
 * (helpers the other DoSP modules share), which only they may read.
 */
// The modules io.dosp.protocol.internal is exported to are built after this one: javac cannot see them here.
@SuppressWarnings("module")
module io.dosp.core {
    // Netty types appear in the codec's public signatures (handlers, ByteBuf).
    requires transitive io.netty.buffer;
    requires transitive io.netty.codec;
    requires transitive io.netty.transport;
    requires io.netty.common;
    // Netty 4.1 is an automatic module and cannot declare that it uses sun.misc.Unsafe: requiring
    // jdk.unsupported here resolves it, so Netty's direct-buffer fast paths work on the module path
    // without --add-modules.
    requires jdk.unsupported;

    exports io.dosp.codec;
    exports io.dosp.crypto;
    exports io.dosp.protocol;
    exports io.dosp.protocol.internal to io.dosp.server, io.dosp.client, io.dosp.monitor, io.dosp.messaging;
}
