package io.dosp.it.server;

import static io.dosp.testkit.Expect.TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.nextErr;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.RawClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec 5.4 (FN answered with SA / ERR FNF / ERR FF) and custom packet types 0x20..0xFF. */
class ServerFunctionsIT {
    @TempDir
    Path tmp;

    @Test
    void fnSuccessAnswersSaWithTheReturnedText() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            AtomicReference<Vip> caller = new AtomicReference<>();
            server.registerFunction("whoami", c -> {
                caller.set(c.vip());
                return "you are " + c.vip() + " ✓";
            });
            b.send(Packets.fn("whoami"));
            SimplePacket sa = next(b, PacketType.SA);
            assertThat(sa.bodyText()).isEqualTo("you are 7.10.0.3 ✓");
            assertThat(caller.get()).isEqualTo(b.vip());
            assertPingRoundTrip(a);
        }
    }

    @Test
    void fnReturningNullAnswersAnEmptySa() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            server.registerFunction("nothing", c -> null);
            a.send(Packets.fn("nothing"));
            assertThat(next(a, PacketType.SA).bodyLength()).isZero();
        }
    }

    @Test
    void unknownFunctionAnswersFnfNamingIt() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            server.registerFunction("known", c -> "ok");
            a.send(Packets.fn("no_such_fn"));
            ErrorReply err = nextErr(a, ErrCode.FNF);
            assertThat(err.text()).isEqualTo("no_such_fn");

            // Unregistered functions are gone for later calls.
            server.unregisterFunction("known");
            a.send(Packets.fn("known"));
            assertThat(nextErr(a, ErrCode.FNF).text()).isEqualTo("known");

            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void throwingFunctionAnswersFfWithTheMessage() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            server.registerFunction("boom", c -> {
                throw new IllegalStateException("database is down");
            });
            server.registerFunction("silent_boom", c -> {
                throw new IOException();
            });
            a.send(Packets.fn("boom"));
            ErrorReply err = nextErr(a, ErrCode.FF);
            assertThat(err.text()).isEqualTo("database is down");

            a.send(Packets.fn("silent_boom"));
            assertThat(nextErr(a, ErrCode.FF).text()).isEqualTo("IOException");

            // The connection and the other client carry on; the function can still be called.
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
            a.send(Packets.fn("boom"));
            assertThat(nextErr(a, ErrCode.FF).text()).isEqualTo("database is down");
        }
    }

    @Test
    void aBlockingFunctionDoesNotHoldUpTheConnection() throws InterruptedException {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            server.registerFunction("slow", c -> {
                running.countDown();
                return release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) ? "done" : "timed out";
            });
            a.send(Packets.fn("slow"));
            assertThat(running.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            // The function is running off the event loop: a PING is answered meanwhile.
            assertPingRoundTrip(a);
            release.countDown();
            assertThat(next(a, PacketType.SA).bodyText()).isEqualTo("done");
        }
    }

    @Test
    void customTypeIsDispatchedToItsHandler() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            AtomicReference<Vip> from = new AtomicReference<>();
            server.onCustomPacket(0x20, (client, p) -> {
                from.set(client.vip());
                String reversed = new StringBuilder(p.bodyText()).reverse().toString();
                client.send(Packets.custom(0x21, reversed.getBytes(StandardCharsets.UTF_8)));
            });
            server.onCustomPacket(0xFF, (client, p) -> client.send(Packets.custom(0xFF, p.body())));

            a.send(Packets.custom(0x20, "hello".getBytes(StandardCharsets.UTF_8)));
            SimplePacket reply = (SimplePacket) a.receive(TIMEOUT);
            assertThat(reply.typeCode()).isEqualTo(0x21);
            assertThat(reply.bodyText()).isEqualTo("olleh");
            assertThat(from.get()).isEqualTo(a.vip());

            // In arrival order, interleaved with protocol packets.
            b.send(Packets.custom(0xFF, new byte[] {1}));
            b.send(Packets.ping(new byte[] {2}));
            b.send(Packets.custom(0xFF, new byte[] {3}));
            SimplePacket r1 = (SimplePacket) b.receive(TIMEOUT);
            SimplePacket r2 = (SimplePacket) b.receive(TIMEOUT);
            SimplePacket r3 = (SimplePacket) b.receive(TIMEOUT);
            assertThat(r1.typeCode()).isEqualTo(0xFF);
            assertThat(r1.body()).containsExactly(1);
            assertThat(r2.type()).isEqualTo(PacketType.PING);
            assertThat(r2.body()).containsExactly(2);
            assertThat(r3.typeCode()).isEqualTo(0xFF);
            assertThat(r3.body()).containsExactly(3);
        }
    }

    @Test
    void unregisteredCustomTypeAnswersUknp() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            server.onCustomPacket(0x20, (client, p) -> client.send(Packets.custom(0x20, p.body())));
            a.send(Packets.custom(0x42, new byte[] {1, 2, 3}));
            SimplePacket err = next(a, PacketType.ERR);
            assertThat(err.bodyHex()).isEqualTo("09");
            assertPingRoundTrip(a);

            // A removed handler makes its type unknown again.
            server.onCustomPacket(0x20, null);
            a.send(Packets.custom(0x20, new byte[] {1}));
            assertThat(nextErr(a).code()).isEqualTo(ErrCode.UKNP);
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void throwingCustomHandlerAnswersFfAndTheConnectionCarriesOn() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            server.onCustomPacket(0x30, (client, p) -> {
                if (p.bodyByte(0) == 0) {
                    throw new IllegalArgumentException("bad input");
                }
                client.send(Packets.custom(0x30, new byte[] {(byte) 0xAA}));
            });
            a.send(Packets.custom(0x30, new byte[] {0}));
            assertThat(nextErr(a).code()).isEqualTo(ErrCode.FF);

            // Same connection, same handler, good input: answered.
            a.send(Packets.custom(0x30, new byte[] {1}));
            SimplePacket ok = (SimplePacket) a.receive(TIMEOUT);
            assertThat(ok.typeCode()).isEqualTo(0x30);
            assertThat(ok.body()).containsExactly(0xAA);
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }
}
