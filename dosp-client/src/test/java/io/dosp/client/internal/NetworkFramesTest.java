package io.dosp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.PresenceTarget;
import io.dosp.protocol.Ext;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The client's network frames byte by byte, as docs/network.md writes them. */
class NetworkFramesTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The body of an EXT frame (kind byte first) as hex. */
    private static String body(SimplePacket p) {
        assertThat(p.typeCode()).isEqualTo(PacketType.EXT.code());
        return HEX.formatHex(p.body());
    }

    private static SimplePacket ext(String hex) {
        byte[] b = HEX.parseHex(hex);
        byte[] payload = new byte[b.length - 1];
        System.arraycopy(b, 1, payload, 0, payload.length);
        return Ext.frame(b[0] & 0xff, payload);
    }

    @Test
    void groupRequests() {
        // kind, req(4), len(1) "ops"
        assertThat(body(NetworkFrames.join(0x01020304, "ops"))).isEqualTo("50" + "01020304" + "03" + "6f7073");
        assertThat(body(NetworkFrames.leave(7, "ops"))).isEqualTo("51" + "00000007" + "03" + "6f7073");
        assertThat(body(NetworkFrames.send(8, "ops", new byte[] {(byte) 0xff, 0})))
                .isEqualTo("52" + "00000008" + "03" + "6f7073" + "ff00");
        // MEMBERS: req(4) offset(4) group:str
        assertThat(body(NetworkFrames.members(9, 4096, "a.b_c-1")))
                .isEqualTo("54" + "00000009" + "00001000" + "07" + "612e625f632d31");
    }

    @Test
    void nameRequests() {
        assertThat(body(NetworkFrames.register(1, "bot", null))).isEqualTo("60" + "00000001" + "03" + "626f74");
        byte[] token = HEX.parseHex("000102030405060708090a0b0c0d0e0f");
        assertThat(body(NetworkFrames.register(2, "bot", token)))
                .isEqualTo("60" + "00000002" + "03" + "626f74" + "000102030405060708090a0b0c0d0e0f");
        assertThat(body(NetworkFrames.unregister(3, "bot"))).isEqualTo("61" + "00000003" + "03" + "626f74");
        assertThat(body(NetworkFrames.resolve(4, "bot"))).isEqualTo("62" + "00000004" + "03" + "626f74");
        assertThatThrownBy(() -> NetworkFrames.register(5, "bot", new byte[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void presenceRequests() {
        // target: type 1 vip(4) | type 2 name:str | type 3 group:str
        assertThat(body(NetworkFrames.watch(1, PresenceTarget.vip(Vip.of(10, 2, 0, 7)))))
                .isEqualTo("70" + "00000001" + "01" + "0a020007");
        assertThat(body(NetworkFrames.watch(2, PresenceTarget.name("bot"))))
                .isEqualTo("70" + "00000002" + "02" + "03626f74");
        assertThat(body(NetworkFrames.unwatch(3, PresenceTarget.group("ops"))))
                .isEqualTo("71" + "00000003" + "03" + "036f7073");
    }

    @Test
    void listingRequests() {
        assertThat(body(NetworkFrames.listing(NetworkFrames.CLIENTS, 1, 0))).isEqualTo("80" + "00000001" + "00000000");
        assertThat(body(NetworkFrames.listing(NetworkFrames.GROUPS, 2, 5))).isEqualTo("81" + "00000002" + "00000005");
        assertThat(body(NetworkFrames.listing(NetworkFrames.NAMES, 3, 0x10000)))
                .isEqualTo("82" + "00000003" + "00010000");
        assertThatThrownBy(() -> NetworkFrames.listing(0x54, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesAndGroupsAreCheckedBeforeSending() {
        assertThat(NetworkFrames.validName("a")).isTrue();
        assertThat(NetworkFrames.validName("0-team.x_y")).isTrue();
        assertThat(NetworkFrames.validName("a".repeat(64))).isTrue();
        assertThat(NetworkFrames.validName("a".repeat(65))).isFalse();
        assertThat(NetworkFrames.validName("")).isFalse();
        assertThat(NetworkFrames.validName("-a")).isFalse();
        assertThat(NetworkFrames.validName(".a")).isFalse();
        assertThat(NetworkFrames.validName("Ops")).isFalse();
        assertThat(NetworkFrames.validName("a b")).isFalse();
        assertThat(NetworkFrames.validName("é")).isFalse();
        assertThatThrownBy(() -> NetworkFrames.join(1, "Ops")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a-z 0-9 . _ -");
    }

    @Test
    void results() {
        NetworkFrames.Result r = NetworkFrames.result(ext("5f" + "01020304" + "00"));
        assertThat(r.kind()).isEqualTo(NetworkFrames.GROUPS_RESULT);
        assertThat(r.req()).isEqualTo(0x01020304);
        assertThat(r.status()).isEqualTo(NetworkFrames.OK);
        assertThat(r.payload()).isEmpty();
        NetworkFrames.Result taken = NetworkFrames.result(ext("6f" + "00000002" + "05" + HEX.formatHex(
                "held by 10.1.0.2".getBytes(StandardCharsets.UTF_8))));
        assertThat(NetworkFrames.statusName(taken.status())).isEqualTo("TAKEN");
        assertThat(taken.text()).isEqualTo("held by 10.1.0.2");
        assertThat(NetworkFrames.result(ext("7f" + "ffffffff" + "06")).req()).isEqualTo(-1);
        assertThat(NetworkFrames.result(ext("8f" + "00000001" + "08")).status()).isEqualTo(8);
        assertThat(NetworkFrames.statusName(9)).isEqualTo("status 9");
        assertThatThrownBy(() -> NetworkFrames.result(ext("5f" + "000000"))).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> NetworkFrames.result(ext("53" + "0000000100"))).isInstanceOf(MalformedPacketException.class);
        assertThat(NetworkFrames.resultKindOf(NetworkFrames.JOIN)).isEqualTo(0x5F);
        assertThat(NetworkFrames.resultKindOf(NetworkFrames.RESOLVE)).isEqualTo(0x6F);
        assertThat(NetworkFrames.resultKindOf(NetworkFrames.WATCH)).isEqualTo(0x7F);
        assertThat(NetworkFrames.resultKindOf(NetworkFrames.NAMES)).isEqualTo(0x8F);
    }

    @Test
    void okPayloads() {
        NetworkFrames.Sent s = NetworkFrames.sent(HEX.parseHex("00112233445566778899aabbccddeeff" + "ffffffff"));
        assertThat(HEX.formatHex(s.messageId())).isEqualTo("00112233445566778899aabbccddeeff");
        assertThat(s.members()).isEqualTo(0xffffffffL);
        assertThat(NetworkFrames.token(HEX.parseHex("0f".repeat(16)))).hasSize(16);
        assertThatThrownBy(() -> NetworkFrames.token(HEX.parseHex("0f".repeat(17))))
                .isInstanceOf(MalformedPacketException.class);
        assertThat(NetworkFrames.resolved(HEX.parseHex("0a030009"))).isEqualTo(Vip.of(10, 3, 0, 9));

        NetworkFrames.Page<Vip> m = NetworkFrames.membersPage(HEX.parseHex("00000005" + "0002" + "0a010002" + "0a020003"));
        assertThat(m.total()).isEqualTo(5);
        assertThat(m.entries()).containsExactly(Vip.of(10, 1, 0, 2), Vip.of(10, 2, 0, 3));
        assertThatThrownBy(() -> NetworkFrames.membersPage(HEX.parseHex("00000005" + "0002" + "0a010002")))
                .isInstanceOf(MalformedPacketException.class);

        // CLIENTS: vip(4) user:str0 (UTF-8, 0 bytes: no user)
        NetworkFrames.Page<NetworkFrames.ClientEntry> c = NetworkFrames.clientsPage(HEX.parseHex(
                "00000002" + "0002" + "0a010002" + "00" + "0a010003" + "02" + "c3a9"));
        assertThat(c.entries()).containsExactly(new NetworkFrames.ClientEntry(Vip.of(10, 1, 0, 2), ""),
                new NetworkFrames.ClientEntry(Vip.of(10, 1, 0, 3), "é"));
        NetworkFrames.Page<NetworkFrames.NamedEntry> g = NetworkFrames.groupsPage(HEX.parseHex(
                "00000001" + "0001" + "036f7073" + "00002710"));
        assertThat(g.entries()).containsExactly(new NetworkFrames.NamedEntry("ops", 10_000, null));
        NetworkFrames.Page<NetworkFrames.NamedEntry> n = NetworkFrames.namesPage(HEX.parseHex(
                "00000001" + "0001" + "03626f74" + "0a020005"));
        assertThat(n.entries()).containsExactly(new NetworkFrames.NamedEntry("bot", 0, Vip.of(10, 2, 0, 5)));
        assertThatThrownBy(() -> NetworkFrames.namesPage(HEX.parseHex("00000001" + "0001" + "03424f54" + "0a020005")))
                .isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void serverFrames() {
        // GROUP_MESSAGE: msg_id(16) sender:vip(4) group:str data
        NetworkFrames.GroupMessageFrame m = NetworkFrames.groupMessage(ext("53" + "aa".repeat(16) + "0a020007"
                + "036f7073" + "6869"));
        assertThat(HEX.formatHex(m.messageId())).isEqualTo("aa".repeat(16));
        assertThat(m.sender()).isEqualTo(Vip.of(10, 2, 0, 7));
        assertThat(m.group()).isEqualTo("ops");
        assertThat(m.data()).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
        assertThat(NetworkFrames.groupMessage(ext("53" + "aa".repeat(16) + "0a020007" + "036f7073")).data()).isEmpty();
        assertThatThrownBy(() -> NetworkFrames.groupMessage(ext("53" + "aa".repeat(16) + "0a020007" + "056f7073")))
                .isInstanceOf(MalformedPacketException.class);

        // NAME_LOST: name:str reason(1) winner:vip(4)
        NetworkFrames.NameLost lost = NetworkFrames.nameLost(ext("63" + "03626f74" + "08" + "0a030001"));
        assertThat(lost).isEqualTo(new NetworkFrames.NameLost("bot", 8, Vip.of(10, 3, 0, 1)));
        assertThat(NetworkFrames.reasonName(lost.reason())).isEqualTo("conflict");
        assertThatThrownBy(() -> NetworkFrames.nameLost(ext("63" + "03626f74" + "08" + "0a03000100")))
                .isInstanceOf(MalformedPacketException.class);

        // EVENT: target event(1) vip(4) reason(1)
        NetworkFrames.Event joined = NetworkFrames.event(ext("72" + "01" + "0a020007" + "01" + "0a020007" + "00"));
        assertThat(joined).isEqualTo(new NetworkFrames.Event(PresenceTarget.vip(Vip.of(10, 2, 0, 7)), true,
                Vip.of(10, 2, 0, 7), 0));
        NetworkFrames.Event left = NetworkFrames.event(ext("72" + "03" + "036f7073" + "02" + "0a010005" + "06"));
        assertThat(left.target()).isEqualTo(PresenceTarget.group("ops"));
        assertThat(left.joined()).isFalse();
        assertThat(NetworkFrames.reasonName(left.reason())).isEqualTo("unreachable");
        assertThat(NetworkFrames.event(ext("72" + "02" + "03626f74" + "02" + "0a010005" + "07")).target())
                .isEqualTo(PresenceTarget.name("bot"));
        assertThatThrownBy(() -> NetworkFrames.event(ext("72" + "04" + "0a020007" + "01" + "0a020007" + "00")))
                .isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> NetworkFrames.event(ext("72" + "01" + "0a020007" + "03" + "0a020007" + "00")))
                .isInstanceOf(MalformedPacketException.class);
        assertThat(NetworkFrames.reasonName(200)).isEqualTo("reason 200");
    }

    @Test
    void theFourFeaturesOwnTheirKinds() {
        assertThat(Ext.featureOf(NetworkFrames.JOIN)).isEqualTo(Ext.FEATURE_GROUPS);
        assertThat(Ext.featureOf(NetworkFrames.GROUPS_RESULT)).isEqualTo(Ext.FEATURE_GROUPS);
        assertThat(Ext.featureOf(NetworkFrames.NAME_LOST)).isEqualTo(Ext.FEATURE_NAMES);
        assertThat(Ext.featureOf(NetworkFrames.EVENT)).isEqualTo(Ext.FEATURE_PRESENCE);
        assertThat(Ext.featureOf(NetworkFrames.NAMES)).isEqualTo(Ext.FEATURE_NETWORK);
    }

    @Test
    void presenceTargetsParseAsTheCliWritesThem() {
        assertThat(PresenceTarget.parse("10.2.0.7")).isEqualTo(PresenceTarget.vip(Vip.of(10, 2, 0, 7)));
        assertThat(PresenceTarget.parse("#ops")).isEqualTo(PresenceTarget.group("ops"));
        assertThat(PresenceTarget.parse("group:ops")).isEqualTo(PresenceTarget.group("ops"));
        assertThat(PresenceTarget.parse("name:bot")).isEqualTo(PresenceTarget.name("bot"));
        assertThat(PresenceTarget.parse("bot")).isEqualTo(PresenceTarget.name("bot"));
    }
}
