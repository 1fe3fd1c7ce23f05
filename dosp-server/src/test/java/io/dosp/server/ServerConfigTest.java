package io.dosp.server;

import static io.dosp.server.ConfigErrors.fieldOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.DospException;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.VipTemplate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
    private static final String KEY = "a long shared secret";

    @Test
    void defaultsAreTheReferenceServer() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.host()).isEqualTo(ServerConfig.DEFAULT_HOST).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(ServerConfig.DEFAULT_PORT).isEqualTo(7744);
        assertThat(c.template()).isEqualTo(VipTemplate.parse(ServerConfig.DEFAULT_TEMPLATE)).hasToString("7.10.0.x");
        assertThat(c.compression()).isEqualTo(ServerConfig.DEFAULT_COMPRESSION).isFalse();
        assertThat(c.compressionLevel()).isEqualTo(ServerConfig.DEFAULT_COMPRESSION_LEVEL).isEqualTo(6);
        assertThat(c.workerThreads()).isEqualTo(ServerConfig.DEFAULT_WORKER_THREADS).isZero();
        assertThat(c.tcp()).isEqualTo(ServerConfig.DEFAULT_TCP).isTrue();
        assertThat(c.localTransport()).isEqualTo(ServerConfig.DEFAULT_LOCAL_TRANSPORT).isFalse();
        assertThat(c.localName()).isEqualTo(ServerConfig.DEFAULT_LOCAL_NAME).isEqualTo("dosp");
        assertThat(c.limits()).usingRecursiveComparison().isEqualTo(Limits.defaults());
        assertThat(c.access()).usingRecursiveComparison().isEqualTo(AccessPolicy.defaults());
        assertThat(c.federation()).usingRecursiveComparison().isEqualTo(FederationConfig.defaults());
        assertThat(c.functions()).usingRecursiveComparison().isEqualTo(Functions.defaults());
        assertThat(c.tls()).isSameAs(Tls.DISABLED);
        assertThat(c.advertisedHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void listenRulesNameTheirField() {
        assertThat(fieldOf(() -> ServerConfig.builder().host(" ").build())).isEqualTo("host");
        assertThat(fieldOf(() -> ServerConfig.builder().host(null).build())).isEqualTo("host");
        assertThat(fieldOf(() -> ServerConfig.builder().port(-1).build())).isEqualTo("port");
        assertThat(fieldOf(() -> ServerConfig.builder().port(65536).build())).isEqualTo("port");
        assertThat(fieldOf(() -> ServerConfig.builder().compressionLevel(10).build())).isEqualTo("compressionLevel");
        assertThat(fieldOf(() -> ServerConfig.builder().workerThreads(-1).build())).isEqualTo("workerThreads");
        assertThat(fieldOf(() -> ServerConfig.builder().localName("").build())).isEqualTo("localName");
        assertThat(fieldOf(() -> ServerConfig.builder().tcp(false).build())).isEqualTo("tcp");
        assertThat(fieldOf(() -> ServerConfig.builder().template("7.10.x.0"))).isEqualTo("template");
        assertThat(fieldOf(() -> ServerConfig.builder().drainRedirect(java.util.List.of("no-port")).build()))
                .isEqualTo("drainRedirect");
        assertThat(fieldOf(() -> ServerConfig.builder().drainRedirect(java.util.List.of("h:0")).build()))
                .isEqualTo("drainRedirect");
        assertThat(fieldOf(() -> ServerConfig.builder().drainRedirect(java.util.Collections.nCopies(9, "h:1")).build()))
                .isEqualTo("drainRedirect");
        assertThat(fieldOf(() -> ServerConfig.builder().drainTimeout(java.time.Duration.ZERO).build()))
                .isEqualTo("drainTimeout");
        assertThat(ServerConfig.builder().drainRedirect(java.util.List.of("b.example.org:7744", "[2001:db8::2]:7745"))
                .build().toBuilder().build().drainRedirect()).containsExactly("b.example.org:7744", "[2001:db8::2]:7745");
    }

    @Test
    void groupErrorsComeOutOfBuildWithTheGroupField() {
        assertThat(fieldOf(() -> ServerConfig.builder().limits(l -> l.maxClients(0)).build())).isEqualTo("limits.maxClients");
        assertThat(fieldOf(() -> ServerConfig.builder().access(a -> a.adminToken("x")).build())).isEqualTo("access.adminTokens");
        assertThat(fieldOf(() -> ServerConfig.builder().federation(f -> f.meshKey("k")).build())).isEqualTo("federation.meshKey");
        assertThat(fieldOf(() -> ServerConfig.builder().functions(f -> f.threads(0)).build())).isEqualTo("functions.threads");
        assertThatThrownBy(() -> ServerConfig.builder().port(-1).build()).isInstanceOf(DospException.class)
                .isInstanceOf(InvalidConfigException.class).hasMessage("port: must be 0..65535, got -1");
    }

    @Test
    void rulesAcrossGroupsAreCheckedByTheServerBuilder() {
        assertThat(fieldOf(() -> ServerConfig.builder().limits(l -> l.maxFrameSize(32 << 20)).build()))
                .isEqualTo("federation.peerQueueBytes");
        assertThat(fieldOf(() -> ServerConfig.builder().template("10.1.0.x")
                .federation(f -> f.peer(PeerSpec.of("h", 1, VipTemplate.parse("10.1.0.x")))).build()))
                .isEqualTo("federation.peers");
        ServerConfig fine = ServerConfig.builder().template("10.1.0.x")
                .federation(f -> f.peer(PeerSpec.of("h", 1, VipTemplate.parse("10.2.0.x")))).build();
        assertThat(fine.federation().enabled()).isTrue();
    }

    @Test
    void groupsAreEditedInPlaceOrReplacedWhole() {
        ServerConfig c = ServerConfig.builder().port(0)
                .limits(l -> l.maxClients(10))
                .limits(l -> l.idleTimeout(Duration.ZERO))
                .federation(f -> f.meshKey(KEY).peer(PeerSpec.of("h", 1)))
                .functions(Functions.builder().threads(2).build())
                .build();
        assertThat(c.limits().maxClients()).isEqualTo(10);
        assertThat(c.limits().idleTimeout()).isZero();
        assertThat(c.federation().meshKey()).isEqualTo(KEY);
        assertThat(c.federation().peers()).containsExactly(PeerSpec.of("h", 1));
        assertThat(c.functions().threads()).isEqualTo(2);

        Limits whole = Limits.builder().maxClients(3).build();
        ServerConfig replaced = ServerConfig.builder().limits(l -> l.maxFrameSize(4096)).limits(whole).build();
        assertThat(replaced.limits()).usingRecursiveComparison().isEqualTo(whole);
        assertThat(replaced.limits().maxFrameSize()).isEqualTo(Limits.DEFAULT_MAX_FRAME_SIZE);
        assertThat(ServerConfig.builder().limits(whole).limits(l -> l.maxAuthFailures(1)).build().limits().maxClients())
                .isEqualTo(3);
        assertThat(whole.maxAuthFailures()).isEqualTo(Limits.DEFAULT_MAX_AUTH_FAILURES);
    }

    @Test
    void toBuilderRoundTripsEveryGroup() throws Exception {
        SSLContext context = SSLContext.getDefault();
        ServerConfig c = ServerConfig.builder().host("127.0.0.1").port(0).template("10.7.x.x").compression(true)
                .compressionLevel(1).workerThreads(2).localTransport(true, "here").tcp(false)
                .limits(l -> l.maxClients(7).outboundWaterMarks(100, 200).maxOutboundBytes(300))
                .access(a -> a.adminToken("0123456789abcdef").adminTokenFile(Path.of("t")).bannedHashes(Set.of("AA")))
                .federation(f -> f.meshKey(KEY).advertisedHost("me").maxHops(3))
                .tls(t -> t.context(context))
                .functions(f -> f.threads(1).queue(0))
                .build();
        ServerConfig again = c.toBuilder().build();
        assertThat(again).usingRecursiveComparison().isEqualTo(c);
        assertThat(again.tls().context()).isSameAs(context);
        assertThat(again.advertisedHost()).isEqualTo("me");

        ServerConfig edited = c.toBuilder().limits(l -> l.maxClients(8)).build();
        assertThat(edited.limits().maxClients()).isEqualTo(8);
        assertThat(edited.limits().outboundHighWaterMark()).isEqualTo(200);
        assertThat(c.limits().maxClients()).isEqualTo(7);
    }

    @Test
    void advertisedHostFallsBackToTheListenHost() {
        assertThat(ServerConfig.builder().host("10.0.0.5").build().advertisedHost()).isEqualTo("10.0.0.5");
        assertThat(ServerConfig.builder().host("::").build().advertisedHost()).isEqualTo("127.0.0.1");
        assertThat(ServerConfig.builder().federation(f -> f.advertisedHost("peer.example")).build().advertisedHost())
                .isEqualTo("peer.example");
    }
}
