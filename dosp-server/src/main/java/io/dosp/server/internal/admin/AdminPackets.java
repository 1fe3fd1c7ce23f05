package io.dosp.server.internal.admin;

import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.routing.ServerRouter;
import io.dosp.server.internal.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin packets a session sends (spec 5.8): AUTH with a token (a connection is closed after
 * too many failures), ADMIN commands and BCST, both for authenticated admins only. Thread-safe:
 * called on each session's event loop; the per-connection state is the session's.
 */
public final class AdminPackets {
    private static final Logger LOG = LoggerFactory.getLogger(AdminPackets.class);
    static final String NOT_ADMIN = "ERR:Not authenticated as admin";
    static final String ADMIN_ONLY = "ERR:Admin only";

    private final AdminTokens tokens;
    private final AdminCommands commands;
    private final ServerRouter router;
    private final Counters counters;
    private final int maxAuthFailures;
    private final LogLimiter failureLog;

    /**
     * Checks AUTH against {@code tokens}; a connection is closed after {@code maxAuthFailures} failed
     * attempts, whose log lines are held to the rate of {@code log}.
     */
    public AdminPackets(AdminTokens tokens, AdminCommands commands, ServerRouter router, Counters counters,
            int maxAuthFailures, PeerLog log) {
        this.tokens = tokens;
        this.commands = commands;
        this.router = router;
        this.counters = counters;
        this.maxAuthFailures = maxAuthFailures;
        this.failureLog = log.limiter("admin.auth-failed");
    }

    /** AUTH {@code token} from {@code session}. */
    public void onAuth(ClientSession session, String token) {
        if (tokens.matches(token.trim())) {
            session.admin(true);
            session.authSucceeded();
            LOG.info("Client {} ({}) authenticated as admin", session.vip(), session.remoteAddress());
            session.deliver(Packets.auth("OK"));
            return;
        }
        int failures = session.authFailed();
        if (failureLog.allow()) {
            LOG.warn("Failed admin authentication from {} ({}), attempt {}{}", session.vip(),
                    session.remoteAddress(), failures, failureLog.heldBackNote());
        }
        session.deliver(Packets.auth("ERR:Invalid token"));
        if (failures >= maxAuthFailures) {
            counters.drop(DropReason.AUTH_FAILURES);
            session.disconnect(ServerExitReason.AUTH_FAILURES);
        }
    }

    /** ADMIN {@code line} from {@code session}: the command's reply, or an error when it is not an admin. */
    public void onAdmin(ClientSession session, String line) {
        session.deliver(Packets.admin(session.isAdmin() ? commands.execute(line, session) : NOT_ADMIN));
    }

    /** BCST {@code text} from {@code session}: MSG to every other client, for admins only. */
    public void onBroadcast(ClientSession session, String text) {
        if (!session.isAdmin()) {
            session.deliver(Packets.errText(ADMIN_ONLY));
            return;
        }
        int n = router.broadcast(text, session);
        session.deliver(Packets.bcst("Broadcast sent to " + n + " clients"));
    }
}
