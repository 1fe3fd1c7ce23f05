package io.dosp.server.internal;

import io.dosp.protocol.Vip;
import io.dosp.server.ServerConfig;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ban list, whitelist and blocked vIPs, changed at runtime by admin commands. Thread-safe
 * (concurrent sets, volatile flag).
 */
public final class AccessControl {
    private final Set<String> bannedHashes = ConcurrentHashMap.newKeySet();
    private final Set<String> whitelist = ConcurrentHashMap.newKeySet();
    private final Set<Vip> blockedVips = ConcurrentHashMap.newKeySet();
    private final Set<String> bannedAddresses;
    private volatile boolean whitelistEnabled;

    AccessControl(ServerConfig config) {
        bannedHashes.addAll(config.access().bannedHashes());
        whitelist.addAll(config.access().whitelistHashes());
        blockedVips.addAll(config.access().blockedVips());
        bannedAddresses = Set.copyOf(config.access().bannedAddresses());
        whitelistEnabled = config.access().whitelistEnabled();
    }

    static String norm(String hash) {
        return hash.trim().toLowerCase(Locale.ROOT);
    }

    boolean isBanned(String hash) {
        return bannedHashes.contains(norm(hash));
    }

    boolean ban(String hash) {
        return bannedHashes.add(norm(hash));
    }

    boolean unban(String hash) {
        return bannedHashes.remove(norm(hash));
    }

    boolean isWhitelisted(String hash) {
        return whitelist.contains(norm(hash));
    }

    boolean whitelistAdd(String hash) {
        return whitelist.add(norm(hash));
    }

    boolean whitelistRemove(String hash) {
        return whitelist.remove(norm(hash));
    }

    boolean whitelistEnabled() {
        return whitelistEnabled;
    }

    void whitelistEnabled(boolean on) {
        whitelistEnabled = on;
    }

    boolean isBlocked(Vip vip) {
        return blockedVips.contains(vip);
    }

    boolean block(Vip vip) {
        return blockedVips.add(vip);
    }

    boolean unblock(Vip vip) {
        return blockedVips.remove(vip);
    }

    boolean isAddressBanned(String hostAddress) {
        return bannedAddresses.contains(hostAddress);
    }

    int bannedCount() {
        return bannedHashes.size();
    }

    int whitelistCount() {
        return whitelist.size();
    }
}
