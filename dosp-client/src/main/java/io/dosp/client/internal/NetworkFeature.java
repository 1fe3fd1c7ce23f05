package io.dosp.client.internal;

import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClientException;
import io.dosp.client.FeatureNotOfferedException;
import io.dosp.client.GroupMessage;
import io.dosp.client.NetworkRequestException;
import io.dosp.client.PresenceEvent;
import io.dosp.client.PresenceTarget;
import io.dosp.client.RequestTimeoutException;
import io.dosp.protocol.Ext;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of the network features {@code groups}, {@code names}, {@code presence} and {@code network}
 * (docs/network.md): requests matched to their RESULT by request id, the server's GROUP_MESSAGE, NAME_LOST and EVENT
 * frames handed to the listeners (on the callback thread, never the I/O thread), and what the client must restore on a
 * new connection: the groups it joined, the names it holds (with their re-claim tokens) and its watches.
 *
 * <p>At most {@value #MAX_PENDING} requests wait at once (more fail at once); each fails after the request timeout,
 * and all of a connection's fail when it closes. One per client, shared by its connections; thread-safe.
 */
public final class NetworkFeature {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkFeature.class);
    static final int MAX_PENDING = 1024;
    /** How long after a reconnect a name still taken is asked for again (a server's grace is 30 s by default). */
    static final Duration RECLAIM_WINDOW = Duration.ofMinutes(2);
    /** How often it is asked for again meanwhile. */
    static final Duration RECLAIM_RETRY = Duration.ofSeconds(2);
    private static final HexFormat HEX = HexFormat.of();

    private final ListenerNotifier listeners;
    private final AtomicInteger ids = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong unheard = new java.util.concurrent.atomic.AtomicLong();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    /** Groups joined, names held (with their tokens), watches: restored on a new connection. Guarded by this. */
    private final Set<String> groups = new LinkedHashSet<>();
    private final Map<String, byte[]> names = new LinkedHashMap<>();
    private final Set<PresenceTarget> watches = new LinkedHashSet<>();

    private record Pending(int resultKind, ClientConnection connection, CompletableFuture<NetworkFrames.Result> future) {
    }

    /** @param listeners who hears of group messages, presence events and lost names */
    public NetworkFeature(ListenerNotifier listeners) {
        this.listeners = listeners;
    }

    /** Offers the four features in HELLO, with this as the handler of their frames. */
    public void offerTo(ClientExtensions extensions) {
        extensions.offer(Ext.FEATURE_GROUPS, this::onFrame)
                .offer(Ext.FEATURE_NAMES, this::onFrame)
                .offer(Ext.FEATURE_PRESENCE, this::onFrame)
                .offer(Ext.FEATURE_NETWORK, this::onFrame);
    }

    // ---- requests ----

    /**
     * Sends the request {@code frame(req)} of {@code feature} on {@code k}; the future completes with its RESULT
     * (whatever the status), or fails: {@link FeatureNotOfferedException} when the server did not enable the feature,
     * {@link RequestTimeoutException} after {@code timeout}, {@link DisconnectedException} when the connection ends.
     */
    CompletableFuture<NetworkFrames.Result> request(ClientConnection k, String feature, String what, int kind,
            IntFunction<SimplePacket> frame, Duration timeout) {
        CompletableFuture<NetworkFrames.Result> f = new CompletableFuture<>();
        if (!k.extensions().contains(feature)) {
            f.completeExceptionally(new FeatureNotOfferedException(k.server(), feature, what));
            return f;
        }
        if (pending.size() >= MAX_PENDING) {
            f.completeExceptionally(new DospClientException(what + ": too many network requests waiting ("
                    + MAX_PENDING + ")"));
            return f;
        }
        int req = ids.incrementAndGet();
        SimplePacket p = frame.apply(req);
        pending.put(req, new Pending(NetworkFrames.resultKindOf(kind), k, f));
        ScheduledFuture<?> timer = ClientThreads.scheduler().schedule(() -> f.completeExceptionally(
                new RequestTimeoutException(what + " got no answer from DoSP server " + k.server() + " within "
                        + timeout)), timeout.toMillis(), TimeUnit.MILLISECONDS);
        f.whenComplete((r, e) -> {
            pending.remove(req);
            timer.cancel(false);
        });
        try {
            k.write(p);
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /** Fails the requests still waiting on {@code k}: its connection ended. */
    public void connectionClosed(ClientConnection k) {
        for (Pending p : List.copyOf(pending.values())) {
            if (p.connection == k) {
                p.future.completeExceptionally(new DisconnectedException(k.server(),
                        "the connection ended before the answer"));
            }
        }
    }

    /** A refusal as an exception (the server's text escaped and cut). */
    static NetworkRequestException refusal(String server, String what, NetworkFrames.Result r) {
        return new NetworkRequestException(server, what, NetworkFrames.statusName(r.status()), LogText.of(r.text()));
    }

    // ---- what the client holds, for a reconnect ----

    synchronized void joined(String group) {
        groups.add(group);
    }

    synchronized void left(String group) {
        groups.remove(group);
    }

    synchronized void registered(String name, byte[] token) {
        names.put(name, token.clone());
    }

    synchronized void unregistered(String name) {
        names.remove(name);
    }

    /** The token of a name this client holds, or null. */
    synchronized byte[] token(String name) {
        byte[] t = names.get(name);
        return t == null ? null : t.clone();
    }

    synchronized void watching(PresenceTarget t) {
        watches.add(t);
    }

    synchronized void unwatched(PresenceTarget t) {
        watches.remove(t);
    }

    /** Group messages that arrived while no listener was registered (not kept). */
    public long unheardGroupMessages() {
        return unheard.get();
    }

    /** The groups this client joined (in the order it joined them). */
    public synchronized Set<String> groups() {
        return Set.copyOf(groups);
    }

    /** The names this client holds. */
    public synchronized Set<String> names() {
        return Set.copyOf(names.keySet());
    }

    /** What this client watches. */
    public synchronized Set<PresenceTarget> watches() {
        return Set.copyOf(watches);
    }

    /**
     * On a new connection {@code k} (after a reconnect): joins the groups again, re-registers the names with their
     * tokens (so the server gives them back within its grace period; on another server, once its grace ends: see
     * {@link #reclaim}), watches again. Never blocks. A name that cannot be had back is lost ({@code onNameLost}); a
     * group or a watch that is refused is forgotten and logged. When the
     * server does not offer a feature, what belongs to it is kept for a later connection.
     */
    public void restore(ClientConnection k, Duration timeout) {
        List<String> g;
        Map<String, byte[]> n;
        List<PresenceTarget> w;
        synchronized (this) {
            g = new ArrayList<>(groups);
            n = new LinkedHashMap<>(names);
            w = new ArrayList<>(watches);
        }
        for (String group : g) {
            restoreOne(k, Ext.FEATURE_GROUPS, "JOIN " + group, NetworkFrames.JOIN,
                    req -> NetworkFrames.join(req, group), timeout, () -> left(group));
        }
        long deadline = System.nanoTime() + RECLAIM_WINDOW.toNanos();
        n.forEach((name, token) -> reclaim(k, name, token, deadline, timeout));
        for (PresenceTarget t : w) {
            restoreOne(k, Ext.FEATURE_PRESENCE, "WATCH " + t, NetworkFrames.WATCH,
                    req -> NetworkFrames.watch(req, t), timeout, () -> unwatched(t));
        }
    }

    /**
     * REGISTER of a name this client held, with its token. TAKEN is tried again every {@link #RECLAIM_RETRY} until
     * {@link #RECLAIM_WINDOW} after the reconnect: on another server than the one that held it the token is unknown,
     * and the name is held there for the old connection until the grace period ends. Then the name is lost
     * ({@code onNameLost}). A failure (the connection went too) keeps the name for the next connection.
     */
    private void reclaim(ClientConnection k, String name, byte[] token, long deadline, Duration timeout) {
        request(k, Ext.FEATURE_NAMES, "REGISTER " + name, NetworkFrames.REGISTER,
                req -> NetworkFrames.register(req, name, token), timeout).whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.info("Name {} not re-registered on {} yet: {}", name, k.server(), LogText.of(e.getMessage()));
                        return;
                    }
                    if (r.status() == NetworkFrames.OK) {
                        registered(name, NetworkFrames.token(r.payload()));
                        return;
                    }
                    synchronized (this) {
                        if (!names.containsKey(name)) {
                            return; // given up meanwhile
                        }
                    }
                    if (r.status() == NetworkFrames.TAKEN && System.nanoTime() < deadline && k.isConnected()) {
                        LOG.debug("Name {} still taken on {} ({}); trying again", name, k.server(), LogText.of(r.text()));
                        ClientThreads.scheduler().schedule(() -> reclaim(k, name, token, deadline, timeout),
                                RECLAIM_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                        return;
                    }
                    unregistered(name);
                    String why = "not re-registered after a reconnect: " + NetworkFrames.statusName(r.status()) + " "
                            + LogText.of(r.text());
                    listeners.emit(l -> l.onNameLost(name, why, Optional.empty()));
                });
    }

    private void restoreOne(ClientConnection k, String feature, String what, int kind, IntFunction<SimplePacket> frame,
            Duration timeout, Runnable forget) {
        request(k, feature, what, kind, frame, timeout).whenComplete((r, e) -> {
            if (e != null) {
                LOG.info("{} not restored on {} yet: {}", LogText.of(what), k.server(), LogText.of(e.getMessage()));
            } else if (r.status() != NetworkFrames.OK) {
                forget.run();
                LOG.warn("{} refused on {} after a reconnect: {} {}", LogText.of(what), k.server(),
                        NetworkFrames.statusName(r.status()), LogText.of(r.text()));
            }
        });
    }

    // ---- frames from the server (I/O thread) ----

    /** A frame of one of the four features from {@code server}. */
    void onFrame(String server, int kind, SimplePacket frame) {
        try {
            if (NetworkFrames.isResult(kind)) {
                onResult(server, NetworkFrames.result(frame));
            } else if (kind == NetworkFrames.GROUP_MESSAGE) {
                NetworkFrames.GroupMessageFrame m = NetworkFrames.groupMessage(frame);
                GroupMessage msg = new GroupMessage(m.group(), m.sender(), HEX.formatHex(m.messageId()), m.data());
                if (listeners.isEmpty()) {
                    unheard.incrementAndGet(); // nobody listens: counted, not kept
                    LOG.debug("A message to group {} from {} arrived with no listener", m.group(), m.sender());
                } else {
                    listeners.emit(l -> l.onGroupMessage(msg));
                }
            } else if (kind == NetworkFrames.NAME_LOST) {
                NetworkFrames.NameLost n = NetworkFrames.nameLost(frame);
                unregistered(n.name());
                Optional<Vip> winner = n.winner().equals(Vip.of(0, 0, 0, 0)) ? Optional.empty()
                        : Optional.of(n.winner());
                String reason = NetworkFrames.reasonName(n.reason());
                listeners.emit(l -> l.onNameLost(n.name(), reason, winner));
            } else if (kind == NetworkFrames.EVENT) {
                NetworkFrames.Event ev = NetworkFrames.event(frame);
                PresenceEvent e = new PresenceEvent(ev.target(), ev.joined(), ev.vip(),
                        NetworkFrames.reasonName(ev.reason()));
                listeners.emit(l -> l.onPresence(e));
            } else {
                LOG.debug("Dropped a network frame of kind 0x{} from {}: not one a server sends",
                        String.format("%02X", kind), server);
            }
        } catch (MalformedPacketException e) {
            LOG.info("Dropped an unreadable network frame of kind 0x{} from {}: {}", String.format("%02X", kind),
                    server, LogText.of(e.getMessage()));
        }
    }

    private void onResult(String server, NetworkFrames.Result r) {
        Pending p = pending.get(r.req());
        if (p == null || p.resultKind != r.kind()) {
            LOG.debug("Dropped a RESULT for request {} from {}: none of ours waits for it", r.req(), server);
            return;
        }
        p.future.complete(r);
    }
}
