package io.dosp.messaging.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.client.ClientListener;
import io.dosp.client.DataInterceptor;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.client.ReadPause;
import io.dosp.client.TunnelFailedException;
import io.dosp.messaging.CallContext;
import io.dosp.messaging.Codec;
import io.dosp.messaging.DropListener;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.MessengerStats;
import io.dosp.messaging.RpcException;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messaging layer of one client: takes the envelopes among its S2C data (a {@link DataInterceptor}, on the I/O
 * thread: decoded and queued, nothing more), dispatches them in arrival order on its own dispatch thread by kind
 * (messages to handlers, requests to methods, answers to the calls waiting for them, stream kinds to the
 * {@link StreamDispatch}), runs handlers and methods on its handler pool, and fails calls fast when the server says
 * their callee is gone or the connection ends (a {@link ClientListener}).
 *
 * <p>Bounds (all from {@link MessengerOptions}): the inbox (envelopes and bytes waiting for the dispatch thread),
 * queued messages, calls from peers (per peer and in all), this side's calls (per peer and in all). What is over a
 * bound is refused with an answer where the protocol has one ({@code TOO_MANY_CALLS}) and counted otherwise. The
 * handler pool's queue holds only admitted work, so it is bounded by those counts.
 *
 * <p>Backpressure: what it holds (envelopes in the inbox plus messages waiting for or in their handlers, and their
 * bytes) is kept under a high water mark by pausing the client's reading ({@link ReadPause}, from the I/O thread, so
 * the frame that crossed the mark is the last one decoded) and resuming it under the low water mark: half and a
 * quarter of the bounds (the smaller of {@code maxInboxEnvelopes} and {@code maxQueuedMessages}, and
 * {@code maxInboxBytes}). The server then pauses the senders. The bounds themselves are hard bounds, reached only when
 * the pause cannot act in time; past them envelopes are refused or dropped as above, counted, and dropped messages
 * told to the {@link DropListener}s.
 *
 * <p>The dispatch thread never waits on the network: its answers and refusals go out with
 * {@code DospClient.sendAsync}, which opens a missing tunnel asynchronously.
 *
 * <p>Threads: one dispatch thread and {@code handlerThreads} handler threads per messenger (daemons), one shared
 * timer for call timeouts.
 */
public final class MessengerCore implements EnvelopeSender {
    private static final Logger LOG = LoggerFactory.getLogger(MessengerCore.class);
    /** Call timeouts of every messenger; cancelled timers are removed at once. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();
    /** The reserved method answered with the schema. */
    public static final String DISCOVER = "$discover";

    private final DospClient client;
    private final MessengerOptions options;
    private final Codecs.JacksonCodec codec;
    private final Services services = new Services();
    private final MessengerStreams streams;
    private final Counters counters = new Counters();
    private final AtomicLong ids = new AtomicLong();
    private final ExecutorService handlerPool;
    private final Thread dispatchThread;
    private final LinkedBlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();
    private final AtomicInteger inboxCount = new AtomicInteger();
    private final AtomicLong inboxBytes = new AtomicLong();
    /** Header-only entries (refusals, overflows) in the inbox: bounded like the envelopes. */
    private final AtomicInteger inboxMarkers = new AtomicInteger();
    private final Map<CallKey, Call> calls = new ConcurrentHashMap<>();
    private final Map<Vip, AtomicInteger> callsPerPeer = new ConcurrentHashMap<>();
    private final Map<CallKey, Served> served = new ConcurrentHashMap<>();
    private final Map<Vip, AtomicInteger> servedPerPeer = new ConcurrentHashMap<>();
    private final Map<Vip, PeerMessages> messageQueues = new ConcurrentHashMap<>();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    /** The bytes of the queued messages. */
    private final AtomicLong queuedBytes = new AtomicLong();
    /** The client's reading, paused past the high water mark of what is held. */
    private final ReadPause readPause;
    private final Object pressureLock = new Object();
    private final int highCount;
    private final int lowCount;
    private final long highBytes;
    private final long lowBytes;
    private boolean pausedNow; // under pressureLock
    private long peakHeld; // under pressureLock
    private long peakHeldBytes; // under pressureLock
    private final List<DropListener> dropListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger pendingDropNotices = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final DataInterceptor interceptor = this::intercept;
    private final ClientListener listener = new ClientListener() {
        @Override
        public void onError(ErrorReply error) {
            if (error.code() == ErrCode.S2CF) {
                error.failedDst().ifPresent(v -> peerGone(v, "the server could not deliver to " + v + " (ERR S2CF)"));
            }
        }

        @Override
        public void onPeerGone(Vip peer, String reason) {
            peerGone(peer, "the server says " + peer + " is gone (" + reason + ")");
        }

        @Override
        public void onConnectionLost(DisconnectedException cause) {
            disconnected("the connection was lost (" + cause.getMessage() + ")");
        }

        @Override
        public void onDisconnected(DisconnectedException cause) {
            disconnected("disconnected (" + cause.getMessage() + ")");
        }
    };

