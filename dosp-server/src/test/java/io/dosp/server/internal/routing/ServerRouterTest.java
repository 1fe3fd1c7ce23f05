package io.dosp.server.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.internal.session.SessionSettings;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The router over real sessions on EmbeddedChannels (no TCP); federation is a fake remote route. */
class ServerRouterTest {
    /** Compression on: packets reach the channel as objects (no codec in these pipelines). */
    private static final SessionSettings SETTINGS = new SessionSettings(true, 1 << 16, 1 << 20, 1 << 10,
            1 << 20, Duration.ofSeconds(30), SlowConsumerPolicy.BACKPRESSURE, 0, 0);

    private final VipTable<ClientSession> vips = new VipTable<>(VipTemplate.parse("7.10.0.x"), Set.of());
    private final Map<ClientSession, EmbeddedChannel> channels = new LinkedHashMap<>();

    @AfterEach
    void close() {
        channels.values().forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** A connected client holding the next free vIP. */
    private ClientSession client() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Vip vip = vips.allocate().orElseThrow();
        ClientSession s = new ClientSession(ch, vip, SETTINGS, new Counters(), (session, packet) -> { }, MemoryBudget.unlimited(),
                (src, dst) -> { }, PeerLog.defaults());
        vips.bind(vip, s);
        channels.put(s, ch);
        return s;
    }

    private static S2cPacket s2c(Vip dst, Vip src) {
        return S2cPacket.of(dst, src, "hi".getBytes(StandardCharsets.UTF_8));
    }

    private List<Packet> received(ClientSession s) {
        EmbeddedChannel ch = channels.get(s);
        ch.runPendingTasks(); // the flush task
        List<Packet> out = new ArrayList<>();
        Object m;
        while ((m = ch.readOutbound()) != null) {
            out.add((Packet) m);
        }
        return out;
    }

    /** Records what federation was handed. */
    private static final class FakeRemote implements RemoteRoute {
        final List<String> calls = new ArrayList<>();
        RouteResult answer = RouteResult.DELIVERED;

        @Override
        public RouteResult forward(S2cPacket packet, int hopLimit, String fromPeer) {
            calls.add(packet.dst() + " hops=" + hopLimit + " from=" + fromPeer);
            return answer;
        }
    }

    @Test
    void deliversToTheLocalHolderOfDst() {
        FakeRemote remote = new FakeRemote();
        ServerRouter router = new ServerRouter(vips, Optional.of(remote));
        ClientSession a = client();
        ClientSession b = client();
        S2cPacket p = s2c(b.vip(), a.vip());

        assertThat(router.route(p, 16, null)).isEqualTo(RouteResult.DELIVERED);
        assertThat(received(b)).containsExactly(p);
        assertThat(received(a)).isEmpty();
        assertThat(remote.calls).isEmpty();
        assertThat(router.localClient(b.vip())).contains(b);
    }

    @Test
    void noRouteForAnUnheldVipOfTheTemplateEvenWithFederation() {
        FakeRemote remote = new FakeRemote();
        ServerRouter router = new ServerRouter(vips, Optional.of(remote));
        ClientSession a = client();

        assertThat(router.route(s2c(Vip.parse("7.10.0.99"), a.vip()), 16, null)).isEqualTo(RouteResult.NO_ROUTE);
        assertThat(remote.calls).isEmpty();
        assertThat(router.localClient(Vip.parse("7.10.0.99"))).isEmpty();
    }

    @Test
    void noRouteOutsideTheTemplateWithoutFederation() {
        ServerRouter router = new ServerRouter(vips, Optional.empty());
        ClientSession a = client();
        assertThat(router.route(s2c(Vip.parse("10.7.0.2"), a.vip()), 16, null)).isEqualTo(RouteResult.NO_ROUTE);
    }

    @Test
    void handsDstOutsideTheTemplateToTheRemoteRoute() {
        FakeRemote remote = new FakeRemote();
        ServerRouter router = new ServerRouter(vips, Optional.of(remote));
        ClientSession a = client();

        assertThat(router.route(s2c(Vip.parse("10.7.0.2"), a.vip()), 5, "10.0.0.1:7744"))
                .isEqualTo(RouteResult.DELIVERED);
        remote.answer = RouteResult.OVERLOADED;
        assertThat(router.route(s2c(Vip.parse("10.7.0.3"), a.vip()), 16, null)).isEqualTo(RouteResult.OVERLOADED);
        assertThat(remote.calls).containsExactly("10.7.0.2 hops=5 from=10.0.0.1:7744", "10.7.0.3 hops=16 from=null");
    }

    @Test
    void noRouteToAClosedHolder() {
        ServerRouter router = new ServerRouter(vips, Optional.empty());
        ClientSession a = client();
        ClientSession b = client();
        channels.get(b).close();
        assertThat(router.route(s2c(b.vip(), a.vip()), 16, null)).isEqualTo(RouteResult.NO_ROUTE);
    }

    @Test
    void aDetachedLinkIsNoLongerRoutedTo() {
        ServerRouter router = new ServerRouter(vips, Optional.empty());
        ClientSession a = client();
        ClientSession link = client();
        Vip linkVip = link.vip();
        router.detach(link);
        assertThat(router.route(s2c(linkVip, a.vip()), 16, null)).isEqualTo(RouteResult.NO_ROUTE);
        assertThat(vips.allocate()).contains(linkVip);
    }

    @Test
    void broadcastReachesEveryClientButTheSender() {
        ServerRouter router = new ServerRouter(vips, Optional.empty());
        ClientSession a = client();
        ClientSession b = client();
        ClientSession c = client();

        assertThat(router.broadcast("hello", a)).isEqualTo(2);
        assertThat(received(a)).isEmpty();
        for (ClientSession s : List.of(b, c)) {
            List<Packet> got = received(s);
            assertThat(got).hasSize(1);
            assertThat(got.get(0).type()).isEqualTo(PacketType.MSG);
            assertThat(((SimplePacket) got.get(0)).bodyText()).isEqualTo("hello");
        }
    }
}
