package io.dosp.it.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.NetworkRequestException;
import io.dosp.crypto.Scram;
import io.dosp.server.AdmissionConfig;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client admission and the network features: join:/send:/name: grants, names bound to the user who registered them. */
class NetworkAdmissionIT {
    private static final byte[] SALT = "network-admission-salt".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private static String user(String name, String attributes) {
        return AdmissionConfig.User.parseLine("user " + name + " "
                + Scram.verifier((name + "-pw").toCharArray(), SALT, 4096).encode() + " " + attributes).toLine();
    }

    private static DospClient as(DospServer server, String user) {
        ClientOptions.Builder b = TestServers.options(server).login(user, (user + "-pw").toCharArray());
        return DospClient.connect(b.build());
    }

    private static void refused(Runnable r, String status) {
        assertThatThrownBy(r::run).isInstanceOf(NetworkRequestException.class)
                .satisfies(e -> assertThat(((NetworkRequestException) e).status()).isEqualTo(status));
    }

    @Test
    void grantsDecideWhoJoinsSendsAndRegistersAndNamesStayWithTheirUser() throws Exception {
        Path users = tmp.resolve("users");
        Files.write(users, List.of(user("alice", "groups=ops"), user("bob", "groups=devices"), user("carol", ""),
                "grant group:ops -> join:alerts,send:alerts",
                "grant user:bob,user:carol -> name:bob-*"));
        try (DospServer server = TestServers.start(tmp, b -> b.admission(a -> a.enabled(true).usersFile(users)
                .loginTimeout(Duration.ofSeconds(10))))) {
            try (DospClient alice = as(server, "alice"); DospClient bob = as(server, "bob");
                    DospClient carol = as(server, "carol")) {
                alice.network().join("alerts");
                refused(() -> bob.network().join("alerts"), "NOT_ALLOWED");
                refused(() -> alice.network().join("other"), "NOT_ALLOWED"); // join: grants exist: default deny
                assertThat(alice.network().sendToGroup("alerts", "up")).isZero();
                refused(() -> bob.network().sendToGroup("alerts", "spoofed"), "NOT_ALLOWED");
                refused(() -> alice.network().register("alice"), "NOT_ALLOWED");
                bob.network().register("bob-1");
                bob.network().register("bob-2");
                await().atMost(Duration.ofSeconds(30)).until(() -> carol.network().resolve("bob-2")
                        .equals(Optional.of(bob.vip())));
                bob.close();
                // Held for bob's reconnect: carol may register bob-* names, but not this one, even without a holder.
                await().atMost(Duration.ofSeconds(30)).until(() -> carol.network().resolve("bob-2").isEmpty());
                refused(() -> carol.network().register("bob-2"), "NOT_ALLOWED");
                carol.network().register("bob-3");
                try (DospClient bobAgain = as(server, "bob")) {
                    bobAgain.network().register("bob-2"); // the same user takes it back, no token needed
                    assertThat(carol.network().resolve("bob-2")).contains(bobAgain.vip());
                }
            }
        }
    }
}
