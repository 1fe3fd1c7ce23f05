package io.dosp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.Vip;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** The options groups: defaults, group editing in place, toBuilder, and every rule naming its field. */
class ClientOptionsTest {

    private static void failsOn(String field, ThrowingCallable build) {
        assertThatThrownBy(build).isInstanceOf(InvalidConfigException.class)
                .satisfies(e -> assertThat(((InvalidConfigException) e).field()).isEqualTo(field))
                .hasMessageStartingWith(field + ": ");
    }

    @Test
    void defaults() {
        ClientOptions o = ClientOptions.builder().build();
        assertThat(o.host()).isEqualTo(ClientOptions.DEFAULT_HOST);
        assertThat(o.port()).isEqualTo(ClientOptions.DEFAULT_PORT);
        assertThat(o.connectTimeout()).isEqualTo(ClientOptions.DEFAULT_CONNECT_TIMEOUT);
        assertThat(o.requestTimeout()).isEqualTo(ClientOptions.DEFAULT_REQUEST_TIMEOUT);
        assertThat(o.maxFrameSize()).isEqualTo(ClientOptions.DEFAULT_MAX_FRAME_SIZE);
        assertThat(o.receiveQueue()).isEqualTo(ClientOptions.DEFAULT_RECEIVE_QUEUE);
        assertThat(o.tls().enabled()).isFalse();
        assertThat(o.reconnect().enabled()).isFalse();
        assertThat(o.reconnect().keepVip()).isEqualTo(ReconnectOptions.DEFAULT_KEEP_VIP);
        assertThat(o.reconnect().backoff().initial()).isEqualTo(ReconnectOptions.DEFAULT_INITIAL_DELAY);
        assertThat(o.heartbeat().enabled()).as("on by default, so a receive-only client survives idle timeouts").isTrue();
        assertThat(o.heartbeat().interval()).isEqualTo(HeartbeatOptions.DEFAULT_INTERVAL).isEqualTo(Duration.ofSeconds(20));
        assertThat(HeartbeatOptions.OFF.enabled()).isFalse();
        assertThat(ClientOptions.builder().heartbeat(HeartbeatOptions.OFF).build().heartbeat().enabled()).isFalse();
        assertThat(o.heartbeat().misses()).isEqualTo(HeartbeatOptions.DEFAULT_MISSES);
    }

