package io.dosp.client.internal;

import io.dosp.client.ClientOptions;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClientException;
import io.dosp.client.LoginFailedException;
import io.dosp.client.LoginRequiredException;
import io.dosp.client.ReconnectOptions;
import io.dosp.protocol.Backoff;
import io.dosp.protocol.ExitCode;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Resume;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens when a client's connection is lost: with reconnect off, or when the
 * server's EXIT says the client is unwelcome ({@link ServerExitReason#reconnect()}), the client
 * ends for good (the receive queue closes, listeners hear {@code onDisconnected}); otherwise new
 * connections are attempted with the configured {@link Backoff} until one succeeds or the client
 * is closed. A new connection asks for the previous vIP again (when {@link ReconnectOptions#keepVip()})
 * and the peers of the lost connection's tunnels are remembered, so the client re-opens a tunnel
 * before the first send to one of them instead of sending plaintext.
 *
 * <p>Where: the attempts go round a list of servers, one per attempt. When the server's EXIT carried a
 * reconnect hint ({@link ServerExitReason#redirects}: it drains or shuts down), the hinted servers come
 * first and the lost server last; otherwise the lost server first, then
 * {@link ClientOptions#fallbackServers()}, then the server first configured. A server that drains
 * refuses new connections with the same hint, so an attempt that reaches it learns where to go.
 *
 * <p>Cluster mode (feature {@code resume}): when the lost connection's node had given the client a resume secret for
 * its vIP and the new connection did not get that vIP back by RQIP, the client sends RESUME with it (without blocking;
 * a refusal that may pass, a node not yet known dead, is retried once a second for up to {@link #RESUME_WINDOW}).
 * {@code onReconnected} follows the outcome: the old vIP, or the new one after {@code onResumeFailed}. Then each
 * tunnel of the lost connection is re-opened (new keys), so a lost frame cannot break its sequence.
 *
 * <p>One per client. Thread-safe: losses are reported on I/O threads and only schedule work;
 * attempts (which block while connecting) run on {@link ClientThreads#scheduler()}.
 */
public final class Reconnector implements ClientConnection.LossHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconnector.class);
    private final ClientOptions options;
    private final ReceiveQueue queue;
    private final ListenerNotifier listeners;
    private final TunnelGuard guard;
    private final ClientExtensions extensions;
    private final TunnelIdentity identity;
    private final ScheduledExecutorService scheduler;
    private final Consumer<ClientConnection> replace;
    /** How long a resume that the node refuses for now ({@link Resume.Failed#retryable}) is retried. */
    static final java.time.Duration RESUME_WINDOW = java.time.Duration.ofSeconds(30);
    /** How long the side with the higher vIP leaves a former tunnel peer to re-open first after a reconnect. */
    static final java.time.Duration REOPEN_DELAY = java.time.Duration.ofSeconds(1);
    private final Set<Vip> formerTunnels = ConcurrentHashMap.newKeySet();
    private final ResumeTokens tokens;
    /** The token of the vIP this client wants back (from the first lost connection that had one), or null. */
    private volatile Resume.Token wanted;
    private volatile boolean stopped;
    /** The server of the current connection ({@code host:port}), null for the in-process transport. */
    private volatile String current;

    /**
     * @param options   the client's options (the reconnect group decides)
     * @param queue     the client's receive queue, closed when the client ends for good
     * @param listeners told {@code onReconnected} and {@code onDisconnected}
     * @param guard     the client's tunnel handshake limits, handed to each new connection
     * @param extensions the client's extension features, handed to each new connection
     * @param identity  the client's tunnel identity and trust checks, handed to each new connection
     * @param scheduler runs the attempts
     * @param replace   takes each new connection in place of the lost one
     * @param tokens    the client's latest resume secret
     */
    public Reconnector(ClientOptions options, ReceiveQueue queue, ListenerNotifier listeners, TunnelGuard guard,
            ClientExtensions extensions, TunnelIdentity identity, ScheduledExecutorService scheduler,
            Consumer<ClientConnection> replace, ResumeTokens tokens) {
        this.tokens = tokens;
        this.extensions = extensions;
        this.identity = identity;
        this.options = options;
        this.queue = queue;
        this.listeners = listeners;
        this.guard = guard;
        this.scheduler = scheduler;
        this.replace = replace;
        this.current = options.localName() == null ? hostPort(options.host(), options.port()) : null;
    }

    /** Ends the client for good, or schedules the first reconnect attempt; never blocks (runs on an I/O thread). */
    @Override
    public void lost(ClientConnection lost, DisconnectedException cause) {
        if (stopped) {
            return;
        }
        ReconnectOptions reconnect = options.reconnect();
        if (!reconnect.enabled() || !ServerExitReason.of(cause.serverReason()).reconnect()) {
            queue.close(cause);
            listeners.emit(l -> l.onDisconnected(cause));
            return;
        }
        listeners.emit(l -> l.onConnectionLost(cause));
        formerTunnels.addAll(lost.tunnels().peers());
        formerTunnels.addAll(lost.tunnels().lostPeers()); // ended on S2CF: still never plain
        if (wanted == null) { // else an earlier loss's resume has not finished: that vIP is still the one wanted
            Resume.Token t = tokens.latest();
            wanted = t != null && t.vip().equals(lost.vip()) ? t : null;
        }
        List<String> targets = targets(cause.serverReason());
        LOG.info("Connection to {} lost ({}); reconnecting{}", lost.server(), LogText.of(cause.getMessage()),
                targets.size() > 1 ? " (servers: " + LogText.of(String.join(", ", targets)) + ")" : "");
        schedule(reconnect.keepVip() ? lost.vip() : null, 0, targets);
    }

    /** {@code host:port}, with an IPv6 literal in brackets, as {@link ClientOptions.Builder#server(String)} reads it. */
    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The servers to go round, in order (see the class comment); empty for the in-process transport. */
    List<String> targets(String exitText) {
        if (current == null) {
            return List.of();
        }
        List<String> hints = ServerExitReason.redirects(exitText);
        Set<String> order = new LinkedHashSet<>();
        if (hints.isEmpty()) {
            order.add(current);
        }
        order.addAll(hints);
        order.addAll(options.fallbackServers());
        order.add(hostPort(options.host(), options.port()));
        order.add(current);
        return List.copyOf(order);
    }

    private void schedule(Vip previous, int attempt, List<String> targets) {
        long delay = options.reconnect().backoff().delayNanos(attempt);
        scheduler.schedule(() -> attempt(previous, attempt, targets), delay, TimeUnit.NANOSECONDS);
    }

    private void attempt(Vip previous, int attempt, List<String> targets) {
        if (stopped) {
            return;
        }
        String target = targets.isEmpty() ? null : targets.get(attempt % targets.size());
        try {
            ClientOptions o = target == null ? options.withRequestedVip(previous)
                    : options.toBuilder().server(target).requestVip(previous, false).build();
            ClientConnection k = ClientConnection.open(o, queue, listeners, guard, extensions, identity, this);
            replace.accept(k);
            if (stopped) {
                k.close(Packets.exit(ExitCode.CC));
                return;
            }
            if (target != null) {
                current = target;
            }
            LOG.info("Reconnected to {} as {} after {} attempt(s)", k.server(), k.vip(), attempt + 1);
            Resume.Token t = wanted;
            if (t == null || t.vip().equals(k.vip()) || !k.extensions().contains(io.dosp.protocol.Ext.FEATURE_RESUME)) {
                wanted = null;
                reconnected(k);
            } else {
                resume(k, t, System.nanoTime() + RESUME_WINDOW.toNanos());
            }
        } catch (LoginFailedException | LoginRequiredException e) {
            // The same credentials cannot do better next time, and retrying would run into the server's login limits.
            LOG.warn("Reconnecting to {} stopped: {}", options.serverName(), LogText.of(e.getMessage()));
            DisconnectedException end = new DisconnectedException(options.serverName(), e.getMessage());
            queue.close(end);
            listeners.emit(l -> l.onDisconnected(end));
        } catch (DospClientException e) {
            LOG.debug("Reconnect attempt {} to {} failed: {}", attempt + 1, target != null ? LogText.of(target)
                    : options.serverName(), LogText.of(e.getMessage()));
            schedule(previous, attempt + 1, targets);
        }
    }

    /** Sends RESUME for {@code t} on {@code k}; retries a refusal that may pass until {@code deadline}; never blocks. */
    private void resume(ClientConnection k, Resume.Token t, long deadline) {
        k.resume(t, tokens).whenComplete((failed, error) -> {
            if (stopped || !k.isConnected()) {
                return; // lost again: the next connection tries with the same token
            }
            if (error == null && failed == null) {
                wanted = null;
                // Tunnels opened under the interim vIP are keyed to it: re-opened below from the resumed one.
                for (Vip peer : k.tunnels().peers()) {
                    formerTunnels.add(peer);
                    k.tunnels().remove(peer);
                }
                LOG.info("Resumed vIP {} on {}", k.vip(), k.server());
                reconnected(k);
                return;
            }
            if (error == null && failed.retryable() && System.nanoTime() < deadline) {
                scheduler.schedule(() -> resume(k, t, deadline), 1, TimeUnit.SECONDS);
                return;
            }
            wanted = null;
            String why = error != null ? "no answer to RESUME (" + LogText.of(String.valueOf(error.getMessage())) + ")"
                    : LogText.of(failed.describe()); // the text is the server's: escaped, cut
            LOG.warn("Could not resume vIP {} on {}: {}; keeping {}", t.vip(), k.server(), why, k.vip());
            listeners.emit(l -> l.onResumeFailed(t.vip(), why));
            reconnected(k);
        });
    }

    /** The new connection is final: its tunnels with the former peers are re-opened (new keys), listeners told. */
    private void reconnected(ClientConnection k) {
        Vip vip = k.vip();
        listeners.emit(l -> l.onReconnected(vip));
        for (Vip peer : Set.copyOf(formerTunnels)) {
            if (vip.compareTo(peer) < 0) {
                reopen(k, peer);
            } else {
                // The peer may have lost its connection too and re-open from its side (the lower vIP first): give it
                // a moment, so that two opens do not cross; open() joins a tunnel that is up by then.
                scheduler.schedule(() -> reopen(k, peer), REOPEN_DELAY.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Re-opens the tunnel with the former peer {@code peer} on {@code k} (new keys), without blocking. */
    private void reopen(ClientConnection k, Vip peer) {
        if (stopped || !k.isConnected()) {
            return;
        }
        k.tunnels().open(peer).orTimeout(options.tunnelTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> {
                    if (e == null) {
                        tunnelReopened(peer);
                    } else {
                        // It stays a former tunnel peer: the next send to it re-opens it or fails visibly.
                        k.tunnels().failOpen(peer, io.dosp.client.TunnelFailedException.Reason.TIMEOUT,
                                "no handshake answer after the reconnect");
                        LOG.debug("Tunnel with {} not re-opened after the reconnect: {}", peer, e.toString());
                    }
                });
    }

    /** No more attempts: the client is closing. */
    public void stop() {
        stopped = true;
    }

    /** Whether {@code peer} had a tunnel on a lost connection that was not re-opened since. */
    public boolean isFormerTunnelPeer(Vip peer) {
        return !formerTunnels.isEmpty() && formerTunnels.contains(peer);
    }

    /** The tunnel with a former tunnel peer is open again. */
    public void tunnelReopened(Vip peer) {
        formerTunnels.remove(peer);
    }
}
