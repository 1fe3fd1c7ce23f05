package io.dosp.it.server;

import static io.dosp.testkit.Expect.CLOSE_TIMEOUT;
import static io.dosp.testkit.Expect.admin;
import static io.dosp.testkit.Expect.auth;
import static io.dosp.testkit.Expect.exchange;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.nextText;
import static io.dosp.testkit.Expect.sync;
import static io.dosp.testkit.TestServers.config;
import static io.dosp.testkit.TestServers.hash;
import static io.dosp.testkit.TestServers.vip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ADMIN access-control commands (spec 5.8): ban / unban by client hash, the whitelist and
 * its mode, block / unblock of vIPs for RQIP and allocation.
 */
class AdminAccessIT {
    static final String TOKEN = AdminAuthIT.TOKEN;
    static final String BLOCKED_EXIT = "Your client hash is blocked";
    static final String NOT_WHITELISTED_EXIT = "Your client hash is not whitelisted";

    @TempDir
    Path tmp;
    DospServer server;
    RawClient adm;

    @BeforeEach
    void startServerAndAdmin() {
        server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN)).build());
        adm = RawClient.connect(server.port());
        auth(adm, TOKEN);
    }

    @AfterEach
    void stop() {
        adm.close();
        server.close();
    }

    /** Connects, sends CLIENT_INFO {@code h}, and expects to be refused with {@code exit}. */
    private void expectRefused(String h, String exit) {
        try (RawClient c = RawClient.connect(server.port())) {
            c.send(Packets.clientInfo(h));
            assertThat(c.expectExit()).isEqualTo(exit);
            assertThat(c.closedWithin(CLOSE_TIMEOUT)).isTrue();
            await().atMost(TestServers.AWAIT).until(() -> server.client(c.vip()).isEmpty());
        }
    }

    /** Connects and sends CLIENT_INFO {@code h}; asserts the connection is kept. */
    private RawClient connectWithHash(String h) {
        RawClient c = RawClient.connect(server.port());
        c.send(Packets.clientInfo(h));
        sync(c);
        assertThat(server.client(c.vip()).orElseThrow().machineHash()).contains(h.toLowerCase(Locale.ROOT));
        return c;
    }

    @Test
    void banDisconnectsByHashRefusesItLaterAndUnbanLiftsIt() {
        String h = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        try (RawClient victim = connectWithHash(h);
             RawClient noHash = RawClient.connect(server.port())) {
            assertThat(admin(adm, "ban " + noHash.vip())).startsWith("ERR:").contains("has not sent a client hash");
            assertThat(admin(adm, "ban 7.10.0.99")).isEqualTo("ERR:No client with vIP 7.10.0.99");

            assertThat(admin(adm, "ban " + victim.vip())).isEqualTo("Banned " + h + " and disconnected " + victim.vip());
            assertThat(victim.expectExit()).isEqualTo(BLOCKED_EXIT);
            assertThat(victim.closedWithin(CLOSE_TIMEOUT)).isTrue();
            TestServers.awaitExactly(server, adm.vip(), noHash.vip());

            expectRefused(h, BLOCKED_EXIT);
            expectRefused(h.toUpperCase(Locale.ROOT), BLOCKED_EXIT);
            assertThat(server.stats().drops(DropReason.BANNED)).isEqualTo(2);
            assertThat(admin(adm, "stats")).contains("banned_hashes: 1");
            sync(noHash); // others are untouched

            assertThat(admin(adm, "unban " + h)).isEqualTo("Unbanned " + h);
            assertThat(admin(adm, "unban " + h)).isEqualTo("ERR:" + h + " was not banned");
            try (RawClient back = connectWithHash(h)) {
                exchange(back, noHash, "unbanned");
            }
        }
    }

    @Test
    void configuredBanRefusesAtClientInfo() {
        server.close();
        server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN).bannedHashes(Set.of(hash('E')))).build());
        expectRefused(hash('e'), BLOCKED_EXIT);
        try (RawClient ok = connectWithHash(hash('f'))) {
            sync(ok);
        }
    }

    @Test
    void whitelistModeAdmitsOnlyListedHashes() {
        String w1 = hash('1');
        String w2 = hash('2');
        String other = hash('3');
        assertThat(admin(adm, "whitelist " + w1)).isEqualTo("Whitelisted " + w1);
        assertThat(admin(adm, "whitelist " + w1)).isEqualTo("ERR:" + w1 + " is already whitelisted");
        assertThat(admin(adm, "whitelist " + w2)).isEqualTo("Whitelisted " + w2);
        // Whitelisting alone changes nothing until the mode is on.
        try (RawClient c = connectWithHash(other)) {
            sync(c);
        }

        assertThat(admin(adm, "whitelist-on")).isEqualTo("Whitelist mode on (2 hashes)");
        expectRefused(other, NOT_WHITELISTED_EXIT);
        try (RawClient a = connectWithHash(w1);
             RawClient b = connectWithHash(w2.toUpperCase(Locale.ROOT))) {
            exchange(a, b, "whitelisted");
            // A client that never says its hash may not use the server in whitelist mode.
            try (RawClient anon = RawClient.connect(server.port())) {
                anon.send(Packets.s2c(a.vip(), "hi".getBytes()));
                assertThat(anon.expectExit()).isEqualTo("Client hash required (whitelist mode)");
                assertThat(anon.closedWithin(CLOSE_TIMEOUT)).isTrue();
            }
            sync(a); // got nothing from the refused one

            assertThat(admin(adm, "whitelist-remove " + w2)).isEqualTo("Removed " + w2 + " from the whitelist");
            assertThat(admin(adm, "whitelist-remove " + w2)).isEqualTo("ERR:" + w2 + " is not whitelisted");
            expectRefused(w2, NOT_WHITELISTED_EXIT);
            assertThat(admin(adm, "stats")).contains("whitelist: on (1 hashes)");

            assertThat(admin(adm, "whitelist-off")).isEqualTo("Whitelist mode off");
            try (RawClient c = connectWithHash(other)) {
                exchange(c, a, "whitelist-off");
            }
        }
    }

    @Test
    void blockRefusesRqipAndUnblockAllowsIt() {
        try (RawClient c = RawClient.connect(server.port())) {
            Vip target = vip("7.10.0.9");
            assertThat(admin(adm, "block " + target)).isEqualTo("Blocked " + target);
            assertThat(admin(adm, "block " + target)).isEqualTo("ERR:" + target + " is already blocked");

            c.send(Packets.rqip(target));
            assertThat(nextText(c, PacketType.RQIP)).isEqualTo("E:IP can't be used");
            assertThat(server.client(c.vip())).isPresent();

            assertThat(admin(adm, "unblock " + target)).isEqualTo("Unblocked " + target);
            assertThat(admin(adm, "unblock " + target)).isEqualTo("ERR:" + target + " is not blocked");
            Vip old = c.vip();
            c.send(Packets.rqip(target));
            assertThat(nextText(c, PacketType.RQIP)).isEqualTo("D:");
            assertThat(Packets.parseAip(next(c, PacketType.AIP).body())).isEqualTo(target);
            c.vip(target);
            assertThat(server.client(old)).isEmpty();
            exchange(c, adm, "moved");
        }
    }

    @Test
    void defaultBlockedVipsAreRefused() {
        for (String v : new String[] {"0.0.0.0", "127.0.0.1"}) {
            adm.send(Packets.rqip(vip(v)));
            assertThat(nextText(adm, PacketType.RQIP)).as(v).isEqualTo("E:IP can't be used");
        }
    }

    @Test
    void blockedVipIsNotHandedOutUntilUnblocked() {
        Vip next = vip("7.10.0.3");
        assertThat(admin(adm, "block " + next)).isEqualTo("Blocked " + next);
        try (RawClient a = RawClient.connect(server.port())) {
            assertThat(a.vip()).isEqualTo(vip("7.10.0.4"));
            assertThat(admin(adm, "unblock " + next)).isEqualTo("Unblocked " + next);
            try (RawClient b = RawClient.connect(server.port())) {
                assertThat(b.vip()).isEqualTo(next);
            }
        }
    }

    @Test
    void blockingAHeldVipKeepsItOutOfAllocationOnceFreed() {
        try (RawClient holder = RawClient.connect(server.port())) {
            Vip held = holder.vip();
            assertThat(held).isEqualTo(vip("7.10.0.3"));
            assertThat(admin(adm, "block " + held)).isEqualTo("Blocked " + held);
            sync(holder); // blocking does not disconnect the holder
            holder.close();
            TestServers.awaitExactly(server, adm.vip());
            try (RawClient next = RawClient.connect(server.port())) {
                assertThat(next.vip()).as("a blocked vIP is not handed out").isEqualTo(vip("7.10.0.4"));
                next.send(Packets.rqip(held));
                assertThat(nextText(next, PacketType.RQIP)).isEqualTo("E:IP can't be used");
            }
            TestServers.awaitExactly(server, adm.vip());
            assertThat(admin(adm, "unblock " + held)).isEqualTo("Unblocked " + held);
            try (RawClient again = RawClient.connect(server.port())) {
                assertThat(again.vip()).isEqualTo(held);
            }
        }
    }
}