    /** Counts shared with the parts plugged in. */
    public static final class Counters {
        final AtomicLong callsMade = new AtomicLong();
        final AtomicLong callsServed = new AtomicLong();
        final AtomicLong callsRefusedBusy = new AtomicLong();
        final AtomicLong callsCancelled = new AtomicLong();
        final AtomicLong messagesHandled = new AtomicLong();
        final AtomicLong messagesDropped = new AtomicLong();
        final AtomicLong malformed = new AtomicLong();
        /** Envelopes nothing waited for. */
        public final AtomicLong unhandled = new AtomicLong();
        final AtomicLong inboxOverflows = new AtomicLong();
    }

    private record CallKey(Vip peer, long id) {
    }

    /** One envelope waiting for the dispatch thread; {@code overflow}: refused for the inbox's bound. */
    private record Inbound(Vip from, boolean tunneled, Envelope envelope, boolean overflow, int bytes) {
    }

    /** A call of ours waiting for its answer. */
    private static final class Call {
        final String method;
        final Type resultType;
        final CompletableFuture<Object> raw = new CompletableFuture<>();
        volatile ScheduledFuture<?> timeout;

        Call(String method, Type resultType) {
            this.method = method;
            this.resultType = resultType;
        }
    }

    /** A call from a peer running here. */
    private static final class Served {
        volatile boolean cancelled;
    }

