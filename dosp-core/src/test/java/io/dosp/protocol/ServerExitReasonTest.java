package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The EXIT texts a server sends, looked up exactly, and whether a client may come back after each. */
class ServerExitReasonTest {

    @ParameterizedTest
    @EnumSource(value = ServerExitReason.class, names = "OTHER", mode = EnumSource.Mode.EXCLUDE)
    void everyTextLooksUpItsReason(ServerExitReason reason) {
        assertThat(reason.text()).isNotNull();
        assertThat(ServerExitReason.of(reason.text())).isEqualTo(reason);
    }

    @Test
    void textsAreDistinct() {
        long distinct = Arrays.stream(ServerExitReason.values()).map(ServerExitReason::text).filter(Objects::nonNull)
                .distinct().count();
        assertThat(distinct).isEqualTo(ServerExitReason.values().length - 1);
    }

    @Test
    void theSpecsTextsAndTheReferenceShutdown() {
        assertThat(ServerExitReason.of("Server full")).isEqualTo(ServerExitReason.SERVER_FULL);
        assertThat(ServerExitReason.of("Disconnected by admin")).isEqualTo(ServerExitReason.KICKED);
        assertThat(ServerExitReason.of("Your client hash is blocked")).isEqualTo(ServerExitReason.HASH_BLOCKED);
        assertThat(ServerExitReason.of("")).isEqualTo(ServerExitReason.SHUTDOWN_REFERENCE);
        assertThat(ServerExitReason.of("Server shutting down")).isEqualTo(ServerExitReason.SHUTTING_DOWN);
        assertThat(ServerExitReason.PACKET_TOO_LARGE.text()).isEqualTo(FrameTooLargeException.EXIT_REASON);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Something else", "server full", "Server full ", " Server full", "Disconnected by admin!"})
    void unknownOrInexactTextIsOther(String text) {
        assertThat(ServerExitReason.of(text)).isEqualTo(ServerExitReason.OTHER);
    }

    @Test
    void nullIsOtherAndOtherHasNoText() {
        assertThat(ServerExitReason.of(null)).isEqualTo(ServerExitReason.OTHER);
        assertThat(ServerExitReason.OTHER.text()).isNull();
        assertThat(ServerExitReason.OTHER.reconnect()).as("the server did not say the client is unwelcome").isTrue();
    }

    @Test
    void aClientComesBackUnlessItWasToldItIsUnwelcome() {
        Set<ServerExitReason> unwelcome = EnumSet.of(ServerExitReason.KICKED, ServerExitReason.ADDRESS_BANNED,
                ServerExitReason.HASH_BLOCKED, ServerExitReason.HASH_REQUIRED, ServerExitReason.NOT_WHITELISTED,
                ServerExitReason.AUTH_FAILURES, ServerExitReason.PEER_SELF, ServerExitReason.PEER_AUTH_FAILED,
                ServerExitReason.PEER_LINK_VERSION, ServerExitReason.LOGIN_REQUIRED, ServerExitReason.LOGIN_FAILED,
                ServerExitReason.ACCESS_REVOKED, ServerExitReason.LOGGED_IN_ELSEWHERE);
        for (ServerExitReason r : ServerExitReason.values()) {
            assertThat(r.reconnect()).as("%s reconnect", r).isEqualTo(!unwelcome.contains(r));
        }
    }

    @Test
    void aReconnectHintIsWrittenAndReadBackAndDoesNotChangeTheReason() {
        String text = ServerExitReason.DRAINING.withRedirect(java.util.List.of("10.0.0.2:7744", "[2001:db8::2]:7745"));
        assertThat(text).isEqualTo("Server draining; reconnect to 10.0.0.2:7744,[2001:db8::2]:7745");
        assertThat(ServerExitReason.of(text)).isEqualTo(ServerExitReason.DRAINING);
        assertThat(ServerExitReason.redirects(text)).containsExactly("10.0.0.2:7744", "[2001:db8::2]:7745");
        assertThat(ServerExitReason.SHUTTING_DOWN.withRedirect(java.util.List.of())).isEqualTo("Server shutting down");
        assertThat(ServerExitReason.redirects("Server shutting down")).isEmpty();
        assertThat(ServerExitReason.of("Server shutting down; reconnect to b:1")).isEqualTo(ServerExitReason.SHUTTING_DOWN);
    }

    @Test
    void aMalformedHintKeepsOnlyItsValidAddressesAndAtMostEight() {
        assertThat(ServerExitReason.redirects("Server draining; reconnect to a:0,b:x,c d:1,:5,e:70000,f:7744"))
                .containsExactly("f:7744");
        String many = ServerExitReason.DRAINING.withRedirect(java.util.Collections.nCopies(20, "h:1"));
        assertThat(ServerExitReason.redirects(many)).hasSize(ServerExitReason.MAX_REDIRECTS);
        assertThat(ServerExitReason.redirects(null)).isEmpty();
    }
}
