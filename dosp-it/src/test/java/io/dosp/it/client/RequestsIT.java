package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.FunctionCallException;
import io.dosp.client.Incoming;
import io.dosp.client.VipRefusedException;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request helpers answer correctly while S2C traffic arrives in between (the Python client breaks there). */
class RequestsIT {
    @TempDir
    Path tmp;

    @Test
    void helpersWorkWhileAThousandMessagesPerSecondArrive() throws Exception {
        try (DospServer server = TestServers.start(tmp)) {
            server.registerFunction("echo_vip", caller -> "you are " + caller.vip());
            server.registerFunction("boom", caller -> {
                throw new IllegalStateException("exploded");
            });
            try (DospClient busy = TestServers.client(server); DospClient flooder = TestServers.client(server)) {
                AtomicInteger sent = new AtomicInteger();
                ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
                try {
                    // 10 messages every 10 ms: about 1,000 per second while the requests run.
                    pacer.scheduleAtFixedRate(() -> {
                        for (int i = 0; i < 10; i++) {
                            flooder.send(busy.vip(), "flood " + sent.getAndIncrement());
                        }
                    }, 0, 10, TimeUnit.MILLISECONDS);
                    // At least 30 rounds, and on until the flood is under way (a fast server finishes 30 rounds in
                    // less than the 100 ms the pacer needs for 100 messages).
                    for (int round = 0; round < 30 || (sent.get() <= 100 && round < 10_000); round++) {
                        assertThat(busy.clients()).containsExactlyInAnyOrder(busy.vip(), flooder.vip());
                        assertThat(busy.ping()).isPositive();
                        assertThat(busy.call("echo_vip")).isEqualTo("you are " + busy.vip());
                        assertThatThrownBy(() -> busy.call("boom")).isInstanceOf(FunctionCallException.class)
                                .hasMessageContaining("exploded")
                                .satisfies(e -> assertThat(((FunctionCallException) e).code()).isEqualTo(ErrCode.FF));
                        assertThatThrownBy(() -> busy.call("missing")).isInstanceOf(FunctionCallException.class)
                                .hasMessageContaining("missing")
                                .satisfies(e -> assertThat(((FunctionCallException) e).code()).isEqualTo(ErrCode.FNF));
                        assertThat(busy.selfInfo()).contains("\"vip\":\"" + busy.vip() + "\"");
                        busy.admin().authenticate(TestServers.TOKEN);
                        assertThat(busy.admin().command("clients")).contains(flooder.vip().toString());
                        assertThat(busy.admin().broadcast("hello all")).isEqualTo("Broadcast sent to 1 clients");
                    }
                } finally {
                    pacer.shutdownNow();
                    pacer.awaitTermination(5, TimeUnit.SECONDS);
                }
                // Every flood message arrived, in order, none taken for a reply.
                int total = sent.get();
                assertThat(total).isGreaterThan(100);
                int next = 0;
                while (next < total) {
                    Incoming in = busy.receive(Duration.ofSeconds(5));
                    assertThat(in).as("flood message %d of %d", next, total).isNotNull();
                    if (in.isS2c()) {
                        assertThat(in.text()).isEqualTo("flood " + next);
                        next++;
                    }
                }
                assertThat(busy.droppedMessages()).isZero();
            }
        }
    }

    @Test
    void rqipMovesTheClientAndRefusalsAreTyped() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server)) {
            Vip wanted = Vip.parse("7.10.0.77");
            assertThat(a.requestVip(wanted)).isEqualTo(wanted);
            assertThat(a.vip()).isEqualTo(wanted);
            b.send(wanted, "to the new address");
            assertThat(a.receive(Duration.ofSeconds(5)).text()).isEqualTo("to the new address");
            assertThatThrownBy(() -> b.requestVip(wanted)).isInstanceOf(VipRefusedException.class)
                    .hasMessageContaining("7.10.0.77").hasMessageContaining("IP already in use");
            assertThatThrownBy(() -> b.requestVip(Vip.parse("127.0.0.1"))).isInstanceOf(VipRefusedException.class)
                    .hasMessageContaining("IP can't be used");
        }
    }

    @Test
    void inProcessClientOverTheLocalTransport() {
        String name = "dosp-test-" + System.nanoTime();
        try (DospServer server = DospServer.start(TestServers.config(tmp).localTransport(true, name).build());
             DospClient local = DospClient.connect(ClientOptions.builder().local(name).machineHash("cd".repeat(32)).build());
             DospClient tcp = TestServers.client(server)) {
            assertThat(local.server()).isEqualTo("local:" + name);
            local.openTunnel(tcp.vip());
            local.send(tcp.vip(), "from inside the JVM");
            Incoming in = tcp.receive(Duration.ofSeconds(5));
            assertThat(in.text()).isEqualTo("from inside the JVM");
            assertThat(in.tunneled()).isTrue();
            assertThat(local.clients()).contains(local.vip(), tcp.vip());
        }
    }
}
