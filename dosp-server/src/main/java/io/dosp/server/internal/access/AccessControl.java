package io.dosp.server.internal.access;

import io.dosp.server.ServerConfig;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Banned machine hashes and addresses, and the whitelist, changed at runtime by admin commands
 * and by a reload (blocked vIPs are the vIP table's). Hashes are compared trimmed and lower-cased.
 * Thread-safe (concurrent sets, volatile flag).
 */
public final class AccessControl {
    private final Set<String> bannedHashes = ConcurrentHashMap.newKeySet();
    private final Set<String> whitelist = ConcurrentHashMap.newKeySet();
    private final Set<String> bannedAddresses = ConcurrentHashMap.newKeySet();
    private volatile boolean whitelistEnabled;

    /** The lists and whitelist mode configured in {@code config}. */
    public AccessControl(ServerConfig config) {
        bannedHashes.addAll(config.access().bannedHashes());
        whitelist.addAll(config.access().whitelistHashes());
        bannedAddresses.addAll(config.access().bannedAddresses());
        whitelistEnabled = config.access().whitelistEnabled();
    }

    /** A hash as the lists store it: trimmed, lower case. */
    public static String norm(String hash) {
        return hash.trim().toLowerCase(Locale.ROOT);
    }

    /** Whether {@code hash} is banned. */
    public boolean isBanned(String hash) {
        return bannedHashes.contains(norm(hash));
    }

    /** Bans {@code hash}; false if it already was. */
    public boolean ban(String hash) {
        return bannedHashes.add(norm(hash));
    }

    /** Lifts a ban; false if there was none. */
    public boolean unban(String hash) {
        return bannedHashes.remove(norm(hash));
    }

    /** Whether {@code hash} is on the whitelist. */
    public boolean isWhitelisted(String hash) {
        return whitelist.contains(norm(hash));
    }

    /** Adds {@code hash} to the whitelist; false if it already was. */
    public boolean whitelistAdd(String hash) {
        return whitelist.add(norm(hash));
    }

    /** Removes {@code hash} from the whitelist; false if it was not on it. */
    public boolean whitelistRemove(String hash) {
        return whitelist.remove(norm(hash));
    }

    /** Whether only whitelisted hashes are admitted. */
    public boolean whitelistEnabled() {
        return whitelistEnabled;
    }

    /** Turns whitelist mode on or off. */
    public void whitelistEnabled(boolean on) {
        whitelistEnabled = on;
    }

    /** Whether the remote address {@code hostAddress} is banned. */
    public boolean isAddressBanned(String hostAddress) {
        return bannedAddresses.contains(hostAddress);
    }

    /** Bans the remote address {@code hostAddress}; false if it already was. */
    public boolean banAddress(String hostAddress) {
        return bannedAddresses.add(hostAddress);
    }

    /** Lifts the ban of {@code hostAddress}; false if there was none. */
    public boolean unbanAddress(String hostAddress) {
        return bannedAddresses.remove(hostAddress);
    }

    /** How many hashes are banned. */
    public int bannedCount() {
        return bannedHashes.size();
    }

    /** How many hashes are whitelisted. */
    public int whitelistCount() {
        return whitelist.size();
    }
}
