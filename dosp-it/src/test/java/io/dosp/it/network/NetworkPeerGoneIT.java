package io.dosp.it.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.DospClient;
import io.dosp.client.NetworkClient;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.Rpc;
import io.dosp.messaging.RpcException;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer-gone notice across federation (issue 16): a client that exchanged S2C with a client of another server
 * hears EXT PEER_GONE as soon as the network directory reports that remote client gone (left, or its server
 * unreachable), so its tunnel ends and a messaging call in flight fails PEER_GONE at once, long before any timeout;
 * a client that never said HELLO (as a reference client) gets no EXT frame.
 */
class NetworkPeerGoneIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /** Events a listener heard, in order, as text. */
    static final class Events implements ClientListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onPeerGone(Vip peer, String reason) {
            seen.add("gone " + peer + " " + reason);
        }

        @Override
        public void onTunnelClosed(Vip peer, long tunnel, String reason) {
            seen.add("closed " + peer + " " + reason);
        }

        int indexOf(String prefix) {
            for (int i = 0; i < seen.size(); i++) {
                if (seen.get(i).startsWith(prefix)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** The callee's service: a call that waits until the test lets it go. */
    public static final class Slow {
        final CountDownLatch hold = new CountDownLatch(1);

        @Rpc
        public int wait(int v) throws InterruptedException {
            hold.await(120, TimeUnit.SECONDS);
            return v;
        }
    }

    /** What {@code raw} received up to the answer of a PING sent now (the server answers in order). */
    private static List<Packet> drain(RawClient raw) {
        raw.send(Packets.ping("end".getBytes(StandardCharsets.UTF_8)));
        List<Packet> got = new ArrayList<>();
        while (true) {
            Packet p = raw.receive();
            if (p.type() == PacketType.PING) {
                return got;
            }
            got.add(p);
        }
    }

    private static boolean knows(DospClient c, Vip vip) {
        return c.network().clients().stream().map(NetworkClient::vip).anyMatch(vip::equals);
    }

    @Test
    void aRemotePeerThatLeavesEndsTheTunnelAndFailsTheCallInFlightAtOnce() {
        try (Mesh mesh = new Mesh(tmp, 2)) {
            mesh.link(0, 1);
            mesh.awaitFullRoutes();
            DospClient a = mesh.client(0);
            DospClient b = mesh.client(1);
            Events events = new Events();
            a.addListener(events);
            Vip bVip = b.vip();
            RawClient reference = RawClient.connect(mesh.server(0).port());
            await().atMost(WAIT).until(() -> knows(a, bVip));
            // the reference-style client talks to b too, and b answers it (no HELLO: never recorded, never told)
            reference.send(Packets.s2c(bVip, reference.vip(), "plain".getBytes(StandardCharsets.UTF_8)));
            assertThat(b.receive(Duration.ofSeconds(30)).tunneled()).isFalse();
            b.send(reference.vip(), "plain back");
            assertThat(reference.receive(PacketType.S2C)).isInstanceOf(S2cPacket.class);
            Slow slow = new Slow();
            Messenger callee = Messenger.attach(b, MessengerOptions.builder().secure(true).build()).register(slow);
            try (reference; Messenger caller = Messenger.attach(a, MessengerOptions.builder().secure(true)
                         .callTimeout(Duration.ofSeconds(300)).build())) {

                CompletableFuture<Integer> f = caller.callAsync(bVip, "wait", new Object[] {1}, Integer.class);
                await().atMost(WAIT).until(() -> callee.stats().incomingCalls() == 1);
                assertThat(a.hasTunnel(bVip)).isTrue();
                assertThat(mesh.server(0).stats().network().remoteContacts()).isEqualTo(1);

                b.close(); // server 1 floods CLIENT_DOWN; server 0 tells a: no waiting for the 300 s call timeout
                await().atMost(WAIT).until(f::isDone);
                assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(RpcException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PEER_GONE));
                await().atMost(WAIT).until(() -> events.indexOf("closed " + bVip) >= 0);
                assertThat(events.seen.get(events.indexOf("gone " + bVip))).isEqualTo("gone " + bVip + " left");
                assertThat(events.indexOf("gone " + bVip)).isLessThan(events.indexOf("closed " + bVip));
                assertThat(a.hasTunnel(bVip)).isFalse();
                assertThat(mesh.server(0).stats().extensions().peerGoneSent()).isEqualTo(1);
                assertThat(mesh.server(0).stats().network().remoteContacts()).isZero();
                assertThat(drain(reference)).as("a client without HELLO never gets an EXT frame")
                        .noneMatch(p -> p.typeCode() == PacketType.EXT.code());
            } finally {
                slow.hold.countDown();
                callee.close();
            }
        }
    }

    @Test
    void aRemotePeerWhoseServerIsNoLongerReachableIsReportedUnreachable() {
        try (Mesh mesh = new Mesh(tmp, 2)) {
            mesh.link(0, 1);
            mesh.awaitFullRoutes();
            DospClient a = mesh.client(0);
            DospClient b = mesh.client(1);
            Events events = new Events();
            a.addListener(events);
            Vip bVip = b.vip();
            await().atMost(WAIT).until(() -> knows(a, bVip));
            a.openTunnel(bVip);
            a.send(bVip, "hello b");
            assertThat(b.receive(Duration.ofSeconds(30)).tunneled()).isTrue();

            mesh.unlink(0, 1); // b is still connected to server 1, which server 0 no longer reaches
            await().atMost(WAIT).until(() -> events.indexOf("closed " + bVip) >= 0);
            assertThat(events.seen.get(events.indexOf("gone " + bVip))).isEqualTo("gone " + bVip + " unreachable");
            assertThat(a.hasTunnel(bVip)).isFalse();
            assertThat(b.isConnected()).isTrue();
        }
    }
}
