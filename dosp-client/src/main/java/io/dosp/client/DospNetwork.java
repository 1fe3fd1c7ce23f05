package io.dosp.client;

import io.dosp.client.internal.NetworkFeature;
import io.dosp.client.internal.NetworkRequests;
import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Groups, names, presence and network-wide views across a federation of servers of this project
 * ({@link DospClient#network()}; the wire contract is docs/network.md). Each needs its extension feature, enabled
 * by the server in WELCOME ({@code groups}, {@code names}, {@code presence}, {@code network}); a reference server
 * offers none, and a call then fails with {@link FeatureNotOfferedException} before anything is sent.
 *
 * <pre>{@code
 * DospNetwork net = client.network();
 * net.join("ops");                              // a member on the whole network
 * net.sendToGroup("ops", "deploy done");        // every other member gets it once: onGroupMessage
 * net.register("build-bot");                    // unique across the network
 * Optional<Vip> who = net.resolve("build-bot"); // from any server
 * net.watch(PresenceTarget.name("build-bot"));  // onPresence: joined / left with the reason
 * }</pre>
 *
 * <p>What arrives comes to the {@link ClientListener}s, on the client's callback thread: group messages
 * ({@link ClientListener#onGroupMessage}), presence events ({@link ClientListener#onPresence}), names taken away
 * ({@link ClientListener#onNameLost}). Each call has an {@code ...Async} twin; the blocking ones wait up to the request
 * timeout ({@link RequestTimeoutException}). A refusal is a {@link NetworkRequestException} with the server's status.
 * Group and name strings are 1 to 64 characters of {@code a-z 0-9 . _ -}, starting with a letter or a digit (others
 * throw {@link IllegalArgumentException}).
 *
 * <p>Across reconnects: the client remembers the groups it joined, the names it holds (with the token that re-claims
 * them within the server's grace period) and its watches, and restores them on the new connection (a name that cannot
 * be had back is reported by {@link ClientListener#onNameLost}). Thread-safe.
 */
public final class DospNetwork {
    private final NetworkRequests requests;
    private final NetworkFeature feature;

    DospNetwork(NetworkRequests requests, NetworkFeature feature) {
        this.requests = requests;
        this.feature = feature;
    }

    // ---- groups ----

    /** Joins {@code group} on the whole network (joining a group one is in is no error). */
    public void join(String group) {
        requests.await(joinAsync(group), "JOIN " + group);
    }

    /** {@link #join}, asynchronously. */
    public CompletableFuture<Void> joinAsync(String group) {
        return requests.join(group);
    }

    /** Leaves {@code group}; fails with status {@code NOT_MEMBER} when this client is not in it. */
    public void leave(String group) {
        requests.await(leaveAsync(group), "LEAVE " + group);
    }

    /** {@link #leave}, asynchronously. */
    public CompletableFuture<Void> leaveAsync(String group) {
        return requests.leave(group);
    }

    /**
     * Sends {@code data} to every other member of {@code group} on the network, each once (membership is not needed;
     * the grants may restrict it). Returns how many members the server knew of (0 is no error).
     *
     * @throws NetworkRequestException {@code TOO_LARGE} over the server's {@code network.maxGroupMessage}
     */
    public long sendToGroup(String group, byte[] data) {
        return requests.await(sendToGroupAsync(group, data), "SEND " + group);
    }

    /** {@link #sendToGroup(String, byte[])} of UTF-8 {@code text}. */
    public long sendToGroup(String group, String text) {
        return sendToGroup(group, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #sendToGroup(String, byte[])}, asynchronously. */
    public CompletableFuture<Long> sendToGroupAsync(String group, byte[] data) {
        return requests.send(group, data);
    }

    /** The members of {@code group} on the whole network, by vIP (empty for a group nobody is in). */
    public List<Vip> members(String group) {
        return requests.await(membersAsync(group), "MEMBERS " + group);
    }

    /** {@link #members}, asynchronously (pages through the server's answer). */
    public CompletableFuture<List<Vip>> membersAsync(String group) {
        return requests.members(group);
    }

    /**
     * Group messages that arrived while the client had no listener: they are counted here and not kept (add a
     * {@link ClientListener} before joining).
     */
    public long unheardGroupMessages() {
        return feature.unheardGroupMessages();
    }

    /** The groups this client joined (and restores after a reconnect). */
    public Set<String> joinedGroups() {
        return feature.groups();
    }

    // ---- names ----

    /**
     * Registers {@code name} for this client, unique across the network (registering a name one holds is no error).
     * An earlier concurrent registration elsewhere can still win: then {@link ClientListener#onNameLost} says so.
     *
     * @throws NetworkRequestException {@code TAKEN} when another client holds it, {@code LIMIT}, {@code NOT_ALLOWED}
     */
    public void register(String name) {
        requests.await(registerAsync(name), "REGISTER " + name);
    }

    /** {@link #register}, asynchronously. */
    public CompletableFuture<Void> registerAsync(String name) {
        return requests.register(name);
    }

    /** Gives up {@code name}; fails with status {@code NOT_FOUND} when this client does not hold it. */
    public void unregister(String name) {
        requests.await(unregisterAsync(name), "UNREGISTER " + name);
    }

    /** {@link #unregister}, asynchronously. */
    public CompletableFuture<Void> unregisterAsync(String name) {
        return requests.unregister(name);
    }

    /** The vIP of the client holding {@code name} anywhere on the network, or empty when nobody holds it. */
    public Optional<Vip> resolve(String name) {
        return requests.await(resolveAsync(name), "RESOLVE " + name);
    }

    /** {@link #resolve}, asynchronously. */
    public CompletableFuture<Optional<Vip>> resolveAsync(String name) {
        return requests.resolve(name);
    }

    /** The names this client holds (and re-claims after a reconnect). */
    public Set<String> registeredNames() {
        return feature.names();
    }

    // ---- presence ----

    /**
     * Watches {@code target}: the current state arrives at once as joined events, then every change
     * ({@link ClientListener#onPresence}). Watching again sends the current state again.
     */
    public void watch(PresenceTarget target) {
        requests.await(watchAsync(target), "WATCH " + target);
    }

    /** {@link #watch}, asynchronously. */
    public CompletableFuture<Void> watchAsync(PresenceTarget target) {
        return requests.watch(target);
    }

    /** Stops watching {@code target}; fails with status {@code NOT_FOUND} when it was not watched. */
    public void unwatch(PresenceTarget target) {
        requests.await(unwatchAsync(target), "UNWATCH " + target);
    }

    /** {@link #unwatch}, asynchronously. */
    public CompletableFuture<Void> unwatchAsync(PresenceTarget target) {
        return requests.unwatch(target);
    }

    /** What this client watches (and watches again after a reconnect). */
    public Set<PresenceTarget> watches() {
        return feature.watches();
    }

    // ---- network-wide views ----

    /** Every client on the network (with admission on: those this client may reach, and itself), by vIP. */
    public List<NetworkClient> clients() {
        return requests.await(clientsAsync(), "CLIENTS");
    }

    /** {@link #clients}, asynchronously. */
    public CompletableFuture<List<NetworkClient>> clientsAsync() {
        return requests.clients();
    }

    /** Every group on the network and its number of members, in name order. */
    public Map<String, Long> groups() {
        return requests.await(groupsAsync(), "GROUPS");
    }

    /** {@link #groups}, asynchronously. */
    public CompletableFuture<Map<String, Long>> groupsAsync() {
        return requests.groups();
    }

    /** Every registered name on the network and the vIP holding it, in name order. */
    public Map<String, Vip> names() {
        return requests.await(namesAsync(), "NAMES");
    }

    /** {@link #names}, asynchronously. */
    public CompletableFuture<Map<String, Vip>> namesAsync() {
        return requests.names();
    }
}
