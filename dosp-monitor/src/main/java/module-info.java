/**
 * The DoSP monitoring listener: {@code io.dosp.monitor} is its API ({@code DospMonitor}, {@code MonitorConfig});
 * {@code io.dosp.monitor.internal} stays inside the module. A module of its own so that an embedded server
 * pulls in Micrometer only when it wants the listener.
 */
module io.dosp.monitor {
    requires transitive io.dosp.server;
    // the registry appears in DospMonitor's API (to add meters of one's own)
    requires transitive micrometer.core;
    requires micrometer.registry.prometheus;
    requires com.fasterxml.jackson.databind;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.transport;
    requires org.slf4j;

    exports io.dosp.monitor;
}
