package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/**
 * The bounds of groups, names, presence and the network directory (docs/network.md "Bounds"): what one client may
 * hold, how large a group and a group message may be, how long a gone client's names are held, how large the
 * directory and the dedup cache of group messages may grow. Part of {@link ServerConfig}
 * ({@link ServerConfig#network()}); validated in {@link Builder#build()}, errors naming the field as
 * {@code network.<name>}; restart-only.
 *
 * <p>Immutable and thread-safe.
 */
public final class NetworkConfig {
    /** Groups one client may be in. */
    public static final int DEFAULT_GROUPS_PER_CLIENT = 64;
    /** Members of one group on the network, as this server knows them at JOIN. */
    public static final int DEFAULT_MAX_GROUP_MEMBERS = 65_536;
    /** Names one client may hold. */
    public static final int DEFAULT_NAMES_PER_CLIENT = 8;
    /** Presence watches of one client. */
    public static final int DEFAULT_WATCHES_PER_CLIENT = 256;
    /** Bytes of data in one group message. */
    public static final int DEFAULT_MAX_GROUP_MESSAGE = 65_536;
    /** How long a gone client's names are held for its reconnect. */
    public static final Duration DEFAULT_NAME_GRACE = Duration.ofSeconds(30);
    /** Clients, memberships and names in this server's directory, all servers together. */
    public static final int DEFAULT_MAX_DIRECTORY_ENTRIES = 1_000_000;
    /** Group message and broadcast ids remembered to drop copies. */
    public static final int DEFAULT_DEDUP_ENTRIES = 65_536;

    private final int groupsPerClient;
    private final int maxGroupMembers;
    private final int namesPerClient;
    private final int watchesPerClient;
    private final int maxGroupMessage;
    private final Duration nameGrace;
    private final int maxDirectoryEntries;
    private final int dedupEntries;

    private NetworkConfig(Builder b) {
        groupsPerClient = b.groupsPerClient;
        maxGroupMembers = b.maxGroupMembers;
        namesPerClient = b.namesPerClient;
        watchesPerClient = b.watchesPerClient;
        maxGroupMessage = b.maxGroupMessage;
        nameGrace = b.nameGrace;
        maxDirectoryEntries = b.maxDirectoryEntries;
        dedupEntries = b.dedupEntries;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: {@code builder().build()}. */
    public static NetworkConfig defaults() {
        return builder().build();
    }

    /** Groups one client may be in (JOIN beyond it: RESULT {@code LIMIT}). */
    public int groupsPerClient() {
        return groupsPerClient;
    }

    /** Members of one group, as this server knows them at JOIN (beyond it: {@code LIMIT}). */
    public int maxGroupMembers() {
        return maxGroupMembers;
    }

    /** Names one client may hold (beyond it: {@code LIMIT}). */
    public int namesPerClient() {
        return namesPerClient;
    }

    /** Presence watches of one client (beyond it: {@code LIMIT}). */
    public int watchesPerClient() {
        return watchesPerClient;
    }

    /** Bytes of data in one group message (beyond it: {@code TOO_LARGE}). */
    public int maxGroupMessage() {
        return maxGroupMessage;
    }

    /** How long a gone client's names are held for its reconnect (zero: released at once). */
    public Duration nameGrace() {
        return nameGrace;
    }

    /** Entries of this server's directory, all servers together (changes beyond it refused and counted). */
    public int maxDirectoryEntries() {
        return maxDirectoryEntries;
    }

    /** Message ids remembered to drop copies of group messages and broadcasts. */
    public int dedupEntries() {
        return dedupEntries;
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().groupsPerClient(groupsPerClient).maxGroupMembers(maxGroupMembers)
                .namesPerClient(namesPerClient).watchesPerClient(watchesPerClient).maxGroupMessage(maxGroupMessage)
                .nameGrace(nameGrace).maxDirectoryEntries(maxDirectoryEntries).dedupEntries(dedupEntries);
    }

    /** Builds {@link NetworkConfig}; not thread-safe. */
    public static final class Builder {
        private int groupsPerClient = DEFAULT_GROUPS_PER_CLIENT;
        private int maxGroupMembers = DEFAULT_MAX_GROUP_MEMBERS;
        private int namesPerClient = DEFAULT_NAMES_PER_CLIENT;
        private int watchesPerClient = DEFAULT_WATCHES_PER_CLIENT;
        private int maxGroupMessage = DEFAULT_MAX_GROUP_MESSAGE;
        private Duration nameGrace = DEFAULT_NAME_GRACE;
        private int maxDirectoryEntries = DEFAULT_MAX_DIRECTORY_ENTRIES;
        private int dedupEntries = DEFAULT_DEDUP_ENTRIES;

        private Builder() {
        }

        /** Groups one client may be in (at least 1). */
        public Builder groupsPerClient(int n) {
            this.groupsPerClient = n;
            return this;
        }

        /** Members of one group (at least 1). */
        public Builder maxGroupMembers(int n) {
            this.maxGroupMembers = n;
            return this;
        }

        /** Names one client may hold (0 or more). */
        public Builder namesPerClient(int n) {
            this.namesPerClient = n;
            return this;
        }

        /** Watches of one client (0 or more). */
        public Builder watchesPerClient(int n) {
            this.watchesPerClient = n;
            return this;
        }

        /** Bytes of data in one group message (0 to 1 MiB). */
        public Builder maxGroupMessage(int bytes) {
            this.maxGroupMessage = bytes;
            return this;
        }

        /** How long a gone client's names are held (zero or positive). */
        public Builder nameGrace(Duration grace) {
            this.nameGrace = grace;
            return this;
        }

        /** Entries of the directory (at least 1,000). */
        public Builder maxDirectoryEntries(int n) {
            this.maxDirectoryEntries = n;
            return this;
        }

        /** Message ids remembered (at least 1,024). */
        public Builder dedupEntries(int n) {
            this.dedupEntries = n;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming the {@code network.*} field and why
         */
        public NetworkConfig build() {
            require(groupsPerClient >= 1, "network.groupsPerClient", "must be at least 1, got " + groupsPerClient);
            require(maxGroupMembers >= 1, "network.maxGroupMembers", "must be at least 1, got " + maxGroupMembers);
            require(namesPerClient >= 0, "network.namesPerClient", "must be 0 or more, got " + namesPerClient);
            require(watchesPerClient >= 0, "network.watchesPerClient", "must be 0 or more, got " + watchesPerClient);
            require(maxGroupMessage >= 0 && maxGroupMessage <= 1 << 20, "network.maxGroupMessage",
                    "must be 0 to 1048576 bytes, got " + maxGroupMessage);
            require(nameGrace != null && !nameGrace.isNegative(), "network.nameGrace", "must be zero or positive");
            require(maxDirectoryEntries >= 1000, "network.maxDirectoryEntries",
                    "must be at least 1000, got " + maxDirectoryEntries);
            require(dedupEntries >= 1024, "network.dedupEntries", "must be at least 1024, got " + dedupEntries);
            return new NetworkConfig(this);
        }
    }
}