    /** Attaches to {@code client}: from now on it takes the envelopes among the client's S2C data. */
    public MessengerCore(DospClient client, MessengerOptions options) {
        this.client = client;
        this.options = options;
        this.codec = (Codecs.JacksonCodec) options.codec();
        this.highCount = Math.max(1, Math.min(options.maxInboxEnvelopes(), options.maxQueuedMessages()) / 2);
        this.lowCount = highCount / 2;
        this.highBytes = Math.max(1, options.maxInboxBytes() / 2);
        this.lowBytes = highBytes / 2;
        this.readPause = client.readPause("messaging inbox");
        this.streams = new MessengerStreams(client, this, options.streams(), counters.unhandled);
        this.handlerPool = new ThreadPoolExecutor(options.handlerThreads(), options.handlerThreads(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemon("dosp-messaging-handler"));
        this.dispatchThread = daemon("dosp-messaging-dispatch").newThread(this::dispatchLoop);
        dispatchThread.start();
        client.addListener(listener);
        client.addInterceptor(interceptor);
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("dosp-messaging-timer"));
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The client. */
    public DospClient client() {
        return client;
    }

    /** The options. */
    public MessengerOptions options() {
        return options;
    }

    /** The handlers and methods. */
    public Services services() {
        return services;
    }

    /** The stream part. */
    public MessengerStreams streams() {
        return streams;
    }

    /** The counts shared with the parts plugged in. */
    public Counters counters() {
        return counters;
    }

    // ---- receiving (I/O thread) ----

    /** I/O thread: takes envelopes (decoded, bounded, queued); everything else goes on to the receive queue. */
    private boolean intercept(Incoming in) {
        // The first byte decides, before any copy: other data costs nothing here.
        if (!(in.packet() instanceof S2cPacket s) || s.dataLength() == 0
                || (s.dataByte(0) & 0xF0) != Envelope.MAGIC_NIBBLE) {
            return false;
        }
        byte[] data = s.data();
        Vip from = in.source().orElse(null);
        if (from == null || closed.get()) {
            return from != null; // a closed messenger drops its envelopes rather than flood the receive queue
        }
        Envelope e;
        try {
            e = Envelope.decode(data);
        } catch (Envelope.MalformedEnvelopeException x) {
            counters.malformed.incrementAndGet();
            Envelope answerable = laterVersion(data);
            if (answerable != null) {
                offer(new Inbound(from, in.tunneled(), answerable, true, 0));
            } else {
                LOG.debug("Dropped malformed envelope from {}: {}", from, LogText.of(x.getMessage()));
            }
            return true;
        }
        int bytes = data.length;
        if (inboxCount.get() >= options.maxInboxEnvelopes() || inboxBytes.get() + bytes > options.maxInboxBytes()) {
            counters.inboxOverflows.incrementAndGet();
            // What can be answered is answered by the dispatch thread (a small header, no body); the rest is dropped.
            if (e.kind() == Envelope.MESSAGE) {
                dropped(from, e.name(), DropListener.Reason.OVERFLOW);
                LOG.warn("Dropped a message '{}' from {}: the messenger's inbox is full", LogText.of(e.name()), from);
            } else {
                offer(new Inbound(from, in.tunneled(), new Envelope(e.kind(), e.flags(), e.id(), e.name(),
                        e.contentType(), null), true, 0));
            }
            return true;
        }
        inboxCount.incrementAndGet();
        inboxBytes.addAndGet(bytes);
        offer(new Inbound(from, in.tunneled(), e, false, bytes));
        pressure(true);
        return true;
    }

    /** After what is held fell (any thread): resumes the client's reading under the low water mark. */
    private void pressure() {
        pressure(false);
    }

    /**
     * After what is held changed: pauses the client's reading past the high water mark (only {@code rose}: on the
     * I/O thread, after it queued an envelope, where the pause takes effect before the next frame is decoded; held
     * rises only there, so that is always in time), resumes it under the low one. Under a lock, so the last change
     * decides with the counts as they are.
     */
    private void pressure(boolean rose) {
        synchronized (pressureLock) {
            long held = (long) inboxCount.get() + queuedMessages.get();
            long heldBytes = inboxBytes.get() + queuedBytes.get();
            peakHeld = Math.max(peakHeld, held);
            peakHeldBytes = Math.max(peakHeldBytes, heldBytes);
            if (closed.get()) {
                if (pausedNow) {
                    pausedNow = false;
                    readPause.resume();
                }
            } else if (rose && !pausedNow && (held >= highCount || heldBytes >= highBytes)) {
                pausedNow = true;
                readPause.pause();
            } else if (pausedNow && held <= lowCount && heldBytes <= lowBytes) {
                pausedNow = false;
                readPause.resume();
            }
        }
    }

    /** Counts a dropped message and tells the listeners (on the handler pool, a bounded number of notices). */
    private void dropped(Vip from, String name, DropListener.Reason reason) {
        counters.messagesDropped.incrementAndGet();
        if (dropListeners.isEmpty()) {
            return;
        }
        if (pendingDropNotices.incrementAndGet() > DropListener.MAX_PENDING) {
            pendingDropNotices.decrementAndGet();
            return;
        }
        onHandlers(() -> {
            pendingDropNotices.decrementAndGet();
            for (DropListener l : dropListeners) {
                try {
                    l.dropped(from, name, reason);
                } catch (RuntimeException x) {
                    LOG.warn("A drop listener failed", x);
                }
            }
        });
    }

    /** Adds a listener for dropped messages. */
    public void onDropped(DropListener listener) {
        dropListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener for dropped messages. */
    public void offDropped(DropListener listener) {
        dropListeners.remove(listener);
    }

    /** Queues {@code i}; a header-only entry over {@code maxInboxEnvelopes} of them is dropped and counted. */
    private void offer(Inbound i) {
        if (i.overflow() && inboxMarkers.incrementAndGet() > options.maxInboxEnvelopes()) {
            inboxMarkers.decrementAndGet();
            counters.unhandled.incrementAndGet();
            LOG.warn("Dropped an envelope (kind {}) from {}: the messenger's inbox is full, and so are its refusals",
                    i.envelope().kind(), i.from());
            return;
        }
        inbox.add(i);
    }

    /** An envelope of a later version that has an id to answer (REQUEST, STREAM_OPEN): its header, for UNSUPPORTED. */
    private static Envelope laterVersion(byte[] d) {
        if (d.length < Envelope.HEADER_BYTES || (d[0] & 0xFF) == Envelope.MAGIC || (d[2] & 0xFF) != 0) {
            return null;
        }
        int kind = d[1] & 0xFF;
        if (kind != Envelope.REQUEST && kind != Envelope.STREAM_OPEN) {
            return null;
        }
        long id = ((d[3] & 0xFFL) << 24) | ((d[4] & 0xFFL) << 16) | ((d[5] & 0xFFL) << 8) | (d[6] & 0xFFL);
        return new Envelope(Envelope.ERROR, 0, id, "", Envelope.RAW, null); // marker: answer UNSUPPORTED to id
    }

    // ---- dispatch (one thread) ----

    private void dispatchLoop() {
        while (true) {
            Inbound i;
            try {
                i = inbox.take();
            } catch (InterruptedException e) {
                return; // closed
            }
            if (i.overflow()) {
                inboxMarkers.decrementAndGet();
            }
            try {
                dispatch(i);
            } catch (RuntimeException e) {
                LOG.warn("The messenger failed to dispatch an envelope from {}", i.from(), e);
            }
            if (!i.overflow()) {
                // Out of the inbox only now that a message is in its handler's queue: what is held never dips while
                // it moves, so only the I/O thread sees it rise to the high water mark, and pauses at once.
                inboxCount.decrementAndGet();
                inboxBytes.addAndGet(-i.bytes());
                pressure();
            }
        }
    }

    private void dispatch(Inbound i) {
        Envelope e = i.envelope();
        Vip from = i.from();
        if (i.overflow()) {
            overflow(i);
            return;
        }
        if (options.secure() && !i.tunneled()) {
            refusePlain(i);
            return;
        }
        switch (e.kind()) {
            case Envelope.MESSAGE -> onMessage(from, e, i.bytes());
            case Envelope.REQUEST -> onRequest(from, i.tunneled(), e);
            case Envelope.RESPONSE, Envelope.ERROR -> {
                if (!e.isReply() || !answer(from, e)) {
                    streams.onEnvelope(from, i.tunneled(), e);
                }
            }
            case Envelope.CANCEL -> {
                Served s = e.isReply() ? null : served.get(new CallKey(from, e.id()));
                if (s != null) {
                    s.cancelled = true;
                    counters.callsCancelled.incrementAndGet();
                } else {
                    streams.onEnvelope(from, i.tunneled(), e);
                }
            }
            default -> streams.onEnvelope(from, i.tunneled(), e);
        }
    }

    private void overflow(Inbound i) {
        Envelope e = i.envelope();
        if (e.kind() == Envelope.ERROR && e.flags() == 0) { // the marker of a later version's envelope
            sendQuietly(i.from(), WireError.of(ErrorCode.UNSUPPORTED, "envelope version not supported (this peer reads 1)")
                    .envelope(e.id()), i.tunneled());
        } else if (e.kind() == Envelope.REQUEST) {
            counters.callsRefusedBusy.incrementAndGet();
            sendQuietly(i.from(), WireError.of(ErrorCode.TOO_MANY_CALLS, "the callee's inbox is full").envelope(e.id()),
                    i.tunneled());
        } else if (e.kind() == Envelope.RESPONSE || e.kind() == Envelope.ERROR) {
            Call c = e.isReply() ? take(new CallKey(i.from(), e.id())) : null;
            if (c != null) {
                c.raw.completeExceptionally(new RpcException(ErrorCode.TOO_LARGE, null, "the answer of " + c.method
                        + " from " + i.from() + " was dropped: this messenger's inbox is full", null, i.from(), null));
            } else {
                streams.overflow(i.from(), i.tunneled(), e);
            }
        } else {
            streams.overflow(i.from(), i.tunneled(), e);
        }
    }

    private void refusePlain(Inbound i) {
        Envelope e = i.envelope();
        if (e.kind() == Envelope.REQUEST || e.kind() == Envelope.STREAM_OPEN) {
            sendQuietly(i.from(), WireError.of(ErrorCode.UNSUPPORTED, "this peer takes envelopes through a tunnel only")
                    .envelope(e.id()), true);
        } else if (e.kind() == Envelope.MESSAGE) {
            dropped(i.from(), e.name(), DropListener.Reason.NOT_TUNNELED);
        } else {
            counters.unhandled.incrementAndGet();
        }
        LOG.debug("Refused a plain envelope (kind {}) from {}: the messenger is secure", e.kind(), i.from());
    }

    // ---- messages ----

    private void onMessage(Vip from, Envelope e, int bytes) {
        Services.HandlerEntry h = services.handler(e.name());
        if (h == null) {
            dropped(from, e.name(), DropListener.Reason.NO_HANDLER);
            LOG.debug("Dropped a message '{}' from {}: no handler of that name", LogText.of(e.name()), from);
            return;
        }
        if (queuedMessages.incrementAndGet() > options.maxQueuedMessages()) {
            queuedMessages.decrementAndGet();
            dropped(from, e.name(), DropListener.Reason.OVERFLOW);
            LOG.warn("Dropped a message '{}' from {}: {} messages wait for their handlers already",
                    LogText.of(e.name()), from, options.maxQueuedMessages());
            return;
        }
        queuedBytes.addAndGet(bytes);
        PeerMessages.add(this, from, () -> {
            try {
                handle(from, h, e);
            } finally {
                queuedBytes.addAndGet(-bytes);
            }
        });
    }

    private void handle(Vip from, Services.HandlerEntry h, Envelope e) {
        Object payload;
        try {
            Codec c = Codecs.forContentType(e.contentType(), codec);
            if (c == null) {
                throw new IllegalArgumentException("content type " + e.contentType() + " is not one this build reads");
            }
            payload = c.decode(e.bodyBytes(), h.payloadType());
            var bad = Checks.firstNull("payload", payload, h.nullable());
            if (bad.isPresent()) {
                throw new IllegalArgumentException(bad.get() + " is null");
            }
        } catch (IllegalArgumentException x) {
            dropped(from, h.name(), DropListener.Reason.UNDECODABLE);
            LOG.warn("Dropped a message '{}' from {}: {}", LogText.of(h.name()), from, LogText.of(x.getMessage()));
            return;
        }
        try {
            h.handler().handle(from, payload);
            counters.messagesHandled.incrementAndGet();
        } catch (Exception x) {
            counters.messagesHandled.incrementAndGet();
            LOG.warn("The handler of '{}' failed on a message from {}", LogText.of(h.name()), from, x);
        }
    }

    /**
     * The messages of one sender, run one at a time in arrival order on the handler pool. Its queue and its running
     * flag change only inside {@code messageQueues.compute} for its sender (the map's lock for that key), so taking
     * an idle queue out of the map and adding to it are atomic: a message never lands in a queue that was just taken
     * out while a new one runs beside it (which would break the order).
     */
    private final class PeerMessages {
        private final Vip peer;
        private final Queue<Runnable> tasks = new ArrayDeque<>();
        private boolean running;

        PeerMessages(Vip peer) {
            this.peer = peer;
        }

        /** Queues {@code task} for {@code peer}, starting a drain when none runs. */
        static void add(MessengerCore core, Vip peer, Runnable task) {
            boolean[] start = {false};
            PeerMessages q = core.messageQueues.compute(peer, (v, cur) -> {
                PeerMessages m = cur != null ? cur : core.new PeerMessages(v);
                m.tasks.add(task);
                if (!m.running) {
                    m.running = true;
                    start[0] = true;
                }
                return m;
            });
            if (start[0]) {
                core.handlerPool.execute(q::drain);
            }
        }

        private void drain() {
            while (true) {
                Runnable[] next = {null};
                messageQueues.compute(peer, (v, cur) -> {
                    next[0] = tasks.poll();
                    if (next[0] == null) {
                        running = false;
                        return null; // idle senders hold nothing
                    }
                    return cur;
                });
                if (next[0] == null) {
                    return;
                }
                try {
                    next[0].run();
                } finally {
                    queuedMessages.decrementAndGet(); // counts the one running too: the bound is what is held
                    pressure();
                }
            }
        }
    }

    // ---- calls from peers ----

    private void onRequest(Vip from, boolean tunneled, Envelope e) {
        if (e.isReply()) {
            counters.unhandled.incrementAndGet();
            return;
        }
        boolean secure = secureFor(tunneled);
        Codecs.JacksonCodec c = switch (e.contentType()) {
            case Envelope.JSON -> codec.contentType() == Envelope.JSON ? codec : Codecs.JSON;
            case Envelope.MSGPACK -> Codecs.MSGPACK;
            default -> null;
        };
        if (c == null) {
            sendQuietly(from, WireError.of(ErrorCode.UNSUPPORTED, "a call's arguments are JSON or MessagePack, not content"
                    + " type " + e.contentType()).envelope(e.id()), secure);
            return;
        }
        Services.MethodEntry m = null;
        if (!e.name().equals(DISCOVER)) {
            m = services.method(e.name());
            if (m == null) {
                counters.callsServed.incrementAndGet();
                sendQuietly(from, WireError.of(ErrorCode.NO_SUCH_METHOD, "no method named " + e.name()).envelope(e.id()),
                        secure);
                return;
            }
        }
        CallKey key = new CallKey(from, e.id());
        AtomicInteger perPeer = servedPerPeer.computeIfAbsent(from, v -> new AtomicInteger());
        if (perPeer.incrementAndGet() > options.maxIncomingCallsPerPeer() || served.size() >= options.maxIncomingCalls()
                || served.putIfAbsent(key, new Served()) != null) {
            release(from, perPeer);
            counters.callsRefusedBusy.incrementAndGet();
            sendQuietly(from, WireError.of(ErrorCode.TOO_MANY_CALLS, "too many calls in flight from " + from
                    + " (at most " + options.maxIncomingCallsPerPeer() + ")").envelope(e.id()), secure);
            return;
        }
        Services.MethodEntry method = m;
        handlerPool.execute(() -> serve(from, tunneled, secure, e, c, method, key, perPeer));
    }

    private void release(Vip from, AtomicInteger perPeer) {
        if (perPeer.decrementAndGet() <= 0) {
            servedPerPeer.remove(from, perPeer);
        }
    }

    private void serve(Vip from, boolean tunneled, boolean secure, Envelope e, Codecs.JacksonCodec c,
            Services.MethodEntry m, CallKey key, AtomicInteger perPeer) {
        CompletableFuture<Object> result;
        if (m == null) {
            result = CompletableFuture.completedFuture(services.schema(streams.handlerNames()));
        } else {
            try {
                Object[] args = m.decodeArgs(c, e.bodyBytes());
                result = m.invoke(new CallContext(from, e.name(), tunneled), args).toCompletableFuture();
            } catch (RpcException x) {
                result = CompletableFuture.failedFuture(x);
            }
        }
        result.whenComplete((v, t) -> {
            Served s = served.remove(key);
            release(from, perPeer);
            counters.callsServed.incrementAndGet();
            if (s != null && s.cancelled) {
                return; // the caller cancelled: it expects nothing more
            }
            Envelope answer;
            if (t == null) {
                try {
                    answer = new Envelope(Envelope.RESPONSE, Envelope.FLAG_REPLY, e.id(), "", c.contentType(), c.encode(v));
                } catch (IllegalArgumentException x) {
                    LOG.warn("The result of {} for {} cannot be written: {}", LogText.of(e.name()), from, x.getMessage());
                    answer = WireError.of(ErrorCode.HANDLER_FAILED, "the result cannot be written as " + c.name())
                            .envelope(e.id());
                }
            } else {
                Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                        ? t.getCause() : t;
                if (!(cause instanceof RpcException)) {
                    LOG.debug("Method {} failed for {}", LogText.of(e.name()), from, cause);
                }
                answer = WireError.ofFailure(cause).envelope(e.id());
            }
            sendQuietly(from, answer, secure);
        });
    }

    // ---- calls of ours ----

    /**
     * Calls {@code method} at {@code peer} with {@code args}; the future completes with the result as
     * {@code resultType} on the handler pool, or with an {@link RpcException}. {@code blocking}: the raw future is
     * returned (completed on the dispatch thread) for a caller that only waits on it.
     */
    public CompletableFuture<Object> call(Vip peer, String method, Object[] args, Type resultType, Duration timeout,
            boolean blocking) {
        if (!method.equals(DISCOVER)) {
            Services.checkName(method);
        }
        if (closed.get() || !client.isConnected()) {
            return CompletableFuture.failedFuture(new RpcException(ErrorCode.DISCONNECTED, null, "cannot call "
                    + method + " at " + peer + ": " + (closed.get() ? "the messenger is closed" : "not connected"),
                    null, peer, null));
        }
        byte[] body = codec.encodeArray(args); // IllegalArgumentException: the caller's own bad value
        AtomicInteger perPeer = callsPerPeer.computeIfAbsent(peer, v -> new AtomicInteger());
        if (perPeer.incrementAndGet() > options.maxCallsInFlightPerPeer() || calls.size() >= options.maxCallsInFlight()) {
            releaseCall(peer, perPeer);
            return CompletableFuture.failedFuture(new RpcException(ErrorCode.TOO_MANY_CALLS, null, "too many calls in"
                    + " flight to " + peer + " (at most " + options.maxCallsInFlightPerPeer() + " per peer, "
                    + options.maxCallsInFlight() + " in all)", null, peer, null));
        }
        Call c = new Call(method, resultType);
        CallKey key;
        do {
            key = new CallKey(peer, nextId());
        } while (calls.putIfAbsent(key, c) != null);
        CallKey k = key;
        c.raw.whenComplete((v, t) -> releaseCall(peer, perPeer));
        c.timeout = TIMER.schedule(() -> {
            Call t = take(k);
            if (t != null) {
                t.raw.completeExceptionally(new RpcException(ErrorCode.TIMEOUT, null, "no answer to " + method
                        + " from " + peer + " within " + timeout, null, peer, null));
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        counters.callsMade.incrementAndGet();
        Envelope req = new Envelope(Envelope.REQUEST, 0, k.id(), method, codec.contentType(), body);
        if (options.secure() && !client.hasTunnel(peer)) {
            client.openTunnelAsync(peer).whenComplete((v, t) -> {
                if (t != null) {
                    Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                            ? t.getCause() : t;
                    // The open failed because the server could not deliver to the vIP: nobody holds it.
                    boolean gone = cause instanceof TunnelFailedException f
                            && f.reason() == TunnelFailedException.Reason.PEER_UNREACHABLE;
                    fail(k, new RpcException(gone ? ErrorCode.PEER_GONE : ErrorCode.SEND_FAILED, null, "cannot call "
                            + method + " at " + peer + ": no tunnel: " + cause.getMessage(), null, peer, cause));
                } else {
                    onHandlers(() -> sendCall(k, req));
                }
            });
        } else {
            sendCall(k, req);
        }
        if (blocking) {
            return c.raw;
        }
        CompletableFuture<Object> user = new CompletableFuture<>();
        user.whenComplete((v, t) -> {
            if (user.isCancelled()) {
                cancel(k.peer(), k.id()); // the application cancelled its future: tell the callee, answer nothing more
            }
        });
        c.raw.whenComplete((v, t) -> onHandlers(() -> {
            if (t != null) {
                user.completeExceptionally(t);
            } else {
                user.complete(v);
            }
        }));
        return user;
    }

    private void sendCall(CallKey k, Envelope req) {
        try {
            send(k.peer(), req, options.secure());
        } catch (RpcException e) {
            fail(k, e);
        }
    }

    private void fail(CallKey k, RpcException e) {
        Call c = take(k);
        if (c != null) {
            c.raw.completeExceptionally(e);
        }
    }

    private void releaseCall(Vip peer, AtomicInteger perPeer) {
        if (perPeer.decrementAndGet() <= 0) {
            callsPerPeer.remove(peer, perPeer);
        }
    }

    private Call take(CallKey k) {
        Call c = calls.remove(k);
        if (c != null && c.timeout != null) {
            c.timeout.cancel(false);
        }
        return c;
    }

    /** Dispatch thread: completes the call {@code e} answers; false when no call of ours has its id. */
    private boolean answer(Vip from, Envelope e) {
        Call c = take(new CallKey(from, e.id()));
        if (c == null) {
            return false;
        }
        if (e.kind() == Envelope.ERROR) {
            c.raw.completeExceptionally(WireError.parse(e).toException(from, c.method));
            return true;
        }
        Codec dec = Codecs.forContentType(e.contentType(), codec);
        try {
            if (dec == null) {
                throw new IllegalArgumentException("content type " + e.contentType() + " is not one this build reads");
            }
            Object v = dec instanceof Codecs.JacksonCodec j && c.resultType == JsonNode.class ? j.tree(e.bodyBytes())
                    : dec.decode(e.bodyBytes(), c.resultType);
            c.raw.complete(v);
        } catch (IllegalArgumentException | java.io.IOException x) {
            c.raw.completeExceptionally(new RpcException(ErrorCode.BAD_ARGUMENTS, null, "the result of " + c.method
                    + " from " + from + " does not read as " + c.resultType.getTypeName() + ": " + x.getMessage(),
                    "result", from, x));
        }
        return true;
    }

    /** Cancels our call to {@code peer} with {@code id}: it fails {@code CANCELLED} and the callee is told. */
    public boolean cancel(Vip peer, long id) {
        Call c = take(new CallKey(peer, id));
        if (c == null) {
            return false;
        }
        c.raw.completeExceptionally(new RpcException(ErrorCode.CANCELLED, null, c.method + " at " + peer
                + " was cancelled", null, peer, null));
        sendQuietly(peer, new Envelope(Envelope.CANCEL, 0, id, "", Envelope.TEXT, "cancelled by the caller".getBytes(
                java.nio.charset.StandardCharsets.UTF_8)), options.secure());
        return true;
    }

    // ---- failing fast ----

    private void peerGone(Vip peer, String reason) {
        List<CallKey> gone = new ArrayList<>();
        for (CallKey k : calls.keySet()) {
            if (k.peer().equals(peer)) {
                gone.add(k);
            }
        }
        for (CallKey k : gone) {
            Call c = take(k);
            if (c != null) {
                c.raw.completeExceptionally(new RpcException(ErrorCode.PEER_GONE, null, c.method + " at " + peer
                        + " failed: " + reason, null, peer, null));
            }
        }
        served.forEach((k, s) -> {
            if (k.peer().equals(peer)) {
                s.cancelled = true; // nobody to answer
            }
        });
        streams.peerGone(peer, reason);
    }

    private void disconnected(String reason) {
        for (CallKey k : List.copyOf(calls.keySet())) {
            Call c = take(k);
            if (c != null) {
                c.raw.completeExceptionally(new RpcException(ErrorCode.DISCONNECTED, null, c.method + " at " + k.peer()
                        + " failed: " + reason, null, k.peer(), null));
            }
        }
        served.values().forEach(s -> s.cancelled = true);
        streams.disconnected(reason);
    }

    // ---- sending ----

    @Override
    public void send(Vip to, Envelope e, boolean secure) {
        if (!client.isConnected()) {
            throw new RpcException(ErrorCode.DISCONNECTED, null, "not connected: nothing sent to " + to, null, to, null);
        }
        try {
            if (secure) {
                client.sendSecure(to, e.encode());
            } else {
                client.send(to, e.encode());
            }
        } catch (TunnelFailedException x) {
            throw new RpcException(x.reason() == TunnelFailedException.Reason.PEER_UNREACHABLE ? ErrorCode.PEER_GONE
                    : ErrorCode.SEND_FAILED, null, "nothing sent to " + to + ": " + x.getMessage(), null,
                    to, x);
        }
    }

    /**
     * Sends {@code e} without blocking ({@code DospClient.sendAsync}: a missing tunnel is opened asynchronously); the
     * future fails with an {@link RpcException} ({@code DISCONNECTED}, {@code PEER_GONE} when the server cannot reach
     * {@code to}, else {@code SEND_FAILED}) and then nothing was sent.
     */
    @Override
    public CompletableFuture<Void> sendAsync(Vip to, Envelope e, boolean secure) {
        if (!client.isConnected()) {
            return CompletableFuture.failedFuture(new RpcException(ErrorCode.DISCONNECTED, null,
                    "not connected: nothing sent to " + to, null, to, null));
        }
        byte[] data;
        try {
            data = e.encode();
        } catch (RuntimeException x) {
            return CompletableFuture.failedFuture(x);
        }
        CompletableFuture<Void> out = new CompletableFuture<>();
        client.sendAsync(to, data, secure).whenComplete((v, t) -> {
            if (t == null) {
                out.complete(null);
                return;
            }
            Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                    ? t.getCause() : t;
            ErrorCode code = cause instanceof DisconnectedException ? ErrorCode.DISCONNECTED
                    : cause instanceof TunnelFailedException f && f.reason() == TunnelFailedException.Reason.PEER_UNREACHABLE
                            ? ErrorCode.PEER_GONE : ErrorCode.SEND_FAILED;
            out.completeExceptionally(new RpcException(code, null, "nothing sent to " + to + ": " + cause.getMessage(),
                    null, to, cause));
        });
        return out;
    }

    /** Sends an answer or refusal without blocking (any thread, the dispatch thread included); a failure is logged. */
    private void sendQuietly(Vip to, Envelope e, boolean secure) {
        sendAsync(to, e, secure).whenComplete((v, t) -> {
            if (t != null) {
                LOG.debug("Could not answer {}: {}", to, LogText.of(String.valueOf(t.getMessage())));
            }
        });
    }

    @Override
    public boolean secureFor(boolean tunneled) {
        return options.secure() || tunneled;
    }

    @Override
    public long nextId() {
        while (true) {
            long id = ids.incrementAndGet() & 0xFFFF_FFFFL;
            if (id != 0) {
                return id;
            }
        }
    }

    @Override
    public Executor executor() {
        return this::onHandlers;
    }

    /** Runs {@code task} on the handler pool, or here once the pool is shut down (a completion is never lost). */
    private void onHandlers(Runnable task) {
        try {
            handlerPool.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            task.run();
        }
    }

    /** The counts now. */
    public MessengerStats stats() {
        long[] held;
        synchronized (pressureLock) {
            held = new long[] {peakHeld, peakHeldBytes};
        }
        return new MessengerStats(calls.size(), served.size(), counters.callsMade.get(), counters.callsServed.get(),
                counters.callsRefusedBusy.get(), counters.callsCancelled.get(), counters.messagesHandled.get(), counters.messagesDropped.get(),
                counters.malformed.get(), counters.unhandled.get(), counters.inboxOverflows.get(), readPause.pauses(),
                readPause.isPaused(), held[0], held[1]);
    }

    /** Detaches from the client, fails what waits ({@code DISCONNECTED}) and stops the threads. Idempotent. */
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        streams.close(); // first, while connected: its streams are cancelled at their peers, not left hanging
        client.removeInterceptor(interceptor);
        client.removeListener(listener);
        disconnected("the messenger was closed");
        pressure(); // closed: the client's reading is no longer held back by us
        dispatchThread.interrupt();
        handlerPool.shutdown();
    }
}
