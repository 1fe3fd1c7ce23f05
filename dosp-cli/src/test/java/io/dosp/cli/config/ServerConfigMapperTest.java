package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerConfigMapperTest {

    @Test
    void everySettingNamesTheBuilderFieldItSets() {
        assertThat(Settings.all()).allSatisfy(s -> assertThat(s.configField())
                .matches("(limits|access|federation|functions|monitor|webSocket|cli|admission|network|cluster)\\.[a-z][A-Za-z]+|[a-z][A-Za-z]+"));
        assertThat(Settings.LOG_LEVEL.configField()).as("read by 'dosp serve' itself").isEqualTo("cli.logLevel");
        assertThat(Settings.MAX_CLIENTS.configField()).isEqualTo("limits.maxClients");
        assertThat(Settings.MESH_KEY.configField()).isEqualTo("federation.meshKey");
        assertThat(Settings.PORT.configField()).isEqualTo("port");
        assertThat(Settings.HTTP_PORT.configField()).isEqualTo("monitor.port");
        assertThat(Settings.WS_PORT.configField()).isEqualTo("webSocket.port");
        assertThat(Settings.CLUSTER_NAME.configField()).isEqualTo("cluster.name");
        assertThat(Settings.OUTBOUND_LOW_WATER_MARK.configField()).isEqualTo(Settings.OUTBOUND_HIGH_WATER_MARK.configField());
    }

    @Test
    void ofSettingsSharingAFieldTheOneGivenWithHighestPrecedenceIsBlamed() throws Exception {
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.OUTBOUND_HIGH_WATER_MARK, "1000", Origin.flag("--outbound-high-water-mark"));
        assertThatThrownBy(() -> ServerConfigMapper.map(List.of(flags), Optional.empty()))
                .hasMessage("flag --outbound-high-water-mark (outbound_high_water_mark = 1000): need 0 < low <= high,"
                        + " got low=262144 high=1000");
    }

    @Test
    void aPeerClaimingOurTemplateNamesWhereThePeerCameFrom() throws Exception {
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.PEERS, "10.0.0.2:7744:7.10.0.x", Origin.flag("--peers"));
        assertThatThrownBy(() -> ServerConfigMapper.map(List.of(flags), Optional.empty()))
                .hasMessageStartingWith("flag --peers (peers = ")
                .hasMessageEndingWith("): peer 10.0.0.2:7744:7.10.0.x claims this server's own template 7.10.0.x");
    }

    @Test
    void aFieldNoSettingSetsIsReportedAsTheBuilderNamesIt() throws Exception {
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.MAX_PACKET_SIZE, "32MiB", Origin.flag("--max-packet-size"));
        assertThatThrownBy(() -> ServerConfigMapper.map(List.of(flags), Optional.empty()))
                .hasMessage("invalid configuration: federation.peerQueueBytes: must hold at least one maximum frame");
    }

    @Test
    void theMonitoringListenerIsOffUntilHttpPortIsSet() throws Exception {
        assertThat(ServerConfigMapper.map(List.of(new ConfigLayer()), Optional.empty()).monitor()).isEmpty();
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.HTTP_PORT, "9464", Origin.flag("--http-port"));
        ServeSettings s = ServerConfigMapper.map(List.of(flags), Optional.empty());
        assertThat(s.monitor()).hasValueSatisfying(m -> {
            assertThat(m.port()).isEqualTo(9464);
            assertThat(m.host()).isEqualTo("127.0.0.1");
            assertThat(m.loopback()).isTrue();
        });
        flags.putText(Settings.HTTP_HOST, "0.0.0.0", Origin.flag("--http-host"));
        assertThat(ServerConfigMapper.map(List.of(flags), Optional.empty()).monitor().orElseThrow().loopback()).isFalse();
    }

    @Test
    void aBadMonitoringHostNamesItsSetting() throws Exception {
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.HTTP_PORT, "9464", Origin.flag("--http-port"));
        flags.putText(Settings.HTTP_HOST, "no-such-host.invalid", Origin.flag("--http-host"));
        assertThatThrownBy(() -> ServerConfigMapper.map(List.of(flags), Optional.empty()))
                .hasMessageStartingWith("flag --http-host (http_host = no-such-host.invalid): cannot resolve");
    }

    @Test
    void clusterModeIsOffWithoutNatsServersAndABadClusterNameNamesWhereItCameFrom() throws Exception {
        assertThat(ServerConfigMapper.map(List.of(new ConfigLayer()), Optional.empty()).cluster()).isEmpty();
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.CLUSTER_SERVERS, "nats://127.0.0.1:4222,nats://127.0.0.1:4223", Origin.flag("--cluster"));
        flags.putText(Settings.CLUSTER_NAME, "east", Origin.flag("--cluster-name"));
        ServeSettings on = ServerConfigMapper.map(List.of(flags), Optional.empty());
        assertThat(on.cluster()).hasValueSatisfying(c -> {
            assertThat(c.servers()).containsExactly("nats://127.0.0.1:4222", "nats://127.0.0.1:4223");
            assertThat(c.name()).isEqualTo("east");
        });
        flags.putText(Settings.CLUSTER_NAME, "a.b", Origin.flag("--cluster-name"));
        assertThatThrownBy(() -> ServerConfigMapper.map(List.of(flags), Optional.empty()))
                .hasMessageStartingWith("flag --cluster-name (cluster_name = a.b): 1 to 32 letters");
    }
}