    @Test
    void groupsAreEditedInPlaceAndKeptByToBuilder() {
        ClientOptions o = ClientOptions.builder().server("example.org:7745")
                .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(10), Duration.ofSeconds(1)))
                .heartbeat(h -> h.interval(Duration.ofSeconds(2)))
                .heartbeat(h -> h.misses(5))
                .build();
        assertThat(o.host()).isEqualTo("example.org");
        assertThat(o.port()).isEqualTo(7745);
        assertThat(o.reconnect().enabled()).isTrue();
        assertThat(o.reconnect().backoff().max()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.heartbeat().interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.heartbeat().misses()).as("a second edit keeps the first").isEqualTo(5);

        ClientOptions copy = o.toBuilder().requestTimeout(Duration.ofSeconds(3)).build();
        assertThat(copy.reconnect().backoff()).isEqualTo(o.reconnect().backoff());
        assertThat(copy.heartbeat().interval()).isEqualTo(o.heartbeat().interval());
        assertThat(copy.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.requestTimeout()).as("the original is immutable").isEqualTo(ClientOptions.DEFAULT_REQUEST_TIMEOUT);

        ClientOptions whole = ClientOptions.builder().reconnect(ReconnectOptions.builder().enabled(true).keepVip(false).build())
                .build();
        assertThat(whole.reconnect().keepVip()).isFalse();
    }

    @Test
    void everyRuleNamesItsField() {
        failsOn("port", () -> ClientOptions.builder().server("h", 0).build());
        failsOn("server", () -> ClientOptions.builder().server("h:notaport"));
        failsOn("connectTimeout", () -> ClientOptions.builder().connectTimeout(Duration.ZERO).build());
        failsOn("handshakeTimeout", () -> ClientOptions.builder().handshakeTimeout(Duration.ofSeconds(-1)).build());
        failsOn("requestTimeout", () -> ClientOptions.builder().requestTimeout(Duration.ZERO).build());
        failsOn("tunnelTimeout", () -> ClientOptions.builder().tunnelTimeout(Duration.ZERO).build());
        failsOn("maxFrameSize", () -> ClientOptions.builder().maxFrameSize(ClientOptions.MIN_MAX_FRAME_SIZE - 1).build());
        failsOn("receiveQueue", () -> ClientOptions.builder().receiveQueue(0).build());
        failsOn("machineHash", () -> ClientOptions.builder().machineHash("not hex!").build());
        failsOn("fixedVip", () -> ClientOptions.builder().requestVip(null, true).build());
        failsOn("reconnect.initialDelay", () -> ClientOptions.builder()
                .reconnect(r -> r.backoff(Duration.ZERO, Duration.ofSeconds(1))).build());
        failsOn("reconnect.maxDelay", () -> ClientOptions.builder()
                .reconnect(r -> r.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).build());
        failsOn("heartbeat.interval", () -> ClientOptions.builder().heartbeat(h -> h.interval(Duration.ofSeconds(-1))).build());
        failsOn("heartbeat.misses", () -> ClientOptions.builder().heartbeat(h -> h.misses(0)).build());
        failsOn("tunnels.maxTunnels", () -> ClientOptions.builder().tunnels(t -> t.maxTunnels(0)).build());
        failsOn("tunnels.maxHalfOpen", () -> ClientOptions.builder().tunnels(t -> t.maxTunnels(4).maxHalfOpen(5)).build());
        failsOn("tunnels.handshakeRate", () -> ClientOptions.builder().tunnels(t -> t.handshakeRate(10, 0)).build());
        failsOn("tunnels.errorReplyRate", () -> ClientOptions.builder().tunnels(t -> t.errorReplyRate(-1, 1)).build());
    }

    @Test
    void tunnelLimitsHaveDefaultsAndSurviveACopy() {
        TunnelOptions d = ClientOptions.builder().build().tunnels();
        assertThat(d.maxTunnels()).isEqualTo(TunnelOptions.DEFAULT_MAX_TUNNELS);
        assertThat(d.maxHalfOpen()).isEqualTo(TunnelOptions.DEFAULT_MAX_HALF_OPEN);
        assertThat(d.handshakesPerSecond()).isEqualTo(TunnelOptions.DEFAULT_HANDSHAKES_PER_SECOND);
        assertThat(d.handshakesPerSecondPerPeer()).isEqualTo(TunnelOptions.DEFAULT_HANDSHAKES_PER_SECOND_PER_PEER);
        assertThat(d.errorRepliesPerSecond()).isEqualTo(TunnelOptions.DEFAULT_ERROR_REPLIES_PER_SECOND);
        assertThat(d.errorRepliesPerSecondPerPeer()).isEqualTo(TunnelOptions.DEFAULT_ERROR_REPLIES_PER_SECOND_PER_PEER);
        ClientOptions o = ClientOptions.builder().tunnels(t -> t.maxTunnels(8).maxHalfOpen(2).handshakeRate(7, 3)
                .errorReplyRate(0, 0)).build();
        TunnelOptions copy = o.toBuilder().build().tunnels();
        assertThat(copy.maxTunnels()).isEqualTo(8);
        assertThat(copy.maxHalfOpen()).isEqualTo(2);
        assertThat(copy.handshakesPerSecond()).isEqualTo(7);
        assertThat(copy.handshakesPerSecondPerPeer()).isEqualTo(3);
        assertThat(copy.errorRepliesPerSecond()).isZero();
    }

    @Test
    void aRequestedVipIsKeptAndReplacedForReconnects() {
        Vip v = Vip.parse("7.10.0.9");
        ClientOptions o = ClientOptions.builder().requestVip(v, true).build();
        assertThat(o.requestedVip()).isEqualTo(v);
        assertThat(o.fixedVip()).isTrue();
        assertThat(o.withRequestedVip(Vip.parse("7.10.0.10")).requestedVip()).isEqualTo(Vip.parse("7.10.0.10"));
    }

    @Test
    void webSocketUrlsAreNormalizedAndWssTurnsTlsOn() throws Exception {
        ClientOptions ws = ClientOptions.builder().server("ws://chat.example.org:7745").build();
        assertThat(ws.webSocketUri()).hasToString("ws://chat.example.org:7745/");
        assertThat(ws.host()).isEqualTo("chat.example.org");
        assertThat(ws.port()).isEqualTo(7745);
        assertThat(ws.serverName()).isEqualTo("ws://chat.example.org:7745/");
        assertThat(ws.tls().enabled()).isFalse();
        assertThat(ClientOptions.builder().server("WS://h/dosp?room=1").build().webSocketUri()).hasToString("ws://h:80/dosp?room=1");
        ClientOptions v6 = ClientOptions.builder().webSocket("ws://[::1]:9000/").build();
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6.webSocketUri()).hasToString("ws://[::1]:9000/");
        ClientOptions wss = ClientOptions.builder().server("wss://chat.example.org/").build();
        assertThat(wss.port()).isEqualTo(443);
        assertThat(wss.tls().enabled()).isTrue();
        assertThat(wss.tls().context()).isSameAs(javax.net.ssl.SSLContext.getDefault());
        assertThat(wss.toBuilder().build().webSocketUri()).isEqualTo(wss.webSocketUri());
        ClientOptions back = wss.toBuilder().server("127.0.0.1", 7744).tls(TlsOptions.OFF).build();
        assertThat(back.webSocketUri()).isNull();
        assertThat(back.serverName()).isEqualTo("127.0.0.1:7744");
    }

    @Test
    void badWebSocketUrlsNameTheField() {
        failsOn("server", () -> ClientOptions.builder().server("ws://"));
        failsOn("server", () -> ClientOptions.builder().webSocket("http://chat.example.org/"));
        failsOn("server", () -> ClientOptions.builder().webSocket("ws://user@chat.example.org/"));
        failsOn("tls.context", () -> ClientOptions.builder().server("ws://chat.example.org:7745/")
                .tls(t -> t.context(defaultContext())).build());
    }

    private static javax.net.ssl.SSLContext defaultContext() {
        try {
            return javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void serverAddressesIncludingIpv6Literals() {
        ClientOptions plain = ClientOptions.builder().server("example.org:7000").build();
        assertThat(plain.host()).isEqualTo("example.org");
        assertThat(plain.port()).isEqualTo(7000);
        assertThat(ClientOptions.builder().server("example.org").build().port()).isEqualTo(ClientOptions.DEFAULT_PORT);
        ClientOptions bracketed = ClientOptions.builder().server("[::1]:7001").build();
        assertThat(bracketed.host()).isEqualTo("::1");
        assertThat(bracketed.port()).isEqualTo(7001);
        assertThat(bracketed.serverName()).isEqualTo("[::1]:7001");
        ClientOptions bare = ClientOptions.builder().server("fe80::2").build();
        assertThat(bare.host()).isEqualTo("fe80::2");
        assertThat(bare.port()).isEqualTo(ClientOptions.DEFAULT_PORT);
        assertThat(ClientOptions.builder().server("[::1]").build().port()).isEqualTo(ClientOptions.DEFAULT_PORT);
        failsOn("server", () -> ClientOptions.builder().server("[::1]x"));
        failsOn("server", () -> ClientOptions.builder().server("[::1"));
        failsOn("server", () -> ClientOptions.builder().server("[::1]:port"));
        failsOn("port", () -> ClientOptions.builder().server("[::1]:70000").build());
        failsOn("server", () -> ClientOptions.builder().server("host:x"));
    }
}
