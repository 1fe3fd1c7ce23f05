package io.dosp.server.internal.admin;

import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.server.DropReason;
import io.dosp.server.Limits;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.access.AddressKey;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.routing.ServerRouter;
import io.dosp.server.internal.session.ClientSession;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin packets a session sends (spec 5.8): AUTH with a token, ADMIN commands and BCST, both
 * for authenticated admins only. AUTH failures are limited twice: per connection (closed after
 * {@code maxAuthFailures} failed attempts) and per address across connections ({@link AuthGuard}:
 * backoff, then a ban during which the token is not even compared). The WARN line for a failure
 * is written at most once a second, with the number held back; a refused attempt writes none.
 * Thread-safe: called on each session's event loop; the per-connection state is the session's.
 */
public final class AdminPackets {
    private static final Logger LOG = LoggerFactory.getLogger(AdminPackets.class);
    static final String NOT_ADMIN = "ERR:Not authenticated as admin";
    static final String ADMIN_ONLY = "ERR:Admin only";
    static final String INVALID_TOKEN = "ERR:Invalid token";
    static final String THROTTLED = "ERR:Too many failed authentication attempts from your address; retry in ";

    private final AdminTokens tokens;
    private final AdminCommands commands;
    private final ServerRouter router;
    private final Counters counters;
    private final int maxAuthFailures;
    private final int maxFailuresPerAddress;
    private final AuthGuard<InetAddress> guard;
    private final LogLimiter failureLog;
    private final LogLimiter banLog;

    /**
     * Checks AUTH against {@code tokens}; a connection is closed after {@code limits.maxAuthFailures()}
     * failed attempts, an address is throttled by {@code limits.maxAuthFailuresPerAddress()},
     * {@code authBackoff()} and {@code authBan()}; failure lines are held to the rate of {@code log}.
     */
    public AdminPackets(AdminTokens tokens, AdminCommands commands, ServerRouter router, Counters counters, Limits limits,
            PeerLog log) {
        this.tokens = tokens;
        this.commands = commands;
        this.router = router;
        this.counters = counters;
        this.maxAuthFailures = limits.maxAuthFailures();
        this.maxFailuresPerAddress = limits.maxAuthFailuresPerAddress();
        this.guard = new AuthGuard<>(limits.maxAuthFailuresPerAddress(), limits.authBackoff(), limits.authBan(),
                System::nanoTime);
        this.failureLog = log.limiter("admin.auth-failed");
        this.banLog = log.limiter("admin.auth-banned");
    }

