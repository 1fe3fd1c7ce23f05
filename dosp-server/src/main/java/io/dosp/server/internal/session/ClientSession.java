package io.dosp.server.internal.session;

import io.dosp.codec.DospFrameDecoder;
import io.dosp.codec.DospCodec;
import io.dosp.codec.InvalidFrame;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ExitReason;
import io.dosp.protocol.FrameTooLargeException;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.ClientStats;
import io.dosp.server.ConnectedClient;
import io.dosp.server.Disconnect;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.RouteResult;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: its identity (vIP, remote address, machine hash), flags (admin,
 * closing), inbound counters and rate limits, and its lifecycle (idle, EXIT, close). Packets go
 * to the server's one {@link PacketHandler}; outbound queueing is its {@link OutboundQueue}.
 * Reading from it pauses for its rate limits and for flow control ({@link ReadPause}): when what
 * it sends cannot be queued yet at a slow destination, or the memory budget is spent, and while
 * its compressed frames wait for their share of inflate work ({@link InflateBudget}). Replies
 * larger than their request are metered ({@link #replyMetered}).
 *
 * <p>Threading: inbound handling and every change of its vIP run on the channel's event loop;
 * {@link #deliver}, {@link #send}, {@link #disconnect} and the getters may be called from any
 * thread.
 */
public final class ClientSession implements ConnectedClient, OutboundFlow.Owner {
    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
    private static final long EXIT_GRACE_MILLIS = 2_000;
    private static final LogLimiter OOM_LOG = new LogLimiter(1, TimeUnit.SECONDS);
    /** Session serials for {@link Contacts}: unique per JVM until they wrap at 2^32. */
    private static final AtomicInteger SERIALS = new AtomicInteger();

    /**
     * What a session hands each decoded packet to (MPAK already unrolled): the server's packet
     * dispatcher. One instance serves every session; it is called on the session's event loop.
     */
    @FunctionalInterface
    public interface PacketHandler {
        /** Handles {@code packet} from {@code session}. */
        void handle(ClientSession session, Packet packet);

        /**
         * What may take {@code session}'s complete frames as bytes before they are decoded (the S2C
         * fast path), or null for none.
         */
        default DospFrameDecoder.FrameInterceptor frameInterceptor(ClientSession session) {
            return null;
        }
    }

    private final Channel channel;
    private final EventLoop loop;
    /** Peer link frames handed to {@link #writeLinkFrame} and not yet in Netty's buffer (bytes). */
    private final AtomicLong linkFramesPending = new AtomicLong();
    /** A flush of link frames is scheduled (event loop only). */
    private boolean linkFlushPending;
    private final SessionSettings settings;
    private final Counters counters;
    private final PacketHandler handler;
    private final OutboundQueue outbound;
    private final ReadPause pause;
    /** True while this session's inbound packet is handled (event loop only): it is then the sender of what it queues to itself. */
    private boolean reading;
    private final Instant connectedSince = Instant.now();
    private final SocketAddress remote;
    private volatile Vip vip;
    /** Tells sessions apart in {@link Contacts} (a vIP is reused). */
    private final int serial;
    private volatile boolean admin;
    private volatile String machineHash;
    private volatile boolean closing;
    private volatile Disconnect disconnect;
    private int authFailures;
    /** The client extension features enabled by its HELLO; null until HELLO (a reference client never says it). */
    private volatile Set<String> extensions;
    /** Whether the client enabled the peer-gone notice (EXT); read on every S2C delivered to or from it. */
    private volatile boolean peerGone;
    /** This session as a contact: its vIP (high 32 bits) and serial (low 32); changes with the vIP. */
    private volatile long contactKey;
    /** Whom it exchanged S2C with recently (those with the peer-gone notice on). */
    private final Contacts contacts = new Contacts();
    /** The remote vIP it exchanged S2C with last (peer-gone across federation), 0 for none. */
    private volatile int lastRemote;
    /** Who it is under client admission; null until it logs in (or is admitted anonymously). */
    private volatile Principal principal;
    /** Its user's own rate limits (client admission), or null; event loop only. */
    private RateLimit userRateLimit;

    // Written only on the event loop (lazySet: no fence per packet), read from anywhere.
    private final AtomicLong packetsIn = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    /**
     * Counts not yet added to the server-wide counters; event loop only. They are added once per
     * read batch: a LongAdder update per packet, shared by every event loop, cost ~17% of the
     * server's CPU when routing small S2C frames.
     */
    private long unpublishedPacketsIn;
    private long unpublishedBytesIn;
    private long unpublishedFastPath;
    /** The pipeline's idle handler, looked up when the fast path first needs it; event loop only. */
    private IdleStateHandler idle;
    private final RateLimit rateLimit;
    /** Null unless the connection is compressed (and has a DoSP codec). */
    private final InflateBudget inflate;
    /** Null when replies are not metered. */
    private final ReplyBudget replies;
    private final PeerLog log;
    private final LogLimiter closeLog;
    private final LogLimiter idleLog;
    private final LogLimiter bombLog;

    /**
     * A session for an admitted connection holding {@code vip}; packets go to {@code handler}.
     * What it holds counts against {@code budget}; S2C it accepted but could not write are
     * reported to {@code undelivered}; what a peer sends reaches log lines through {@code log}.
     * Created on the channel's event loop, before anything is read from it.
     */
    public ClientSession(Channel channel, Vip vip, SessionSettings settings, Counters counters, PacketHandler handler,
            MemoryBudget budget, UndeliveredS2c undelivered, PeerLog log) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.remote = channel.remoteAddress();
        this.vip = vip;
        this.serial = SERIALS.incrementAndGet();
        this.contactKey = contactKey(vip, serial);
        this.settings = settings;
        this.counters = counters;
        this.handler = handler;
        this.outbound = new OutboundQueue(this, channel, settings, counters, budget, undelivered);
        this.pause = new ReadPause(channel, counters, budget);
        this.rateLimit = RateLimit.of(settings, pause, loop);
        this.replies = rateLimit != null && rateLimit.metersReplies()
                ? new ReplyBudget(this, rateLimit, counters, settings.replyRateLimit(), log.limiter("session.reply-limit"))
                : null;
        this.log = log;
        this.closeLog = log.limiter("session.close");
        this.idleLog = log.limiter("session.idle");
        this.bombLog = log.limiter("session.inflate-too-large");
        DospCodec codec = settings.compression() ? channel.pipeline().get(DospCodec.class) : null;
        this.inflate = codec == null ? null
                : new InflateBudget(codec, pause, rateLimit, loop, counters, settings.inflatePerRead());
        if (codec != null) {
            codec.inflateMeter(inflate);
        }
    }

    @Override
    public Vip vip() {
        return vip;
    }

    /** Sets the vIP after the vIP table moved it (RQIP). Event loop only. */
    public void vip(Vip newVip) {
        vip = newVip;
        contactKey = contactKey(newVip, serial);
        lastRemote = 0; // recorded again under the new key
    }

    @Override
    public SocketAddress remoteAddress() {
        return remote;
    }

    /** Completes when the connection has closed. */
    public io.netty.channel.ChannelFuture closeFuture() {
        return channel.closeFuture();
    }

    /** The event loop this session runs on (to schedule work for it, e.g. a drain's EXIT). */
    public EventLoop eventLoop() {
        return loop;
    }

    /** The local address this connection arrived on (a peer link's HELLO says which address it dialed). */
    public SocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public Instant connectedSince() {
        return connectedSince;
    }

    @Override
    public boolean isAdmin() {
        return admin;
    }

    /** Grants or ends admin rights. */
    public void admin(boolean on) {
        admin = on;
    }

    @Override
    public Optional<String> machineHash() {
        return Optional.ofNullable(machineHash);
    }

    /** Records the machine hash from CLIENT_INFO. */
    public void machineHash(String hash) {
        machineHash = hash;
    }

    /** The client extension features enabled on this connection ({@code io.dosp.protocol.Ext}); empty without HELLO. */
    public Set<String> extensions() {
        Set<String> e = extensions;
        return e == null ? Set.of() : e;
    }

    /** Whether the client said EXT HELLO. */
    public boolean saidHello() {
        return extensions != null;
    }

    /** Records the features its HELLO enabled. Event loop only. */
    public void extensions(Set<String> enabled) {
        extensions = Set.copyOf(enabled);
    }

    /** Turns the peer-gone notice on for this client (it enabled the feature in its HELLO). */
    public void peerGone(boolean on) {
        peerGone = on;
    }

    /** Whether this client wants peer-gone notices. */
    public boolean peerGone() {
        return peerGone;
    }

    /** This session as a contact ({@link Contacts}): its vIP now and its serial. */
    public long contactKey() {
        return contactKey;
    }

    /** The vIP of a contact key. */
    public static int contactVip(long key) {
        return (int) (key >>> 32);
    }

    /** The sessions this one exchanged S2C with recently, with the peer-gone notice on. */
    public Contacts contacts() {
        return contacts;
    }

    /**
     * Records that an S2C from {@code sender} was delivered to {@code target}: each becomes the other's contact when
     * that other wants peer-gone notices. Two volatile reads when neither does. On the sender's event loop.
     */
    public static void exchanged(ClientSession sender, ClientSession target) {
        if (sender == target) {
            return;
        }
        if (target.peerGone) {
            sender.contacts.record(target.contactKey, System::nanoTime);
        }
        if (sender.peerGone) {
            target.contacts.record(sender.contactKey, System::nanoTime);
        }
    }

    /**
     * Records that {@code local} exchanged an S2C with {@code remoteVip}, a client of another server (forwarded over
     * a peer link, or delivered from one), when {@code local} wants peer-gone notices. The repeat of its last remote
     * contact is two volatile reads and one comparison.
     */
    public static void exchangedRemote(ClientSession local, int remoteVip, RemoteContacts remote) {
        if (!local.peerGone || local.lastRemote == remoteVip) {
            return;
        }
        local.lastRemote = remoteVip;
        remote.record(remoteVip, local.contactKey);
    }

    /** The remote {@code remoteVip} is gone and this session was told: the next exchange with it records it again. */
    public void remoteGone(int remoteVip) {
        if (lastRemote == remoteVip) {
            lastRemote = 0;
        }
    }

    private static long contactKey(Vip vip, int serial) {
        return ((long) vip.value() << 32) | (serial & 0xFFFFFFFFL);
    }

    /** Who the session is under client admission, or null when it has not logged in. */
    public Principal principal() {
        return principal;
    }

    /** Records who the session is (login, anonymous admission), or null to make it unroutable (revoked, displaced). */
    public void principal(Principal p) {
        principal = p;
    }

    /**
     * Adds its user's own limits (client admission) to the server's: {@code packets} per second and {@code bytes} per
     * second it may send (0: none), paced like the server's rate limits (reading pauses, nothing is lost). Event loop only.
     */
    public void userRateLimit(long packets, long bytes) {
        if (packets <= 0 && bytes <= 0) {
            userRateLimit = null;
            return;
        }
        userRateLimit = RateLimit.of(settings.withSendLimitsOnly(packets, bytes), pause, loop);
    }

    /** Runs {@code task} on the session's event loop after {@code delay}. */
    public java.util.concurrent.ScheduledFuture<?> schedule(Runnable task, java.time.Duration delay) {
        return loop.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Counts a failed AUTH; returns the failures so far on this connection. Event loop only. */
    public int authFailed() {
        return ++authFailures;
    }

    /** Failed AUTH attempts on this connection so far. Event loop only. */
    public int authFailures() {
        return authFailures;
    }

    /** Forgets failed AUTH attempts after a successful one. Event loop only. */
    public void authSucceeded() {
        authFailures = 0;
    }

    @Override
    public boolean compression() {
        return settings.compression();
    }

    @Override
    public ClientStats stats() {
        return new ClientStats(packetsIn.get(), outbound.packetsOut(), bytesIn.get(), outbound.bytesOut(),
                connectedSince);
    }

    @Override
    public boolean send(Packet packet) {
        if (packet.bodyLength() > settings.maxFrameSize()) {
            throw new IllegalArgumentException(new FrameTooLargeException(packet.typeCode(), packet.bodyLength(),
                    settings.maxFrameSize()).getMessage() + " (client " + vip + ")");
        }
        return deliver(packet) == RouteResult.DELIVERED;
    }

    @Override
    public void disconnect(String reason) {
        close(reason, Disconnect.Initiator.SERVER, true);
    }

    /** Sends EXIT with the text of {@code reason} and closes the connection. */
    public void disconnect(ServerExitReason reason) {
        disconnect(reason.text());
    }

    /**
     * Writes a peer link frame past the client queue and its flow control (a two-way peer link carries
     * many senders' traffic and is bounded by its own limit): false, and nothing written, when the
     * connection is ending or more than {@code maxPendingBytes} would wait in its outbound buffer.
     * {@code onWritten} (null: none) hears whether the frame reached the socket; a frame accepted
     * here and lost with the connection fails it. Flushes are coalesced. Any thread.
     */
    public boolean writeLinkFrame(Packet p, long maxPendingBytes, ChannelFutureListener onWritten) {
        if (closing || !channel.isActive()) {
            return false;
        }
        io.netty.channel.ChannelOutboundBuffer ob = channel.unsafe().outboundBuffer();
        long pending = (ob == null ? 0 : ob.totalPendingWriteBytes()) + linkFramesPending.get();
        long size = PacketCodec.HEADER_BYTES + p.bodyLength();
        if (pending + size > maxPendingBytes) {
            return false;
        }
        linkFramesPending.addAndGet(size);
        loop.execute(() -> {
            linkFramesPending.addAndGet(-size);
            if (onWritten == null) {
                channel.write(p, channel.voidPromise());
            } else {
                channel.write(p).addListener(onWritten);
            }
            if (!linkFlushPending) {
                linkFlushPending = true;
                loop.execute(() -> {
                    linkFlushPending = false;
                    channel.flush();
                });
            }
        });
        return true;
    }

    /** Whether the connection runs over TLS. */
    public boolean tls() {
        return channel.pipeline().get("tls") != null;
    }

    /** Whether the connection is ending (EXIT sent or received, or closed). */
    @Override
    public boolean isClosing() {
        return closing;
    }

    /** How the connection ended (a network loss unless someone said otherwise). */
    public Disconnect disconnectInfo() {
        Disconnect d = disconnect;
        return d != null ? d : new Disconnect(Disconnect.Initiator.NETWORK, null, "connection lost");
    }

    /**
     * Queues {@code packet} from the server (a reply, an error, a hook's packet); never blocks. When
     * called while this session's own packet is handled, the session is its sender and may be
     * paused if it does not read its replies. Any thread.
     */
    public RouteResult deliver(Packet packet) {
        return deliver(packet, loop.inEventLoop() && reading ? this : null);
    }

    /**
     * Queues {@code packet} sent by {@code sender} (null: nobody that can be paused, e.g. a peer link
     * or a function thread); never blocks. {@code sender} is paused if this client is behind or the
     * memory budget is spent; past the hard limits an S2C is refused (see {@link OutboundFlow}).
     * Called on the sender's event loop when there is one, else any thread.
     */
    public RouteResult deliver(Packet packet, ClientSession sender) {
        if (closing) {
            return RouteResult.NO_ROUTE;
        }
        return outbound.deliver(packet, sender == null ? null : sender.pause);
    }

    // ---- the S2C fast path (event loop) ----

    /**
     * Whether the S2C fast path may take this session's S2C frames now: open, not paused, no rate
     * limit to charge (those take the packet path). Event loop only.
     */
    public boolean sendsFastPath() {
        return !closing && (rateLimit == null || !rateLimit.chargesPackets()) && userRateLimit == null && !pause.paused();
    }

    /**
     * Whether S2C frames from {@code sender} can be appended to this session as bytes (same event
     * loop, no compression, open); on the sender's event loop.
     */
    public boolean takesS2cFramesFrom(ClientSession sender) {
        return !closing && outbound.takesFramesFrom(sender.loop);
    }

    /**
     * Queues the S2C frame whose body starts at {@code in.getByte(bodyIndex)}, with SRC set to
     * {@code sender}'s vIP, pausing {@code sender} like {@link #deliver(Packet, ClientSession)}.
     * Only after {@link #takesS2cFramesFrom} said yes, on the event loop.
     */
    public RouteResult deliverS2cFrame(ByteBuf in, int bodyIndex, int length, ClientSession sender) {
        return outbound.deliverS2cFrame(in, bodyIndex, length, sender.vip.value(), sender.pause);
    }

    /** Counts an S2C frame of {@code size} wire bytes that the fast path took from this session. */
    public void countFastPathIn(int size) {
        bytesIn.lazySet(bytesIn.get() + size);
        unpublishedBytesIn += size;
        unpublishedFastPath++;
        countIn();
    }

    // ---- inbound (event loop) ----

    /** A decoded packet or an invalid frame from the codec. */
    public void onMessage(Object msg) {
        if (closing) {
            return;
        }
        if (msg instanceof InvalidFrame f) {
            onInvalidFrame(f);
            return;
        }
        Packet p = (Packet) msg;
        int size = PacketCodec.HEADER_BYTES + p.bodyLength();
        bytesIn.lazySet(bytesIn.get() + size);
        unpublishedBytesIn += size;
        if (rateLimit != null) {
            rateLimit.take(p, size);
        }
        if (userRateLimit != null) {
            userRateLimit.take(p, size);
        }
        reading = true;
        try {
            handle(p);
        } finally {
            reading = false;
        }
    }

    private void handle(Packet p) {
        if (p instanceof MpakPacket m) {
            // Sub-packets and bad sub-frames are answered in wire order, each as if it had arrived alone (spec 7).
            m.forEachInOrder(sub -> {
                if (closing) {
                    // An EXIT, kick or ban earlier in this MPAK ended the connection: nothing after it is handled.
                    return false;
                }
                countIn();
                handler.handle(this, sub);
                return true;
            }, e -> {
                counters.drop(DropReason.MALFORMED_FRAME);
                deliver(Packets.err(e.errCode(), e.getMessage()));
            });
        } else {
            countIn();
            handler.handle(this, p);
        }
    }

    private void countIn() {
        packetsIn.lazySet(packetsIn.get() + 1);
        unpublishedPacketsIn++;
    }

    /**
     * Sends a reply that may be larger than its request ({@code type}: GCL, GSI) under the reply rate
     * limit: built by {@code reply} and sent while the client is within the limit, otherwise refused
     * with ERR {@code refusal} naming the limit (counted as {@link DropReason#REPLY_RATE_LIMIT}). Both
     * are charged to the client. With {@code bareRepeats}, the refusals that follow the first (until a
     * reply is sent again) carry only the code, so that even refusals are no larger than a request.
     * Event loop only (while its request is handled).
     */
    public void replyMetered(PacketType type, ErrCode refusal, boolean bareRepeats, Supplier<Packet> reply) {
        deliver(replies == null ? reply.get() : replies.answer(type, refusal, bareRepeats, reply));
    }

    /** End of a read batch: adds what came in to the server-wide counters. */
    public void onReadComplete() {
        if (inflate != null) {
            inflate.readComplete();
        }
        if (unpublishedPacketsIn != 0 || unpublishedBytesIn != 0) {
            counters.addIn(unpublishedPacketsIn, unpublishedBytesIn);
            unpublishedPacketsIn = 0;
            unpublishedBytesIn = 0;
        }
        if (unpublishedFastPath != 0) {
            counters.addFastPathS2c(unpublishedFastPath);
            unpublishedFastPath = 0;
            // Frames the fast path took never reach the idle handler (after the codec): they are activity too.
            if (idle == null && channel.pipeline().get("idle") instanceof IdleStateHandler h) {
                idle = h;
            }
            if (idle != null) {
                idle.resetReadTimeout();
            }
        }
    }

    private void onInvalidFrame(InvalidFrame f) {
        if (f.fatal()) {
            counters.drop(DropReason.FRAME_TOO_LARGE);
            if (closeLog.allow()) {
                LOG.warn("Closing {} ({}): {}{}", vip, remote, log.text(f.error().getMessage()),
                        closeLog.heldBackNote());
            }
            close(FrameTooLargeException.EXIT_REASON, Disconnect.Initiator.SERVER, true);
            return;
        }
        MalformedPacketException.Reason why = f.error() instanceof MalformedPacketException m ? m.reason() : null;
        if (inflate != null) {
            inflate.refused(why);
        }
        if (why == MalformedPacketException.Reason.DECOMPRESSED_TOO_LARGE) {
            counters.drop(DropReason.INFLATE_TOO_LARGE);
            if (bombLog.allow()) {
                LOG.warn("Refused a compressed frame from {} ({}): {}{}", vip, remote, log.text(f.error().getMessage()),
                        bombLog.heldBackNote());
            }
        } else {
            counters.drop(DropReason.MALFORMED_FRAME);
            LOG.debug("Malformed frame from {}: {}", vip, log.text(f.error().getMessage()));
        }
        deliver(Packets.err(f.error().errCode(), f.error().getMessage()));
    }

    /**
     * Handling a packet ran out of memory outside the queue (which answers its S2C itself):
     * counted and logged (at most once a second), the event loop carries on.
     */
    public void onOutOfMemory(OutOfMemoryError e) {
        counters.drop(DropReason.OUT_OF_MEMORY);
        if (OOM_LOG.allow()) {
            LOG.error("Out of memory handling a packet from {} ({}); carrying on ({} more since the last line): {}", vip,
                    remote, OOM_LOG.heldBack(), e.toString());
        }
    }

    /** Whether the server holds reading from this connection back now (flow control, rate limit). Event loop only. */
    boolean readPaused() {
        return pause.paused();
    }

    /** Why reading is held back (for the guards and tests of this package). Event loop only. */
    ReadPause readPause() {
        return pause;
    }

    /** The idle timeout passed without a read. */
    public void onIdle() {
        if (closing) {
            return; // ending already (its EXIT written, lingering): one drop, one EXIT
        }
        if (pause.paused()) {
            return; // paused (rate limit, flow control): we are not reading from it, so it is not idle
        }
        counters.drop(DropReason.IDLE_TIMEOUT);
        if (idleLog.allow()) {
            LOG.info("Closing idle client {} ({}){}", vip, remote, idleLog.heldBackNote());
        }
        close(ServerExitReason.IDLE_TIMEOUT.text(), Disconnect.Initiator.SERVER, true);
    }

    /** The client sent EXIT. */
    public void onClientExit(ExitReason reason) {
        disconnect = new Disconnect(Disconnect.Initiator.CLIENT, reason.code(), reason.reason());
        closing = true;
        channel.close();
    }

    /** The channel turned writable or unwritable. */
    public void onWritabilityChanged(boolean writable) {
        outbound.onWritabilityChanged(writable);
    }

    /** The connection is gone: publishes the counters, answers and frees frames never written, leaves the waiter sets. */
    public void onInactive() {
        onReadComplete();
        pause.close();
        outbound.onInactive();
    }

    @Override
    public void dropSlowConsumer(ServerExitReason reason) {
        close(reason.text(), Disconnect.Initiator.SERVER, false);
    }

    /**
     * Ends the connection from the server side, once. With {@code graceful}, EXIT is flushed first
     * (bounded by a grace period), then the connection lingers ({@link LingeringClose}) so a client still writing
     * reads the EXIT rather than a reset; otherwise the connection is closed at once (slow consumers).
     */
    private void close(String reason, Disconnect.Initiator initiator, boolean graceful) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> close(reason, initiator, graceful));
            return;
        }
        if (closing) {
            return;
        }
        closing = true;
        disconnect = new Disconnect(initiator, null, reason);
        if (!graceful || !channel.isActive()) {
            channel.close();
            return;
        }
        outbound.writeBatch(); // frames queued before the EXIT go out before it
        channel.writeAndFlush(Packets.serverExit(reason)).addListener(f -> LingeringClose.afterExit(channel,
                (io.netty.channel.ChannelFuture) f));
        loop.schedule(() -> {
            channel.close();
        }, EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "client " + vip + " (" + remote + ")";
    }
}
