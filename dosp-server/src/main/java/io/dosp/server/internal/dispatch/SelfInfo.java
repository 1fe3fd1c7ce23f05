package io.dosp.server.internal.dispatch;

import io.dosp.protocol.VipTemplate;
import io.dosp.server.ClientStats;
import io.dosp.server.internal.session.ClientSession;
import java.time.Instant;

/** The GSI reply: a flat JSON object of values the server controls (no client text is echoed). Stateless. */
final class SelfInfo {
    private SelfInfo() {
    }

    static String json(ClientSession session, VipTemplate template) {
        ClientStats s = session.stats();
        StringBuilder sb = new StringBuilder(256).append('{');
        field(sb, "vip", '"' + session.vip().toString() + '"').append(',');
        field(sb, "server_vip", '"' + template.serverVip().toString() + '"').append(',');
        field(sb, "template", '"' + template.toString() + '"').append(',');
        field(sb, "connected_since", '"' + s.connectedSince().toString() + '"').append(',');
        field(sb, "uptime_seconds", String.valueOf(Instant.now().getEpochSecond() - s.connectedSince().getEpochSecond()))
                .append(',');
        field(sb, "compression", String.valueOf(session.compression())).append(',');
        field(sb, "admin", String.valueOf(session.isAdmin())).append(',');
        field(sb, "client_hash_sent", String.valueOf(session.machineHash().isPresent())).append(',');
        field(sb, "packets_in", String.valueOf(s.packetsIn())).append(',');
        field(sb, "packets_out", String.valueOf(s.packetsOut())).append(',');
        field(sb, "bytes_in", String.valueOf(s.bytesIn())).append(',');
        field(sb, "bytes_out", String.valueOf(s.bytesOut()));
        return sb.append('}').toString();
    }

    private static StringBuilder field(StringBuilder sb, String name, String jsonValue) {
        return sb.append('"').append(name).append("\":").append(jsonValue);
    }
}
