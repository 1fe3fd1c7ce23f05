package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.isPositive;
import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.Backoff;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.PeerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How a server federates: the peers it links to at start, the mesh key they prove, the host it
 * advertises, route and hop limits, and how each peer link heartbeats, reconnects and queues. Part
 * of {@link ServerConfig} ({@link ServerConfig#federation()}); federation is on when peers or a
 * mesh key are configured ({@link #enabled()}). Validated in {@link Builder#build()}, errors naming
 * the field as {@code federation.<name>}; rules that involve other groups (a peer claiming this
 * server's template, the peer queue against the frame limit) are checked by
 * {@link ServerConfig.Builder#build()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class FederationConfig {
    /** Highest hop count a route may have; longer routes are ignored, forwarded S2C dies after this many links. */
    public static final int DEFAULT_MAX_HOPS = 16;
    /** Most routes kept; further advertised templates are ignored (and logged). */
    public static final int DEFAULT_MAX_ROUTES = 1024;
    /** How often a peer link re-sends its advertisement and PINGs the peer. */
    public static final Duration DEFAULT_PEER_HEARTBEAT = Duration.ofSeconds(5);
    /** Missed heartbeats after which a peer link is declared dead and reconnected. */
    public static final int DEFAULT_PEER_HEARTBEAT_MISSES = 3;
    /** Reconnect backoff of a peer link: 200 ms doubling up to 30 s, with jitter. */
    public static final Backoff DEFAULT_PEER_RECONNECT = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));
    /** Bytes a peer link may have queued; past it forwarded S2C is dropped (the sender gets ERR S2CF). */
    public static final int DEFAULT_PEER_QUEUE_BYTES = 16 << 20;
    /** Whether every outgoing link uses TLS (not only {@code tls://} peers): off, as reference peers speak none. */
    public static final boolean DEFAULT_LINK_TLS = false;
    /** Whether a TLS link's peer certificate must match the host it was dialed at. */
    public static final boolean DEFAULT_LINK_TLS_VERIFY_HOSTNAME = true;
    /** Whether peers can dial this server (then an older build of ours it links to links back). */
    public static final boolean DEFAULT_REACHABLE = true;
    /** Links from peers a server accepts at once (and as many handshakes under way); more are refused with EXIT. */
    public static final int DEFAULT_MAX_INCOMING_LINKS = 64;

    private final List<PeerSpec> peers;
    private final String meshKey;
    private final String advertisedHost;
    private final int maxHops;
    private final int maxRoutes;
    private final Duration peerHeartbeat;
    private final int peerHeartbeatMisses;
    private final Backoff peerReconnect;
    private final int peerQueueBytes;
    private final boolean linkTls;
    private final SSLContext linkTlsContext;
    private final boolean linkTlsVerifyHostname;
    private final boolean reachable;
    private final int maxIncomingLinks;

    private FederationConfig(Builder b, Backoff peerReconnect) {
        peers = List.copyOf(b.peers);
        meshKey = b.meshKey;
        advertisedHost = b.advertisedHost;
        maxHops = b.maxHops;
        maxRoutes = b.maxRoutes;
        peerHeartbeat = b.peerHeartbeat;
        peerHeartbeatMisses = b.peerHeartbeatMisses;
        this.peerReconnect = peerReconnect;
        peerQueueBytes = b.peerQueueBytes;
        linkTls = b.linkTls;
        linkTlsContext = b.linkTlsContext;
        linkTlsVerifyHostname = b.linkTlsVerifyHostname;
        reachable = b.reachable;
        maxIncomingLinks = b.maxIncomingLinks;
    }

    /** A builder with every default (no peers, no mesh key: federation off). */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: {@code builder().build()}. */
    public static FederationConfig defaults() {
        return builder().build();
    }

    /** Whether federation frames (custom types 0xF0..0xF7) are reserved for peer links: peers or a mesh key are set. */
    public boolean enabled() {
        return !peers.isEmpty() || meshKey != null;
    }

    /** Federation peers to link to at start. */
    public List<PeerSpec> peers() {
        return peers;
    }

    /** The shared mesh key peers of this project prove at link setup, or null (then only address-trusted peers). */
    public String meshKey() {
        return meshKey;
    }

    /**
     * The host peers are told to reach this server at, as configured, or null; the host actually
     * advertised is {@link ServerConfig#advertisedHost()}, which falls back to the listen host.
     */
    public String advertisedHost() {
        return advertisedHost;
    }

    /** Route and forwarding hop limit. */
    public int maxHops() {
        return maxHops;
    }

    /** Routing table size limit. */
    public int maxRoutes() {
        return maxRoutes;
    }

    /** Peer link heartbeat and re-advertisement interval. */
    public Duration peerHeartbeat() {
        return peerHeartbeat;
    }

    /** Missed heartbeats before a link is declared dead. */
    public int peerHeartbeatMisses() {
        return peerHeartbeatMisses;
    }

    /** Reconnect backoff of a peer link. */
    public Backoff peerReconnect() {
        return peerReconnect;
    }

    /** Queue limit of a peer link in bytes. */
    public int peerQueueBytes() {
        return peerQueueBytes;
    }

    /**
     * Whether every outgoing peer link is made over TLS, the links this server makes back to peers that linked to it
     * included; otherwise only {@code tls://} peers ({@link PeerSpec#tls()}) are.
     */
    public boolean linkTls() {
        return linkTls;
    }

    /** Whether the link to {@code peer} is made over TLS: {@link #linkTls()} or a {@code tls://} peer. */
    public boolean linkTls(PeerSpec peer) {
        return linkTls || peer.tls();
    }

    /**
     * The TLS context whose trust managers decide which peer certificates TLS links accept (its key managers, if
     * any, give this server's client certificate), or null for the JVM's default ({@code javax.net.ssl.trustStore}).
     */
    public SSLContext linkTlsContext() {
        return linkTlsContext;
    }

    /** Whether a TLS link's peer certificate must match the host the link dials. */
    public boolean linkTlsVerifyHostname() {
        return linkTlsVerifyHostname;
    }

    /**
     * Whether peers can dial this server at its advertised host and port. When false (behind NAT or a
     * firewall) it only dials out: its HELLO says so (empty host, port 0), peers of this project use the
     * link it dialed both ways and never link back, and it is known to them by its server id and address.
     */
    public boolean reachable() {
        return reachable;
    }

    /**
     * How many links from peers this server takes at once: any server that proves the mesh key may link (it
     * needs no entry here), up to this many, and up to as many handshakes under way besides (each given a
     * heartbeat timeout to finish); more are refused with EXIT {@code Too many peer links}.
     */
    public int maxIncomingLinks() {
        return maxIncomingLinks;
    }

    /** A builder preset with this configuration. */
    public Builder toBuilder() {
        return new Builder()
                .peers(peers)
                .meshKey(meshKey)
                .advertisedHost(advertisedHost)
                .maxHops(maxHops)
                .maxRoutes(maxRoutes)
                .peerHeartbeat(peerHeartbeat, peerHeartbeatMisses)
                .peerReconnect(peerReconnect)
                .peerQueueBytes(peerQueueBytes)
                .linkTls(linkTls)
                .linkTlsContext(linkTlsContext)
                .linkTlsVerifyHostname(linkTlsVerifyHostname)
                .reachable(reachable)
                .maxIncomingLinks(maxIncomingLinks);
    }

    /** Builds a {@link FederationConfig}; not thread-safe. */
    public static final class Builder {
        private List<PeerSpec> peers = new ArrayList<>();
        private String meshKey;
        private String advertisedHost;
        private int maxHops = DEFAULT_MAX_HOPS;
        private int maxRoutes = DEFAULT_MAX_ROUTES;
        private Duration peerHeartbeat = DEFAULT_PEER_HEARTBEAT;
        private int peerHeartbeatMisses = DEFAULT_PEER_HEARTBEAT_MISSES;
        private Duration peerReconnectInitial = DEFAULT_PEER_RECONNECT.initial();
        private Duration peerReconnectMax = DEFAULT_PEER_RECONNECT.max();
        private int peerQueueBytes = DEFAULT_PEER_QUEUE_BYTES;
        private boolean linkTls = DEFAULT_LINK_TLS;
        private SSLContext linkTlsContext;
        private boolean linkTlsVerifyHostname = DEFAULT_LINK_TLS_VERIFY_HOSTNAME;
        private boolean reachable = DEFAULT_REACHABLE;
        private int maxIncomingLinks = DEFAULT_MAX_INCOMING_LINKS;

        private Builder() {
        }

        /** Adds a federation peer to link to at start. */
        public Builder peer(PeerSpec peer) {
            this.peers.add(Objects.requireNonNull(peer, "peer"));
            return this;
        }

        /** The federation peers to link to at start; replaces any added before. */
        public Builder peers(Collection<PeerSpec> peers) {
            this.peers = new ArrayList<>();
            peers.forEach(this::peer);
            return this;
        }

        /**
         * The mesh key shared by the servers of one federation (at least 16 characters), or null for
         * none. Peers of this project prove it at link setup without sending it; a link that fails is
         * refused. Reference peers cannot prove it and are trusted only when configured as peers by
         * address.
         */
        public Builder meshKey(String key) {
            this.meshKey = key;
            return this;
        }

        /** The host peers should use to reach this server (put in its advertisements); null for the listen host. */
        public Builder advertisedHost(String host) {
            this.advertisedHost = host;
            return this;
        }

        /** Route and forwarding hop limit (1..255). */
        public Builder maxHops(int hops) {
            this.maxHops = hops;
            return this;
        }

        /** Routing table size limit (at least 1). */
        public Builder maxRoutes(int routes) {
            this.maxRoutes = routes;
            return this;
        }

        /** Peer link heartbeat interval and the misses after which the link is declared dead. */
        public Builder peerHeartbeat(Duration interval, int misses) {
            this.peerHeartbeat = interval;
            this.peerHeartbeatMisses = misses;
            return this;
        }

        /** Peer link reconnect backoff: first delay and cap (jitter is added); checked in {@link #build()}. */
        public Builder peerReconnect(Duration initial, Duration max) {
            this.peerReconnectInitial = initial;
            this.peerReconnectMax = max;
            return this;
        }

        /** Peer link reconnect backoff. */
        public Builder peerReconnect(Backoff backoff) {
            return peerReconnect(backoff.initial(), backoff.max());
        }

        /** Queue limit of each peer link in bytes (at least one maximum frame). */
        public Builder peerQueueBytes(int bytes) {
            this.peerQueueBytes = bytes;
            return this;
        }

        /**
         * Makes every outgoing peer link over TLS (default off: then only {@code tls://} peers). The peers' ports
         * must serve TLS ({@link Tls}); a reference peer cannot. TLS hides links from the network and, with
         * verified certificates, proves which server a link reaches; the mesh key still proves the peer is one of
         * the federation.
         */
        public Builder linkTls(boolean on) {
            this.linkTls = on;
            return this;
        }

        /**
         * The TLS context for outgoing TLS links: its trust managers decide which peer certificates are accepted;
         * null (default) uses the JVM's default trust store.
         */
        public Builder linkTlsContext(SSLContext context) {
            this.linkTlsContext = context;
            return this;
        }

        /** {@code false} accepts a trusted peer certificate for any host name (default: it must match). */
        public Builder linkTlsVerifyHostname(boolean verify) {
            this.linkTlsVerifyHostname = verify;
            return this;
        }

        /** {@code false}: peers cannot dial this server, it links only by dialing out (see {@link FederationConfig#reachable()}). */
        public Builder reachable(boolean reachable) {
            this.reachable = reachable;
            return this;
        }

        /** Links from peers taken at once (default {@value FederationConfig#DEFAULT_MAX_INCOMING_LINKS}). */
        public Builder maxIncomingLinks(int max) {
            this.maxIncomingLinks = max;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming the first invalid field ({@code federation.meshKey}, ...) and why
         */
        public FederationConfig build() {
            require(meshKey == null || meshKey.length() >= 16, "federation.meshKey", "must be at least 16 characters");
            require(maxHops >= 1 && maxHops <= 255, "federation.maxHops", "must be 1..255, got " + maxHops);
            require(maxRoutes >= 1, "federation.maxRoutes", "must be at least 1");
            require(maxIncomingLinks >= 0, "federation.maxIncomingLinks", "must be at least 0");
            require(reachable || meshKey != null, "federation.reachable",
                    "false needs a mesh key: only peers of this project use the links it dials both ways");
            require(isPositive(peerHeartbeat), "federation.peerHeartbeat", "must be positive");
            require(peerHeartbeatMisses >= 1, "federation.peerHeartbeatMisses", "must be at least 1");
            require(isPositive(peerReconnectInitial), "federation.peerReconnect", "the initial delay must be positive");
            require(peerReconnectMax != null && peerReconnectMax.compareTo(peerReconnectInitial) >= 0,
                    "federation.peerReconnect", "the longest delay must be at least the initial delay");
            return new FederationConfig(this, new Backoff(peerReconnectInitial, peerReconnectMax));
        }
    }
}
