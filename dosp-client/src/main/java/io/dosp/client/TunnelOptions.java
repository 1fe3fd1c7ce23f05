package io.dosp.client;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.InvalidConfigException;

/**
 * Limits on the tunnel handshakes other clients send to this one. Any client on the server can
 * send a tunnel hello to any vIP, and answering one costs a key generation and a key agreement, so
 * what a peer can make this client do is bounded:
 *
 * <ul>
 *   <li><b>Handshake rate</b>: hellos that open a tunnel are answered at most
 *       {@link #handshakesPerSecond()} per second from all peers together and
 *       {@link #handshakesPerSecondPerPeer()} per second from one peer (token buckets, burst of one
 *       second); the excess is refused. Answers to our own opens are never limited.</li>
 *   <li><b>Error replies</b>: a handshake we refuse (malformed, legacy, over a limit) is answered
 *       with an HC2C error frame only within {@link #errorRepliesPerSecond()} per second overall and
 *       {@link #errorRepliesPerSecondPerPeer()} per peer; past that budget it is dropped silently and
 *       counted ({@link TunnelStats#errorRepliesSuppressed()}), so a flood never turns this client
 *       into a reflector.</li>
 *   <li><b>Tunnel table</b>: one tunnel per peer vIP (a new handshake from a peer replaces its
 *       tunnel and is reported, or is refused: {@link #replaceTunnels()}) and at most {@link #maxTunnels()} tunnels and pending opens in all. A tunnel a peer
 *       opened stays <i>half-open</i> until its first frame verifies; at most {@link #maxHalfOpen()}
 *       are kept, the oldest is dropped to make room (counted). Tunnels we opened, and tunnels that
 *       carried a verified frame, are never dropped for room: when the table is full of them a new
 *       handshake is refused and {@code openTunnel} fails with {@link TunnelFailedException}.</li>
 * </ul>
 *
 * Everything refused, dropped or suppressed is counted in {@link DospClient#tunnelStats()} and logged
 * at a bounded rate (one line per kind every 10 seconds at most).
 *
 * <p>Immutable and thread-safe; built with {@link #builder()} or inside
 * {@code ClientOptions.builder().tunnels(t -> ...)}.
 */
public final class TunnelOptions {
    /** Tunnels and pending opens, all peers together. */
    public static final int DEFAULT_MAX_TUNNELS = 1024;
    /** Tunnels peers opened that have not carried a verified frame yet. */
    public static final int DEFAULT_MAX_HALF_OPEN = 64;
    /** Incoming handshakes answered per second, all peers together. */
    public static final int DEFAULT_HANDSHAKES_PER_SECOND = 50;
    /** Incoming handshakes answered per second from one peer. */
    public static final int DEFAULT_HANDSHAKES_PER_SECOND_PER_PEER = 2;
    /** Handshake error frames sent per second, all peers together. */
    public static final int DEFAULT_ERROR_REPLIES_PER_SECOND = 5;
    /** Handshake error frames sent per second to one peer. */
    public static final int DEFAULT_ERROR_REPLIES_PER_SECOND_PER_PEER = 1;
    /** A new handshake from a vIP we have a tunnel with replaces the tunnel and is reported. */
    public static final Replacement DEFAULT_REPLACE_TUNNELS = Replacement.ACCEPT_AND_NOTIFY;
    /** The defaults. */
    public static final TunnelOptions DEFAULT = builder().build();

    /**
     * What to do with a new handshake from a vIP this client already has a tunnel with. Without
     * identities a vIP says nothing about who holds it: the peer may have restarted (reference
     * clients re-handshake when they reconnect), or the vIP may now belong to someone else.
     */
    public enum Replacement {
        /**
         * Answer it, replace the tunnel and tell the application
         * ({@link ClientListener#onTunnelReplaced}); messages on the new tunnel carry a new
         * {@link Incoming#tunnel()} id, never the old one's.
         */
        ACCEPT_AND_NOTIFY,
        /**
         * Refuse it with the reference's HC2C error {@code C2C tunnel already exists} (counted as
         * refused); the existing tunnel stays. The application ends a tunnel with
         * {@link DospClient#closeTunnel} before a new handshake with that vIP can succeed.
         */
        REFUSE
    }

    private final int maxTunnels;
    private final int maxHalfOpen;
    private final int handshakesPerSecond;
    private final int handshakesPerSecondPerPeer;
    private final int errorRepliesPerSecond;
    private final int errorRepliesPerSecondPerPeer;
    private final Replacement replaceTunnels;

