package io.dosp.server.internal.runtime;

import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.AdmissionConfig;
import io.dosp.server.Limits;
import io.dosp.server.NetworkConfig;
import io.dosp.server.Reconfiguration;
import io.dosp.server.ServerConfig;
import io.dosp.server.WebSocketConfig;
import io.dosp.server.internal.FrameMemory;
import io.dosp.server.internal.access.AccessControl;
import io.dosp.server.internal.access.Admission;
import io.dosp.server.internal.admin.AdminTokens;
import io.dosp.server.internal.federation.Federation;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.internal.session.InboundGuard;
import io.dosp.server.internal.session.SessionSettings;
import io.dosp.server.internal.transport.Connections;
import io.dosp.server.internal.transport.ServerInitializer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a new configuration to a running server (a reload), setting by setting.
 *
 * <p>What changes live: the access lists (banned hashes and addresses, whitelist and its mode, blocked
 * vIPs: what the new configuration adds or removes against the last one is added or removed, so bans
 * made with admin commands since stay; a connected client whose hash or address is now banned gets the
 * ban's EXIT, as with the admin {@code ban}), configured admin tokens, the admission limits
 * ({@code maxClients}, {@code maxAcceptRate}, {@code maxConnectionsPerAddress}: from the next
 * connection on; nobody open is closed for being over a lowered limit), the per-connection limits read
 * when a connection opens (frame size, idle, first-packet and frame timeouts, outbound limit, slow
 * consumer, rate limits, inflate and reply limits: connections opened from now on; open ones keep
 * theirs), federation peers (added and removed, when federation was on at start), and the drain hint
 * and timeout. Everything else needs a restart and is refused (reported, not applied): listen address,
 * port, template, compression, TLS, worker and function threads, water marks, memory budgets, the AUTH
 * guard, log limits, the vIP quarantine, the rest of federation, and a switch between configured and
 * generated admin tokens.
 *
 * <p>Thread-safe: one reconfiguration at a time (synchronized); each part it changes is thread-safe.
 */
public final class Reconfigurer {
    private static final Logger LOG = LoggerFactory.getLogger(Reconfigurer.class);

    private final ServerConfig started;
    private ServerConfig current;
    private final AccessControl access;
    private final VipTable<ClientSession> vips;
    private final AdminTokens tokens;
    private final Admission admission;
    private final Connections connections;
    private final ServerInitializer initializer;
    private final Optional<Federation> federation;
    private final FrameMemory frameMemory;

    Reconfigurer(ServerConfig started, AccessControl access, VipTable<ClientSession> vips, AdminTokens tokens, Admission admission,
            Connections connections, ServerInitializer initializer, Optional<Federation> federation,
            FrameMemory frameMemory) {
        this.started = started;
        this.current = started;
        this.access = access;
        this.vips = vips;
        this.tokens = tokens;
        this.admission = admission;
        this.connections = connections;
        this.initializer = initializer;
        this.federation = federation;
        this.frameMemory = frameMemory;
    }

    /** The configuration the live settings come from now (the last one applied). */
    public synchronized ServerConfig current() {
        return current;
    }

    /** Applies what can change live from {@code next}; reports the rest. */
    public synchronized Reconfiguration apply(ServerConfig next) {
        List<String> applied = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        restartOnly(next, refused);
        ServerConfig was = current;

        // admission
        Limits o = was.limits();
        Limits n = next.limits();
        boolean admissionChanged = changed("limits.maxClients", o.maxClients(), n.maxClients(), applied)
                | changed("limits.maxAcceptRate", o.maxAcceptRate(), n.maxAcceptRate(), applied)
                | changed("limits.maxConnectionsPerAddress", o.maxConnectionsPerAddress(), n.maxConnectionsPerAddress(),
                        applied);
        if (admissionChanged) {
            admission.limits(n.maxClients(), n.maxAcceptRate(), n.maxConnectionsPerAddress());
        }

        // what each new connection reads at open
        boolean perConnection = false;
        for (Map.Entry<String, Function<Limits, Object>> e : List.<Map.Entry<String, Function<Limits, Object>>>of(
                Map.entry("maxFrameSize", Limits::maxFrameSize), Map.entry("idleTimeout", Limits::idleTimeout),
                Map.entry("firstPacketTimeout", Limits::firstPacketTimeout), Map.entry("frameTimeout", Limits::frameTimeout),
                Map.entry("maxOutboundBytes", Limits::maxOutboundBytes),
                Map.entry("slowConsumerTimeout", Limits::slowConsumerTimeout),
                Map.entry("slowConsumerPolicy", Limits::slowConsumerPolicy),
                Map.entry("packetRateLimit", Limits::packetRateLimit), Map.entry("byteRateLimit", Limits::byteRateLimit),
                Map.entry("inflateRateLimit", Limits::inflateRateLimit), Map.entry("inflatePerRead", Limits::inflatePerRead),
                Map.entry("replyRateLimit", Limits::replyRateLimit))) {
            Object before = e.getValue().apply(o);
            Object after = e.getValue().apply(n);
            if (!Objects.equals(before, after)) {
                applied.add("limits." + e.getKey() + ": " + before + " -> " + after + " (connections opened from now on)");
                perConnection = true;
            }
        }
        if (perConnection) {
            Limits s = started.limits();
            connections.settings(new SessionSettings(started.compression(), n.maxFrameSize(), n.maxOutboundBytes(),
                    s.outboundLowWaterMark(), s.outboundHighWaterMark(), n.slowConsumerTimeout(), n.slowConsumerPolicy(),
                    n.packetRateLimit(), n.byteRateLimit(), n.inflateRateLimit(), n.inflatePerRead(), n.replyRateLimit()),
                    InboundGuard.Settings.of(n, frameMemory));
            initializer.limits(n);
        }

        // access lists: the difference between the last configuration and this one
        diff("access.bannedHashes", was.access().bannedHashes(), next.access().bannedHashes(), access::ban, access::unban,
                applied);
        diff("access.whitelistHashes", was.access().whitelistHashes(), next.access().whitelistHashes(),
                access::whitelistAdd, access::whitelistRemove, applied);
        if (was.access().whitelistEnabled() != next.access().whitelistEnabled()) {
            access.whitelistEnabled(next.access().whitelistEnabled());
            applied.add("access.whitelistEnabled: " + was.access().whitelistEnabled() + " -> "
                    + next.access().whitelistEnabled() + " (checked at each client's CLIENT_INFO)");
        }
        diff("access.bannedAddresses", was.access().bannedAddresses(), next.access().bannedAddresses(), access::banAddress,
                access::unbanAddress, applied);
        int sentAway = 0;
        for (ClientSession c : vips.holders()) {
            boolean hashBanned = c.machineHash().map(access::isBanned).orElse(false);
            boolean addressBanned = c.remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                    && access.isAddressBanned(a.getAddress().getHostAddress());
            if (!c.isClosing() && (hashBanned || addressBanned)) {
                c.disconnect(hashBanned ? ServerExitReason.HASH_BLOCKED : ServerExitReason.ADDRESS_BANNED);
                sentAway++;
            }
        }
        if (sentAway > 0) {
            applied.add("disconnected " + sentAway + (sentAway == 1 ? " client" : " clients") + " banned by the new lists");
        }
        diff("access.blockedVips", strings(was.access().blockedVips()), strings(next.access().blockedVips()),
                v -> vips.block(Vip.parse(v)), v -> vips.unblock(Vip.parse(v)), applied);

        // admin tokens (never shown)
        Set<String> oldTokens = was.access().adminTokens();
        Set<String> newTokens = next.access().adminTokens();
        if (!oldTokens.equals(newTokens)) {
            if (!tokens.configured() || newTokens.isEmpty()) {
                refused.add("access.adminTokens: " + describeTokens(oldTokens) + " -> " + describeTokens(newTokens)
                        + " (switching between configured and generated tokens needs a restart)");
            } else {
                tokens.replace(newTokens);
                applied.add("access.adminTokens: " + oldTokens.size() + " -> " + newTokens.size()
                        + " configured (admin sessions already authenticated stay)");
            }
        }

        // federation peers
        List<PeerSpec> oldPeers = was.federation().peers();
        List<PeerSpec> newPeers = next.federation().peers();
        if (!oldPeers.equals(newPeers)) {
            if (federation.isEmpty()) {
                refused.add("federation.peers: " + oldPeers + " -> " + newPeers
                        + " (federation was off at start; turning it on needs a restart)");
            } else {
                Set<String> keep = newPeers.stream().map(PeerSpec::toString).collect(Collectors.toSet());
                Set<String> had = oldPeers.stream().map(PeerSpec::toString).collect(Collectors.toSet());
                for (PeerSpec p : oldPeers) {
                    if (!keep.contains(p.toString())) {
                        federation.get().removePeer(p.address());
                        applied.add("federation.peers: removed " + p);
                    }
                }
                for (PeerSpec p : newPeers) {
                    if (!had.contains(p.toString())) {
                        try {
                            federation.get().addPeer(p);
                            applied.add("federation.peers: added " + p);
                        } catch (IllegalArgumentException | IllegalStateException e) {
                            refused.add("federation.peers: " + p + " (" + e.getMessage() + ")");
                        }
                    }
                }
            }
        }

        changed("drainRedirect", was.drainRedirect(), next.drainRedirect(), applied);
        changed("drainTimeout", was.drainTimeout(), next.drainTimeout(), applied);

        current = next;
        for (String a : applied) {
            LOG.atInfo().setMessage("Reload applied {}").addArgument(a).addKeyValue("event", "reload_applied")
                    .addKeyValue("change", a).log();
        }
        for (String r : refused) {
            LOG.atWarn().setMessage("Reload did not apply {}").addArgument(r).addKeyValue("event", "reload_refused")
                    .addKeyValue("change", r).log();
        }
        return new Reconfiguration(applied, refused);
    }

    private void restartOnly(ServerConfig next, List<String> refused) {
        ServerConfig s = started;
        restart("host", s.host(), next.host(), refused);
        restart("port", s.port(), next.port(), refused);
        restart("template", s.template(), next.template(), refused);
        restart("compression", s.compression(), next.compression(), refused);
        restart("compressionLevel", s.compressionLevel(), next.compressionLevel(), refused);
        restart("workerThreads", s.workerThreads(), next.workerThreads(), refused);
        restart("tcp", s.tcp(), next.tcp(), refused);
        restart("localTransport", s.localTransport(), next.localTransport(), refused);
        restart("localName", s.localName(), next.localName(), refused);
        if (s.tls().context() != next.tls().context()) {
            refused.add("tls: changed (needs a restart)");
        }
        restart("functions.threads", s.functions().threads(), next.functions().threads(), refused);
        restart("functions.queue", s.functions().queue(), next.functions().queue(), refused);
        restart("functions.maxCallsPerClient", s.functions().maxCallsPerClient(), next.functions().maxCallsPerClient(),
                refused);
        restart("functions.callTimeout", s.functions().callTimeout(), next.functions().callTimeout(), refused);
        NetworkConfig sn = s.network();
        NetworkConfig nn = next.network();
        restart("network.groupsPerClient", sn.groupsPerClient(), nn.groupsPerClient(), refused);
        restart("network.maxGroupMembers", sn.maxGroupMembers(), nn.maxGroupMembers(), refused);
        restart("network.namesPerClient", sn.namesPerClient(), nn.namesPerClient(), refused);
        restart("network.watchesPerClient", sn.watchesPerClient(), nn.watchesPerClient(), refused);
        restart("network.maxGroupMessage", sn.maxGroupMessage(), nn.maxGroupMessage(), refused);
        restart("network.nameGrace", sn.nameGrace(), nn.nameGrace(), refused);
        restart("network.maxDirectoryEntries", sn.maxDirectoryEntries(), nn.maxDirectoryEntries(), refused);
        restart("network.dedupEntries", sn.dedupEntries(), nn.dedupEntries(), refused);
        Limits o = s.limits();
        Limits n = next.limits();
        restart("limits.outboundLowWaterMark", o.outboundLowWaterMark(), n.outboundLowWaterMark(), refused);
        restart("limits.outboundHighWaterMark", o.outboundHighWaterMark(), n.outboundHighWaterMark(), refused);
        restart("limits.memoryBudget", o.memoryBudget(), n.memoryBudget(), refused);
        restart("limits.partialFrameMemory", o.partialFrameMemory(), n.partialFrameMemory(), refused);
        restart("limits.maxAuthFailures", o.maxAuthFailures(), n.maxAuthFailures(), refused);
        restart("limits.maxAuthFailuresPerAddress", o.maxAuthFailuresPerAddress(), n.maxAuthFailuresPerAddress(), refused);
        restart("limits.authBackoff", o.authBackoff(), n.authBackoff(), refused);
        restart("limits.authBan", o.authBan(), n.authBan(), refused);
        restart("limits.logTextLength", o.logTextLength(), n.logTextLength(), refused);
        restart("limits.logLinesPerSecond", o.logLinesPerSecond(), n.logLinesPerSecond(), refused);
        restart("limits.vipQuarantine", o.vipQuarantine(), n.vipQuarantine(), refused);
        restart("access.adminTokenFile", s.access().adminTokenFile(), next.access().adminTokenFile(), refused);
        var f = s.federation();
        var g = next.federation();
        restart("federation.enabled", f.enabled(), g.enabled(), refused);
        if (!Objects.equals(f.meshKey(), g.meshKey())) {
            refused.add("federation.meshKey: changed (needs a restart; the key is not shown)");
        }
        restart("federation.advertisedHost", f.advertisedHost(), g.advertisedHost(), refused);
        restart("federation.maxHops", f.maxHops(), g.maxHops(), refused);
        restart("federation.maxRoutes", f.maxRoutes(), g.maxRoutes(), refused);
        restart("federation.peerHeartbeat", f.peerHeartbeat(), g.peerHeartbeat(), refused);
        restart("federation.peerHeartbeatMisses", f.peerHeartbeatMisses(), g.peerHeartbeatMisses(), refused);
        restart("federation.linkTls", f.linkTls(), g.linkTls(), refused);
        if (f.linkTlsContext() != g.linkTlsContext()) {
            refused.add("federation.linkTlsContext: changed (needs a restart)");
        }
        restart("federation.linkTlsVerifyHostname", f.linkTlsVerifyHostname(), g.linkTlsVerifyHostname(), refused);
        restart("federation.reachable", f.reachable(), g.reachable(), refused);
        restart("federation.maxIncomingLinks", f.maxIncomingLinks(), g.maxIncomingLinks(), refused);
        // Client admission is built at start (users, their reserved vIPs, grants): every setting of it needs a restart.
        // The users file is read at start too; a reload compares its path, not its contents.
        AdmissionConfig am = s.admission();
        AdmissionConfig an = next.admission();
        restart("admission.enabled", am.enabled(), an.enabled(), refused);
        restart("admission.allowAnonymous", am.allowAnonymous(), an.allowAnonymous(), refused);
        restart("admission.loginTimeout", am.loginTimeout(), an.loginTimeout(), refused);
        restart("admission.maxLoginFailuresPerAddress", am.maxLoginFailuresPerAddress(), an.maxLoginFailuresPerAddress(),
                refused);
        restart("admission.maxLoginFailuresPerUser", am.maxLoginFailuresPerUser(), an.maxLoginFailuresPerUser(), refused);
        restart("admission.usersFile", am.usersFile(), an.usersFile(), refused);
        if (!am.users().equals(an.users())) {
            refused.add("admission.users: changed (needs a restart; verifiers are not shown)");
        }
        restart("admission.grants", am.grants(), an.grants(), refused);
        // The WebSocket listener is bound at start: every setting of it needs a restart.
        WebSocketConfig w = s.webSocket();
        WebSocketConfig x = next.webSocket();
        restart("webSocket.enabled", w.enabled(), x.enabled(), refused);
        restart("webSocket.host", w.host(), x.host(), refused);
        restart("webSocket.port", w.port(), x.port(), refused);
        restart("webSocket.upgradeTimeout", w.upgradeTimeout(), x.upgradeTimeout(), refused);
        restart("webSocket.maxMessageSize", w.maxMessageSize(), x.maxMessageSize(), refused);
        restart("webSocket.maxPendingUpgrades", w.maxPendingUpgrades(), x.maxPendingUpgrades(), refused);
        restart("webSocket.allowedOrigins", w.allowedOrigins(), x.allowedOrigins(), refused);
        restart("webSocket.staticFiles", w.staticFiles(), x.staticFiles(), refused);
        restart("federation.peerReconnect", f.peerReconnect(), g.peerReconnect(), refused);
        restart("federation.peerQueueBytes", f.peerQueueBytes(), g.peerQueueBytes(), refused);
    }

    private static void restart(String field, Object running, Object wanted, List<String> refused) {
        if (!Objects.equals(running, wanted)) {
            refused.add(field + ": " + running + " -> " + wanted + " (needs a restart; still " + running + ")");
        }
    }

    private static boolean changed(String field, Object before, Object after, List<String> applied) {
        if (Objects.equals(before, after)) {
            return false;
        }
        applied.add(field + ": " + before + " -> " + after);
        return true;
    }

    private static void diff(String field, Set<String> before, Set<String> after, Function<String, Boolean> add,
            Function<String, Boolean> remove, List<String> applied) {
        Set<String> added = new LinkedHashSet<>(after);
        added.removeAll(before);
        Set<String> removed = new LinkedHashSet<>(before);
        removed.removeAll(after);
        added.forEach(add::apply);
        removed.forEach(remove::apply);
        if (!added.isEmpty() || !removed.isEmpty()) {
            applied.add(field + ": " + (added.isEmpty() ? "" : "+" + added) + (added.isEmpty() || removed.isEmpty() ? "" : " ")
                    + (removed.isEmpty() ? "" : "-" + removed));
        }
    }

    private static Set<String> strings(Set<Vip> vips) {
        Set<String> out = new HashSet<>();
        vips.forEach(v -> out.add(v.toString()));
        return out;
    }

    private static String describeTokens(Set<String> tokens) {
        return tokens.isEmpty() ? "generated" : tokens.size() + " configured";
    }
}
