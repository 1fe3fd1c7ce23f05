package io.dosp.client.internal;

import io.dosp.client.DospClientException;
import io.dosp.client.NetworkClient;
import io.dosp.client.PresenceTarget;
import io.dosp.protocol.Ext;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The requests of {@code DospNetwork} on the client's current connection: each one's frame, its OK payload read into
 * the answer, a refusal turned into {@code NetworkRequestException}, and what the client holds updated for a reconnect
 * ({@link NetworkFeature}). Listings are paged: the next page is asked for when one arrives, until the total is
 * reached (at most {@value #MAX_LISTED} entries). Thread-safe.
 */
public final class NetworkRequests {
    /** The most entries a listing collects (a server's directory holds at most a million by default). */
    static final int MAX_LISTED = 1 << 21;
    private final Supplier<ClientConnection> connection;
    private final NetworkFeature feature;
    private final Duration timeout;

    /**
     * @param connection the client's current connection
     * @param feature    the client's network feature (pending requests, what it holds)
     * @param timeout    how long a request waits for its RESULT
     */
    public NetworkRequests(Supplier<ClientConnection> connection, NetworkFeature feature, Duration timeout) {
        this.connection = connection;
        this.feature = feature;
        this.timeout = timeout;
    }

    /** Waits for {@code f} up to the request timeout (plus a second, so the request's own timeout speaks first). */
    public <T> T await(CompletableFuture<T> f, String what) {
        return Replies.await(f, what, connection.get().server(), timeout.plusSeconds(1));
    }

    /** Sends a request; completes with its OK payload read by {@code ok}, or fails with the refusal. */
    private <T> CompletableFuture<T> call(String feat, String what, int kind, IntFunction<SimplePacket> frame,
            Function<NetworkFrames.Result, T> ok) {
        ClientConnection k = connection.get();
        return feature.request(k, feat, what, kind, frame, timeout).thenCompose(r -> {
            if (r.status() != NetworkFrames.OK) {
                return CompletableFuture.failedFuture(NetworkFeature.refusal(k.server(), what, r));
            }
            try {
                return CompletableFuture.completedFuture(ok.apply(r));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(new DospClientException(what + " got an unreadable answer from "
                        + k.server() + ": " + e.getMessage(), e));
            }
        });
    }

    /** JOIN; on OK the group is remembered for a reconnect. */
    public CompletableFuture<Void> join(String group) {
        NetworkFrames.checkName("group", group);
        return call(Ext.FEATURE_GROUPS, "JOIN " + group, NetworkFrames.JOIN, req -> NetworkFrames.join(req, group),
                r -> {
                    feature.joined(group);
                    return null;
                });
    }

    /** LEAVE; the group is forgotten at once. */
    public CompletableFuture<Void> leave(String group) {
        NetworkFrames.checkName("group", group);
        feature.left(group); // not re-joined after a reconnect, whatever the answer
        return call(Ext.FEATURE_GROUPS, "LEAVE " + group, NetworkFrames.LEAVE, req -> NetworkFrames.leave(req, group),
                r -> null);
    }

    /** SEND; completes with the number of members the server knew of. */
    public CompletableFuture<Long> send(String group, byte[] data) {
        NetworkFrames.checkName("group", group);
        byte[] copy = data.clone();
        return call(Ext.FEATURE_GROUPS, "SEND " + group, NetworkFrames.SEND,
                req -> NetworkFrames.send(req, group, copy), r -> NetworkFrames.sent(r.payload()).members());
    }

    /** MEMBERS, every page. */
    public CompletableFuture<List<Vip>> members(String group) {
        NetworkFrames.checkName("group", group);
        return pages(Ext.FEATURE_GROUPS, "MEMBERS " + group, NetworkFrames.MEMBERS,
                (req, offset) -> NetworkFrames.members(req, offset, group), NetworkFrames::membersPage);
    }

    /** REGISTER (with the token of an earlier registration of the name); on OK the name and its token are remembered. */
    public CompletableFuture<Void> register(String name) {
        NetworkFrames.checkName("name", name);
        byte[] token = feature.token(name);
        return call(Ext.FEATURE_NAMES, "REGISTER " + name, NetworkFrames.REGISTER,
                req -> NetworkFrames.register(req, name, token), r -> {
                    feature.registered(name, NetworkFrames.token(r.payload()));
                    return null;
                });
    }

    /** UNREGISTER; the name is forgotten at once. */
    public CompletableFuture<Void> unregister(String name) {
        NetworkFrames.checkName("name", name);
        feature.unregistered(name);
        return call(Ext.FEATURE_NAMES, "UNREGISTER " + name, NetworkFrames.UNREGISTER,
                req -> NetworkFrames.unregister(req, name), r -> null);
    }

    /** RESOLVE; NOT_FOUND is empty. */
    public CompletableFuture<Optional<Vip>> resolve(String name) {
        NetworkFrames.checkName("name", name);
        ClientConnection k = connection.get();
        String what = "RESOLVE " + name;
        return feature.request(k, Ext.FEATURE_NAMES, what, NetworkFrames.RESOLVE,
                req -> NetworkFrames.resolve(req, name), timeout).thenCompose(r -> {
                    if (r.status() == NetworkFrames.NOT_FOUND) {
                        return CompletableFuture.completedFuture(Optional.<Vip>empty());
                    }
                    if (r.status() != NetworkFrames.OK) {
                        return CompletableFuture.failedFuture(NetworkFeature.refusal(k.server(), what, r));
                    }
                    return CompletableFuture.completedFuture(Optional.of(NetworkFrames.resolved(r.payload())));
                });
    }

    /** WATCH; on OK the watch is remembered for a reconnect. */
    public CompletableFuture<Void> watch(PresenceTarget target) {
        checkTarget(target);
        return call(Ext.FEATURE_PRESENCE, "WATCH " + target, NetworkFrames.WATCH,
                req -> NetworkFrames.watch(req, target), r -> {
                    feature.watching(target);
                    return null;
                });
    }

    /** UNWATCH; the watch is forgotten at once. */
    public CompletableFuture<Void> unwatch(PresenceTarget target) {
        checkTarget(target);
        feature.unwatched(target);
        return call(Ext.FEATURE_PRESENCE, "UNWATCH " + target, NetworkFrames.UNWATCH,
                req -> NetworkFrames.unwatch(req, target), r -> null);
    }

    private static void checkTarget(PresenceTarget t) {
        if (t.kind() == PresenceTarget.Kind.VIP) {
            Vip.parse(t.value());
        } else {
            NetworkFrames.checkName(t.kind() == PresenceTarget.Kind.NAME ? "name" : "group", t.value());
        }
    }

    /** CLIENTS, every page. */
    public CompletableFuture<List<NetworkClient>> clients() {
        return pages(Ext.FEATURE_NETWORK, "CLIENTS", NetworkFrames.CLIENTS,
                (req, offset) -> NetworkFrames.listing(NetworkFrames.CLIENTS, req, offset), NetworkFrames::clientsPage)
                .thenApply(l -> l.stream().map(c -> new NetworkClient(c.vip(),
                        c.user().isEmpty() ? Optional.<String>empty() : Optional.of(c.user()))).toList());
    }

    /** GROUPS, every page. */
    public CompletableFuture<Map<String, Long>> groups() {
        return pages(Ext.FEATURE_NETWORK, "GROUPS", NetworkFrames.GROUPS,
                (req, offset) -> NetworkFrames.listing(NetworkFrames.GROUPS, req, offset), NetworkFrames::groupsPage)
                .thenApply(l -> {
                    Map<String, Long> m = new LinkedHashMap<>();
                    l.forEach(e -> m.put(e.name(), e.members()));
                    return Collections.unmodifiableMap(m);
                });
    }

    /** NAMES, every page. */
    public CompletableFuture<Map<String, Vip>> names() {
        return pages(Ext.FEATURE_NETWORK, "NAMES", NetworkFrames.NAMES,
                (req, offset) -> NetworkFrames.listing(NetworkFrames.NAMES, req, offset), NetworkFrames::namesPage)
                .thenApply(l -> {
                    Map<String, Vip> m = new LinkedHashMap<>();
                    l.forEach(e -> m.put(e.name(), e.vip()));
                    return Collections.unmodifiableMap(m);
                });
    }

    /** A paged request's frame for a request id and an offset. */
    private interface PagedFrame {
        SimplePacket frame(int req, int offset);
    }

    private <T> CompletableFuture<List<T>> pages(String feat, String what, int kind, PagedFrame frame,
            Function<byte[], NetworkFrames.Page<T>> parse) {
        List<T> acc = new ArrayList<>();
        return page(feat, what, kind, frame, parse, acc).thenApply(v -> List.copyOf(acc));
    }

    private <T> CompletableFuture<Void> page(String feat, String what, int kind, PagedFrame frame,
            Function<byte[], NetworkFrames.Page<T>> parse, List<T> acc) {
        int offset = acc.size();
        return call(feat, what, kind, req -> frame.frame(req, offset), r -> parse.apply(r.payload()))
                .thenCompose(p -> {
                    acc.addAll(p.entries());
                    if (acc.size() >= p.total()) {
                        return CompletableFuture.completedFuture(null);
                    }
                    if (p.entries().isEmpty() || acc.size() >= MAX_LISTED) {
                        return CompletableFuture.failedFuture(new DospClientException(what + ": the server listed "
                                + acc.size() + " of " + p.total() + " entries and "
                                + (p.entries().isEmpty() ? "then an empty page" : "this client collects at most "
                                + MAX_LISTED)));
                    }
                    return page(feat, what, kind, frame, parse, acc);
                });
    }
}