    /** AUTH {@code token} from {@code session}. */
    public void onAuth(ClientSession session, String token) {
        InetAddress address = AddressKey.of(session.remoteAddress());
        AuthGuard.Verdict v = guard.attempt(address, () -> tokens.matches(token.trim()));
        counters.authAttempt(v.outcome() != AuthGuard.Outcome.THROTTLED);
        switch (v.outcome()) {
            case ACCEPTED -> {
                session.admin(true);
                session.authSucceeded();
                LOG.info("Client {} ({}) authenticated as admin", session.vip(), session.remoteAddress());
                session.deliver(Packets.auth("OK"));
            }
            case THROTTLED -> {
                counters.drop(DropReason.AUTH_THROTTLED);
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(v.waitNanos() + 999_999_999L));
                failed(session, THROTTLED + seconds + " s");
            }
            case REFUSED, REFUSED_NOW_BANNED -> {
                int onConnection = session.authFailures() + 1;
                if (failureLog.allow()) {
                    LOG.warn("Failed admin authentication from {} ({}), attempt {} on this connection{}{}", session.vip(),
                            session.remoteAddress(), onConnection,
                            v.failures() > 0 ? ", failure " + v.failures() + " of " + maxFailuresPerAddress + " from "
                                    + AddressKey.describe(address) : "", failureLog.heldBackNote());
                }
                if (v.outcome() == AuthGuard.Outcome.REFUSED_NOW_BANNED) {
                    counters.authBan();
                    if (banLog.allow()) {
                        LOG.warn("AUTH from {} is refused unchecked for {} s after {} failures{}",
                                AddressKey.describe(address), TimeUnit.NANOSECONDS.toSeconds(v.waitNanos()), v.failures(),
                                banLog.heldBackNote());
                    }
                }
                failed(session, INVALID_TOKEN);
            }
        }
    }

    private void failed(ClientSession session, String reply) {
        int failures = session.authFailed();
        session.deliver(Packets.auth(reply));
        if (failures >= maxAuthFailures) {
            counters.drop(DropReason.AUTH_FAILURES);
            session.disconnect(ServerExitReason.AUTH_FAILURES);
        }
    }

    /** One slow command (a reload) at a time, server-wide. */
    private final java.util.concurrent.atomic.AtomicBoolean slowRunning = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * ADMIN {@code line} from {@code session}: the command's reply, or an error when it is not an admin.
     * A command that may block ({@code reload} reads files) runs on a thread of its own, never on the
     * event loop; its reply is queued from there.
     */
    public void onAdmin(ClientSession session, String line) {
        if (session.isAdmin() && AdminCommands.isSlow(line)) {
            if (!slowRunning.compareAndSet(false, true)) {
                session.deliver(Packets.admin("ERR:A reload is already running; try again when it has answered"));
                return;
            }
            Thread t = new Thread(() -> {
                String reply;
                try {
                    reply = commands.execute(line, session);
                } catch (RuntimeException e) {
                    reply = "ERR:" + e.getMessage();
                } finally {
                    slowRunning.set(false);
                }
                session.deliver(Packets.admin(reply));
            }, "dosp-admin-reload");
            t.setDaemon(true);
            t.start();
            return;
        }
        if (session.isAdmin() && commands.clustered()) {
            inOrder(session, () -> commands.executeAsync(line, session)
                    .thenAccept(reply -> session.deliver(Packets.admin(reply))));
            return;
        }
        session.deliver(Packets.admin(session.isAdmin() ? commands.execute(line, session) : NOT_ADMIN));
    }

    /**
     * Cluster mode: an admin's commands (and BCSTs) of one session run one after the other, each once the one before
     * has answered (a command that another node answers completes later), so the replies come in order.
     */
    private final java.util.concurrent.ConcurrentHashMap<ClientSession, java.util.concurrent.CompletableFuture<Void>> pending =
            new java.util.concurrent.ConcurrentHashMap<>();

    private void inOrder(ClientSession session, java.util.function.Supplier<java.util.concurrent.CompletableFuture<Void>> step) {
        java.util.concurrent.CompletableFuture<Void> next = pending.compute(session, (s, prev) -> {
            java.util.function.Function<Object, java.util.concurrent.CompletableFuture<Void>> run = x -> {
                try {
                    return step.get();
                } catch (RuntimeException e) {
                    return java.util.concurrent.CompletableFuture.failedFuture(e);
                }
            };
            // the first runs here (the session's loop); a later one on the loop too, once the one before answered
            java.util.concurrent.Executor loop = session.eventLoop() != null ? session.eventLoop() : Runnable::run;
            java.util.concurrent.CompletableFuture<Void> f = prev == null ? run.apply(null) : prev.thenComposeAsync(run, loop);
            return f.exceptionally(e -> {
                Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                LOG.warn("Admin command of {} failed: {}", session.vip(), c.toString());
                session.deliver(Packets.admin("ERR:" + c.getMessage()));
                return null;
            });
        });
        next.whenComplete((x, e) -> pending.remove(session, next));
    }

    /** BCST {@code text} from {@code session}: MSG to every other client, for admins only. */
    public void onBroadcast(ClientSession session, String text) {
        if (!session.isAdmin()) {
            session.deliver(Packets.errText(ADMIN_ONLY));
            return;
        }
        if (commands.clustered()) {
            inOrder(session, () -> commands.broadcastReply(text, session).thenAccept(r -> session.deliver(Packets.bcst(r))));
            return;
        }
        int n = router.broadcast(text, session);
        session.deliver(Packets.bcst("Broadcast sent to " + n + " clients"));
    }
}
