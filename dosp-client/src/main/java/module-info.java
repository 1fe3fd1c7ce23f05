/**
 * The DoSP client: {@code io.dosp.client} is its API ({@code DospClient}, the options groups,
 * the listener and the exceptions); {@code io.dosp.client.internal} stays inside the module.
 */
module io.dosp.client {
    requires transitive io.dosp.core;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.codec.http;
    requires io.netty.transport;
    requires org.slf4j;

    exports io.dosp.client;
}