    private TunnelOptions(Builder b) {
        replaceTunnels = b.replaceTunnels;
        maxTunnels = b.maxTunnels;
        maxHalfOpen = b.maxHalfOpen;
        handshakesPerSecond = b.handshakesPerSecond;
        handshakesPerSecondPerPeer = b.handshakesPerSecondPerPeer;
        errorRepliesPerSecond = b.errorRepliesPerSecond;
        errorRepliesPerSecondPerPeer = b.errorRepliesPerSecondPerPeer;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        return new Builder().maxTunnels(maxTunnels).maxHalfOpen(maxHalfOpen)
                .handshakeRate(handshakesPerSecond, handshakesPerSecondPerPeer)
                .errorReplyRate(errorRepliesPerSecond, errorRepliesPerSecondPerPeer).replaceTunnels(replaceTunnels);
    }

    /** What a new handshake from a vIP with a tunnel does ({@link #DEFAULT_REPLACE_TUNNELS}). */
    public Replacement replaceTunnels() {
        return replaceTunnels;
    }

    /** Tunnels and pending opens, all peers together. */
    public int maxTunnels() {
        return maxTunnels;
    }

    /** Half-open tunnels (opened by a peer, no verified frame yet) kept at most. */
    public int maxHalfOpen() {
        return maxHalfOpen;
    }

    /** Incoming handshakes answered per second, all peers together. */
    public int handshakesPerSecond() {
        return handshakesPerSecond;
    }

    /** Incoming handshakes answered per second from one peer. */
    public int handshakesPerSecondPerPeer() {
        return handshakesPerSecondPerPeer;
    }

    /** Handshake error frames sent per second, all peers together (0: never). */
    public int errorRepliesPerSecond() {
        return errorRepliesPerSecond;
    }

    /** Handshake error frames sent per second to one peer (0: never). */
    public int errorRepliesPerSecondPerPeer() {
        return errorRepliesPerSecondPerPeer;
    }

    /** Builds {@link TunnelOptions}; not thread-safe. */
    public static final class Builder {
        private int maxTunnels = DEFAULT_MAX_TUNNELS;
        private int maxHalfOpen = DEFAULT_MAX_HALF_OPEN;
        private int handshakesPerSecond = DEFAULT_HANDSHAKES_PER_SECOND;
        private int handshakesPerSecondPerPeer = DEFAULT_HANDSHAKES_PER_SECOND_PER_PEER;
        private int errorRepliesPerSecond = DEFAULT_ERROR_REPLIES_PER_SECOND;
        private int errorRepliesPerSecondPerPeer = DEFAULT_ERROR_REPLIES_PER_SECOND_PER_PEER;
        private Replacement replaceTunnels = DEFAULT_REPLACE_TUNNELS;

        private Builder() {
        }

        /** What a new handshake from a vIP we have a tunnel with does (not null). */
        public Builder replaceTunnels(Replacement r) {
            this.replaceTunnels = r;
            return this;
        }

        /** Tunnels and pending opens, all peers together (at least 1). */
        public Builder maxTunnels(int n) {
            this.maxTunnels = n;
            return this;
        }

        /** Half-open tunnels kept at most (at least 1, at most {@code maxTunnels}). */
        public Builder maxHalfOpen(int n) {
            this.maxHalfOpen = n;
            return this;
        }

        /** Incoming handshakes answered per second overall and from one peer (each at least 1). */
        public Builder handshakeRate(int perSecond, int perSecondPerPeer) {
            this.handshakesPerSecond = perSecond;
            this.handshakesPerSecondPerPeer = perSecondPerPeer;
            return this;
        }

        /** Handshake error frames sent per second overall and to one peer (0 sends none). */
        public Builder errorReplyRate(int perSecond, int perSecondPerPeer) {
            this.errorRepliesPerSecond = perSecond;
            this.errorRepliesPerSecondPerPeer = perSecondPerPeer;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming {@code tunnels.maxTunnels}, {@code tunnels.maxHalfOpen},
         *     {@code tunnels.handshakeRate} or {@code tunnels.errorReplyRate}
         */
        public TunnelOptions build() {
            require(maxTunnels >= 1, "tunnels.maxTunnels", "must be at least 1, got " + maxTunnels);
            require(maxHalfOpen >= 1 && maxHalfOpen <= maxTunnels, "tunnels.maxHalfOpen",
                    "must be 1.." + maxTunnels + " (maxTunnels), got " + maxHalfOpen);
            require(handshakesPerSecond >= 1 && handshakesPerSecondPerPeer >= 1, "tunnels.handshakeRate",
                    "must be at least 1 per second overall and per peer, got " + handshakesPerSecond + " and "
                            + handshakesPerSecondPerPeer);
            require(errorRepliesPerSecond >= 0 && errorRepliesPerSecondPerPeer >= 0, "tunnels.errorReplyRate",
                    "must not be negative, got " + errorRepliesPerSecond + " and " + errorRepliesPerSecondPerPeer);
            require(replaceTunnels != null, "tunnels.replaceTunnels", "must be ACCEPT_AND_NOTIFY or REFUSE, got null");
            return new TunnelOptions(this);
        }
    }
}
