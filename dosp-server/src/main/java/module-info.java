/**
 * The DoSP server: {@code io.dosp.server} is its API ({@code DospServer}, the configuration
 * groups, the hook SPI); everything under {@code io.dosp.server.internal} stays inside the module (the cluster SPI
 * and the parts it works with are exported to the {@code io.dosp.cluster} module only).
 */
module io.dosp.server {
    requires transitive io.dosp.core;
    // LocalAddress (in-process transport) appears in DospServer's API.
    requires transitive io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.codec.http;
    requires io.netty.transport.classes.epoll;
    requires org.slf4j;

    exports io.dosp.server;
    // The cluster SPI and what it works with, for the dosp-cluster module only.
    exports io.dosp.server.internal to io.dosp.cluster;
    exports io.dosp.server.internal.cluster to io.dosp.cluster;
    exports io.dosp.server.internal.network to io.dosp.cluster;
    exports io.dosp.server.internal.routing to io.dosp.cluster;
    exports io.dosp.server.internal.session to io.dosp.cluster;
}
