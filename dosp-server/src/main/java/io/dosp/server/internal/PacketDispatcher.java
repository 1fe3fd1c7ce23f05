package io.dosp.server.internal;

import io.dosp.protocol.Advertisement;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ExitReason;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ProtocolException;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DropReason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server does with each packet type (spec section 5). One per session, used on its
 * event loop. Listener hooks run first and may consume a packet.
 */
final class PacketDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(PacketDispatcher.class);
    static final String NOT_ADMIN = "ERR:Not authenticated as admin";
    static final String ADMIN_ONLY = "ERR:Admin only";
    static final int MAX_HASH_LENGTH = 128;

    private final ServerCore core;
    private final ClientSession session;

    PacketDispatcher(ServerCore core, ClientSession session) {
        this.core = core;
        this.session = session;
    }

    void dispatch(Packet packet) {
        if (core.notifyPacket(session, packet)) {
            return;
        }
        if (core.access.whitelistEnabled() && !session.isAdmin() && !admittedByWhitelist(packet)) {
            return;
        }
        if (packet instanceof S2cPacket s) {
            routeS2c(s);
            return;
        }
        SimplePacket p = (SimplePacket) packet;
        PacketType type = p.type();
        if (type == null) {
            if (core.federation != null && io.dosp.server.internal.federation.LinkFrames.isLinkFrame(p.typeCode())) {
                core.federation.onSessionFrame(session, p);
            } else if (PacketType.isCustom(p.typeCode())) {
                core.customPacket(session, p);
            } else {
                reply(Packets.err(ErrCode.UKNP));
            }
            return;
        }
        switch (type) {
            case MSG -> LOG.debug("MSG from {}: {} bytes", session.vip(), p.bodyLength());
            case PING -> reply(Packets.ping(p.body()));
            case GCL -> reply(Packets.gclReply(core.localVips()));
            case FN -> core.callFunction(session, p.bodyText());
            case SD -> onAdvertisement(p);
            case RQIP -> onRequestVip(p);
            case GSI -> reply(Packets.gsiReply(selfInfo()));
            case EXIT -> session.onClientExit(ExitReason.parse(p.body()));
            case BCST -> onBroadcast(p);
            case AUTH -> onAuth(p);
            case ADMIN -> reply(Packets.admin(session.isAdmin() ? core.admin.execute(p.bodyText(), session) : NOT_ADMIN));
            case CLIENT_INFO -> onClientInfo(p);
            default -> reply(Packets.err(ErrCode.UKNP)); // server-to-client types (SA, ERR, AIP, HSK, ...) from a client
        }
    }

    private void reply(Packet p) {
        session.deliver(p);
    }

    private void routeS2c(S2cPacket s) {
        // SRC is always the sender's vIP: a client cannot forge another's (spec 5.1). Only a peer
        // server's link forwards other clients' traffic with their SRC.
        boolean fromPeer = core.federation != null && core.federation.trustedSource(session, s);
        S2cPacket out = fromPeer ? s : s.withSrc(session.vip());
        RouteResult r = core.route(out, core.config.federation().maxHops(), fromPeer ? session.peerAddress() : null);
        if (r != RouteResult.DELIVERED) {
            core.counters.drop(r == RouteResult.NO_ROUTE ? DropReason.NO_ROUTE : DropReason.TARGET_OVERLOADED);
            if (fromPeer) {
                core.federation.failed(out, session.peerAddress());
            } else {
                reply(Packets.errS2cFailed(s.dst()));
            }
        }
    }

    /** In whitelist mode only CLIENT_INFO, PING and EXIT are handled before a whitelisted hash arrives. */
    private boolean admittedByWhitelist(Packet p) {
        int t = p.typeCode();
        if (t == PacketType.CLIENT_INFO.code() || t == PacketType.EXIT.code() || t == PacketType.PING.code()
                || t == PacketType.AUTH.code() || session.peerAuthenticated()
                || (core.federation != null && io.dosp.server.internal.federation.LinkFrames.isLinkFrame(t))) {
            return true;
        }
        String hash = session.machineHash().orElse(null);
        if (hash != null && core.access.isWhitelisted(hash)) {
            return true;
        }
        core.counters.drop(DropReason.BANNED);
        session.disconnect(hash == null ? "Client hash required (whitelist mode)" : "Your client hash is not whitelisted");
        return false;
    }

    private void onAdvertisement(SimplePacket p) {
        try {
            Advertisement ad = Advertisement.decode(p.body());
            if (core.federation != null) {
                core.federation.onAdvertisement(session, ad);
            } else {
                LOG.debug("SD from {} with {} entries (federation not enabled)", session.vip(), ad.entries().size());
            }
        } catch (ProtocolException e) {
            reply(Packets.err(ErrCode.SDF, e.getMessage()));
        }
    }

    private void onRequestVip(SimplePacket p) {
        Vip wanted;
        try {
            wanted = Packets.parseAip(p.body());
        } catch (ProtocolException e) {
            reply(Packets.rqipRefused("Invalid IP"));
            return;
        }
        String refusal = core.moveVip(session, wanted);
        if (refusal != null) {
            reply(Packets.rqipRefused(refusal));
            return;
        }
        reply(Packets.rqipGranted());
        reply(Packets.aip(wanted));
    }

    private void onBroadcast(SimplePacket p) {
        if (!session.isAdmin()) {
            reply(Packets.errText(ADMIN_ONLY));
            return;
        }
        int n = core.broadcast(p.bodyText(), session);
        reply(Packets.bcst("Broadcast sent to " + n + " clients"));
    }

    private void onAuth(SimplePacket p) {
        if (core.tokens.matches(p.bodyText().trim())) {
            session.admin(true);
            session.authFailures = 0;
            LOG.info("Client {} ({}) authenticated as admin", session.vip(), session.remoteAddress());
            reply(Packets.auth("OK"));
            return;
        }
        session.authFailures++;
        LOG.warn("Failed admin authentication from {} ({}), attempt {}", session.vip(), session.remoteAddress(),
                session.authFailures);
        reply(Packets.auth("ERR:Invalid token"));
        if (session.authFailures >= core.config.limits().maxAuthFailures()) {
            core.counters.drop(DropReason.AUTH_FAILURES);
            session.disconnect("Too many failed authentication attempts");
        }
    }

    private void onClientInfo(SimplePacket p) {
        String hash = p.bodyText().trim();
        if (hash.isEmpty() || hash.length() > MAX_HASH_LENGTH || !hash.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            reply(Packets.err(ErrCode.UKNP, "CLIENT_INFO must be a printable hash of at most " + MAX_HASH_LENGTH + " characters"));
            return;
        }
        session.machineHash(AccessControl.norm(hash));
        if (core.access.isBanned(hash)) {
            core.counters.drop(DropReason.BANNED);
            LOG.info("Refusing banned client hash from {} ({})", session.vip(), session.remoteAddress());
            session.disconnect("Your client hash is blocked");
        } else if (core.access.whitelistEnabled() && !core.access.isWhitelisted(hash) && !session.isAdmin()) {
            core.counters.drop(DropReason.BANNED);
            session.disconnect("Your client hash is not whitelisted");
        }
    }

    /** GSI reply: a flat JSON object of values the server controls (no client text is echoed). */
    private String selfInfo() {
        var s = session.stats();
        StringBuilder sb = new StringBuilder(256).append('{');
        field(sb, "vip", '"' + session.vip().toString() + '"').append(',');
        field(sb, "server_vip", '"' + core.config.template().serverVip().toString() + '"').append(',');
        field(sb, "template", '"' + core.config.template().toString() + '"').append(',');
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

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
