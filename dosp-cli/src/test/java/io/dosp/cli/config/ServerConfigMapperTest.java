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
                .matches("(limits|access|federation|functions|admission)\\.[a-z][A-Za-z]+|[a-z][A-Za-z]+"));
        assertThat(Settings.MAX_CLIENTS.configField()).isEqualTo("limits.maxClients");
        assertThat(Settings.MESH_KEY.configField()).isEqualTo("federation.meshKey");
        assertThat(Settings.PORT.configField()).isEqualTo("port");
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
}
