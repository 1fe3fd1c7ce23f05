package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code [tls://]HOST:PORT[:TEMPLATE]} with IPv4, names and bracketed IPv6; errors name the input and the problem. */
class PeerSpecTest {

    @Test
    void hostAndPort() {
        PeerSpec p = PeerSpec.parse("10.0.0.5:7744");
        assertThat(p).isEqualTo(PeerSpec.of("10.0.0.5", 7744));
        assertThat(p.template()).isEmpty();
        assertThat(p.address()).isEqualTo("10.0.0.5:7744");
        assertThat(p).hasToString("10.0.0.5:7744");
    }

    @Test
    void hostPortAndTemplate() {
        PeerSpec p = PeerSpec.parse("peer.example:7745:66.11.5.x");
        assertThat(p.host()).isEqualTo("peer.example");
        assertThat(p.port()).isEqualTo(7745);
        assertThat(p.template()).contains(VipTemplate.parse("66.11.5.x"));
        assertThat(p).isEqualTo(PeerSpec.of("peer.example", 7745, VipTemplate.parse("66.11.5.x")));
        assertThat(p.address()).isEqualTo("peer.example:7745");
    }

    @Test
    void bracketedIpv6() {
        PeerSpec loop = PeerSpec.parse("[::1]:7744");
        assertThat(loop.host()).isEqualTo("::1");
        assertThat(loop.port()).isEqualTo(7744);
        assertThat(loop.address()).isEqualTo("[::1]:7744");

        PeerSpec linkLocal = PeerSpec.parse("[fe80::1]:7745:7.11.0.x");
        assertThat(linkLocal.host()).isEqualTo("fe80::1");
        assertThat(linkLocal.template()).contains(VipTemplate.parse("7.11.0.x"));
        assertThat(linkLocal).hasToString("[fe80::1]:7745:" + VipTemplate.parse("7.11.0.x"));
        // of() takes the address without brackets and writes them back in address().
        assertThat(PeerSpec.of("2001:db8::7", 1).address()).isEqualTo("[2001:db8::7]:1");
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertThat(PeerSpec.parse("  localhost:1 \n")).isEqualTo(PeerSpec.of("localhost", 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.5:7744", "h:1", "h:65535:7.10.0.x", "[::1]:7744", "[fe80::1]:7745:7.11.0.x"})
    void toStringParsesBack(String text) {
        PeerSpec p = PeerSpec.parse(text);
        assertThat(PeerSpec.parse(p.toString())).isEqualTo(p);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "localhost        | the port is missing",
        ":7744            | the host is missing",
        "[]:7744          | the host is missing",
        "h:abc            | 'abc' is not a port number",
        "h:               | '' is not a port number",
        "h:0              | port 0 is not in 1..65535",
        "h:65536          | port 65536 is not in 1..65535",
        "h:-1             | port -1 is not in 1..65535",
        "[::1]            | an IPv6 host is written [ADDRESS]:PORT",
        "[::1:7744        | an IPv6 host is written [ADDRESS]:PORT",
        "[::1]7744        | an IPv6 host is written [ADDRESS]:PORT",
        "::1:7744         | the host is missing",
        "fe80::1:7744     | '' is not a port number",
    })
    void badInputNamesItselfAndTheProblem(String text, String problem) {
        assertThatThrownBy(() -> PeerSpec.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + text + "' is not [tls://]HOST:PORT[:TEMPLATE]: ").hasMessageEndingWith(problem);
    }

    @Test
    void tlsPeersAreWrittenWithTheTlsScheme() {
        PeerSpec p = PeerSpec.parse("tls://dosp.example.org:7744:7.11.0.x");
        assertThat(p.tls()).isTrue();
        assertThat(p.host()).isEqualTo("dosp.example.org");
        assertThat(p.address()).isEqualTo("dosp.example.org:7744");
        assertThat(p.toString()).isEqualTo("tls://dosp.example.org:7744:7.11.0.x");
        assertThat(PeerSpec.parse(p.toString())).isEqualTo(p);
        assertThat(PeerSpec.parse("TLS://[::1]:7745")).isEqualTo(PeerSpec.of("::1", 7745).withTls(true));
        assertThat(PeerSpec.parse("h:7744").tls()).isFalse();
        assertThatThrownBy(() -> PeerSpec.parse("ws://h:7744")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("the only scheme is tls:// (none: plain TCP)");
    }

    @Test
    void aBadTemplateSaysWhatIsWrongWithIt() {
        String templateProblem = catchMessage(() -> VipTemplate.parse("nonsense"));
        assertThatThrownBy(() -> PeerSpec.parse("h:7744:nonsense")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'h:7744:nonsense' is not [tls://]HOST:PORT[:TEMPLATE]: " + templateProblem);
    }

    @Test
    void theConstructorValidatesToo() {
        assertThatThrownBy(() -> new PeerSpec(" ", 1, Optional.empty())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host");
        assertThatThrownBy(() -> PeerSpec.of("h", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..65535").hasMessageContaining("0");
        assertThatThrownBy(() -> PeerSpec.of("h", 65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PeerSpec(null, 1, Optional.empty())).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new PeerSpec("h", 1, null)).isInstanceOf(NullPointerException.class);
    }

    private static String catchMessage(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected an IllegalArgumentException");
    }
}
