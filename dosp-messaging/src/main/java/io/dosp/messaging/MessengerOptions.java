package io.dosp.messaging;

import io.dosp.messaging.internal.Codecs;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Messenger} behaves: its codec, whether it only uses tunnels, the call timeout, and the bounds on what
 * peers can make it hold (calls in flight each way, queued messages, the inbox). Immutable; {@link #defaults()} or
 * {@link #builder()}.
 *
 * @param codec                   how calls' arguments and results and messages' payloads are written: JSON (the
 *                                default, {@link Codec#json()} or {@link Codec#json(com.fasterxml.jackson.databind.ObjectMapper)})
 *                                or {@link Codec#msgpack()}; a {@code byte[]} payload is always sent raw
 * @param secure                  every envelope goes through an end-to-end tunnel ({@code DospClient.sendSecure}:
 *                                opened first when there is none), and plain envelopes from peers are refused
 *                                (calls answered {@code UNSUPPORTED}, messages dropped and counted)
 * @param callTimeout             how long a call waits for its answer unless the call says otherwise
 * @param maxCallsInFlightPerPeer this side's calls waiting for one peer; one more fails at once with {@code TOO_MANY_CALLS}
 * @param maxCallsInFlight        this side's calls waiting for any peer
 * @param maxIncomingCallsPerPeer calls from one peer running here; one more is answered {@code TOO_MANY_CALLS}
 * @param maxIncomingCalls        calls from all peers running here
 * @param maxQueuedMessages       messages held (waiting for or in their handler); more are dropped and counted
 * @param maxInboxEnvelopes       envelopes waiting for the dispatch thread
 * @param maxInboxBytes           their bytes
 * @param handlerThreads          threads running handlers and methods (and completing calls' futures)
 */
public record MessengerOptions(Codec codec, boolean secure, Duration callTimeout, int maxCallsInFlightPerPeer,
        int maxCallsInFlight, int maxIncomingCallsPerPeer, int maxIncomingCalls, int maxQueuedMessages,
        int maxInboxEnvelopes, long maxInboxBytes, int handlerThreads) {

    /** Checks every bound. */
    public MessengerOptions {
        Objects.requireNonNull(codec, "codec");
        if (!(codec instanceof Codecs.JacksonCodec)) {
            throw new IllegalArgumentException("the messenger's codec is JSON or MessagePack, not " + codec.name());
        }
        Objects.requireNonNull(callTimeout, "callTimeout");
        if (callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("callTimeout must be positive");
        }
        positive(maxCallsInFlightPerPeer, "maxCallsInFlightPerPeer");
        positive(maxCallsInFlight, "maxCallsInFlight");
        positive(maxIncomingCallsPerPeer, "maxIncomingCallsPerPeer");
        positive(maxIncomingCalls, "maxIncomingCalls");
        positive(maxQueuedMessages, "maxQueuedMessages");
        positive(maxInboxEnvelopes, "maxInboxEnvelopes");
        if (maxInboxBytes <= 0) {
            throw new IllegalArgumentException("maxInboxBytes must be positive");
        }
        positive(handlerThreads, "handlerThreads");
    }

    private static void positive(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, not " + v);
        }
    }

    /** JSON, not only tunnels, 30 s calls, 64 calls per peer each way, 1024 in all, 4 handler threads. */
    public static MessengerOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** These options as a builder. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.codec = codec;
        b.secure = secure;
        b.callTimeout = callTimeout;
        b.maxCallsInFlightPerPeer = maxCallsInFlightPerPeer;
        b.maxCallsInFlight = maxCallsInFlight;
        b.maxIncomingCallsPerPeer = maxIncomingCallsPerPeer;
        b.maxIncomingCalls = maxIncomingCalls;
        b.maxQueuedMessages = maxQueuedMessages;
        b.maxInboxEnvelopes = maxInboxEnvelopes;
        b.maxInboxBytes = maxInboxBytes;
        b.handlerThreads = handlerThreads;
        return b;
    }

    /** Builds {@link MessengerOptions}; each setter names the component it sets. */
    public static final class Builder {
        private Codec codec = Codec.json();
        private boolean secure;
        private Duration callTimeout = Duration.ofSeconds(30);
        private int maxCallsInFlightPerPeer = 64;
        private int maxCallsInFlight = 1024;
        private int maxIncomingCallsPerPeer = 64;
        private int maxIncomingCalls = 1024;
        private int maxQueuedMessages = 1024;
        private int maxInboxEnvelopes = 4096;
        private long maxInboxBytes = 32L << 20;
        private int handlerThreads = 4;

        private Builder() {
        }

        /** See {@link MessengerOptions#codec()}. */
        public Builder codec(Codec v) {
            codec = v;
            return this;
        }

        /** See {@link MessengerOptions#secure()}. */
        public Builder secure(boolean v) {
            secure = v;
            return this;
        }

        /** See {@link MessengerOptions#callTimeout()}. */
        public Builder callTimeout(Duration v) {
            callTimeout = v;
            return this;
        }

        /** See {@link MessengerOptions#maxCallsInFlightPerPeer()}. */
        public Builder maxCallsInFlightPerPeer(int v) {
            maxCallsInFlightPerPeer = v;
            return this;
        }

        /** See {@link MessengerOptions#maxCallsInFlight()}. */
        public Builder maxCallsInFlight(int v) {
            maxCallsInFlight = v;
            return this;
        }

        /** See {@link MessengerOptions#maxIncomingCallsPerPeer()}. */
        public Builder maxIncomingCallsPerPeer(int v) {
            maxIncomingCallsPerPeer = v;
            return this;
        }

        /** See {@link MessengerOptions#maxIncomingCalls()}. */
        public Builder maxIncomingCalls(int v) {
            maxIncomingCalls = v;
            return this;
        }

        /** See {@link MessengerOptions#maxQueuedMessages()}. */
        public Builder maxQueuedMessages(int v) {
            maxQueuedMessages = v;
            return this;
        }

        /** See {@link MessengerOptions#maxInboxEnvelopes()}. */
        public Builder maxInboxEnvelopes(int v) {
            maxInboxEnvelopes = v;
            return this;
        }

        /** See {@link MessengerOptions#maxInboxBytes()}. */
        public Builder maxInboxBytes(long v) {
            maxInboxBytes = v;
            return this;
        }

        /** See {@link MessengerOptions#handlerThreads()}. */
        public Builder handlerThreads(int v) {
            handlerThreads = v;
            return this;
        }

        /** The options. */
        public MessengerOptions build() {
            return new MessengerOptions(codec, secure, callTimeout, maxCallsInFlightPerPeer, maxCallsInFlight,
                    maxIncomingCallsPerPeer, maxIncomingCalls, maxQueuedMessages, maxInboxEnvelopes, maxInboxBytes,
                    handlerThreads);
        }
    }
}
