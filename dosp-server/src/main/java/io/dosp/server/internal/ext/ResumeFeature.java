package io.dosp.server.internal.ext;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Resume;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.Disconnect;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.admission.ClientAdmission;
import io.dosp.server.internal.cluster.ClusterNode;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resume feature ({@link Ext#FEATURE_RESUME}, cluster mode only; frames in {@link Resume}, bytes in
 * {@code docs/cluster.md}): every client that enables it gets a {@link Resume#TOKEN} for its vIP, a new one after each
 * move, once the SHA-256 of the secret is in the vIP's registry entry ({@link ClusterNode#resumable}). A
 * {@link Resume#RESUME} from a client asks for a vIP back: the local checks of an RQIP first, then
 * {@link ClusterNode#takeOver}; on success the session moves to it exactly as on RQIP (its interim vIP is released,
 * the other features hear {@code moved}), and gets AIP then {@link Resume#OK} with a new secret; otherwise
 * {@link Resume#FAILED}.
 *
 * <p>Secrets are never logged, and the server keeps none: a secret is sent once, and only its hash is stored.
 * Thread-safe; frames arrive on each session's event loop, the registry answers on the cluster's threads and are
 * handed back to the session's loop.
 */
public final class ResumeFeature implements ClientExtensions.Feature {
    private static final Logger LOG = LoggerFactory.getLogger(ResumeFeature.class);

    private final ClusterNode node;
    private final VipTable<ClientSession> vips;
    private final ClientAdmission admission;
    private final LogLimiter logLimit;
    private volatile ClientExtensions extensions;
    /** Sessions with a RESUME being handled (one at a time each; their move issues no token of its own). */
    private final Set<ClientSession> resuming = ConcurrentHashMap.newKeySet();
    private final LongAdder tokens = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private final LongAdder refused = new LongAdder();

    /** The feature for the clients of {@code node}, whose holders are in {@code vips}. */
    public ResumeFeature(ClusterNode node, VipTable<ClientSession> vips, ClientAdmission admission, PeerLog log) {
        this.node = node;
        this.vips = vips;
        this.admission = admission;
        this.logLimit = log.limiter("client.resume");
    }

    /** The extension this feature is part of (the other features hear the moves it makes); set once, before use. */
    public void extensions(ClientExtensions extensions) {
        this.extensions = extensions;
    }

    @Override
    public String name() {
        return Ext.FEATURE_RESUME;
    }

    @Override
    public void enabled(ClientSession session) {
        issue(session);
    }

    @Override
    public void moved(ClientSession session, Vip from) {
        if (session.extensions().contains(Ext.FEATURE_RESUME) && !resuming.contains(session)) {
            issue(session); // an RQIP: the old vIP's secret went with its entry
        }
    }

    @Override
    public void left(ClientSession session, Vip vip, Disconnect how) {
        resuming.remove(session);
    }

    /** Gives {@code session} a new secret for its vIP, once its hash is in the registry. */
    private void issue(ClientSession session) {
        Vip vip = session.vip();
        byte[] secret = Resume.newSecret();
        node.resumable(vip, Resume.hashHex(secret)).whenComplete((stored, error) -> {
            try {
                session.eventLoop().execute(() -> {
                    try {
                        if (error == null && Boolean.TRUE.equals(stored) && !session.isClosing() && session.vip().equals(vip)) {
                            session.deliver(new Resume.Token(vip, secret).toFrame(Resume.TOKEN));
                            tokens.increment();
                        }
                    } finally {
                        Arrays.fill(secret, (byte) 0);
                    }
                });
            } catch (RejectedExecutionException e) {
                Arrays.fill(secret, (byte) 0); // the session's loop is gone: so is the session
            }
        });
    }

    @Override
    public void onFrame(ClientSession session, int kind, SimplePacket frame) {
        if (kind != Resume.RESUME) {
            session.deliver(Packets.err(ErrCode.UKNP, "EXT kind 0x" + String.format("%02X", kind)
                    + (kind == Resume.TOKEN || kind == Resume.OK || kind == Resume.FAILED
                            ? " (feature resume) is sent by the server only" : " (feature resume) is not defined")));
            return;
        }
        Resume.Token asked;
        try {
            asked = Resume.Token.parse(frame);
        } catch (MalformedPacketException e) {
            session.deliver(Packets.err(ErrCode.UKNP, e.getMessage()));
            return;
        }
        Vip wanted = asked.vip();
        Vip from = session.vip();
        if (wanted.equals(from)) {
            fail(session, new Resume.Failed(wanted, Resume.Failed.REFUSED, "this connection holds it already"));
            return;
        }
        String refusal = admission.rqipRefusal(session, wanted);
        if (refusal == null) {
            refusal = vips.moveRefusal(wanted);
        }
        if (refusal == null && vips.holder(wanted.value()) != null) {
            // Maybe this client's own old connection, not yet noticed as dead: worth asking again.
            fail(session, new Resume.Failed(wanted, Resume.Failed.HELD, "held by another connection of this node"));
            return;
        }
        if (refusal != null) {
            fail(session, new Resume.Failed(wanted, Resume.Failed.REFUSED, refusal));
            return;
        }
        if (!resuming.add(session)) {
            fail(session, new Resume.Failed(wanted, Resume.Failed.CONFLICT, "a RESUME of this connection is running"));
            return;
        }
        byte[] secret = asked.secret();
        byte[] next = Resume.newSecret();
        node.takeOver(wanted, secret, Resume.hashHex(next)).whenComplete((failed, error) -> {
            Arrays.fill(secret, (byte) 0);
            Resume.Failed f = error != null ? new Resume.Failed(wanted, Resume.Failed.UNAVAILABLE, "cluster unavailable")
                    : failed;
            try {
                session.eventLoop().execute(() -> afterTakeOver(session, from, wanted, f, next));
            } catch (RejectedExecutionException e) {
                resuming.remove(session);
                Arrays.fill(next, (byte) 0);
                if (f == null) {
                    node.released(wanted);
                }
            }
        });
    }

    /** On the session's loop: the take-over of {@code wanted} succeeded ({@code failed} null) or not. */
    private void afterTakeOver(ClientSession session, Vip from, Vip wanted, Resume.Failed failed, byte[] next) {
        try {
            if (failed != null) {
                fail(session, failed);
                return;
            }
            if (session.isClosing() || !session.vip().equals(from)) {
                node.released(wanted); // gone (or moved) meanwhile: the claim is not needed
                return;
            }
            String refusal = vips.move(session, from, wanted);
            if (refusal != null) {
                node.released(wanted);
                fail(session, new Resume.Failed(wanted, Resume.Failed.REFUSED, refusal));
                return;
            }
            node.released(from);
            session.vip(wanted);
            ClientExtensions x = extensions;
            if (x != null) {
                x.moved(session, from);
            }
            session.deliver(Packets.aip(wanted));
            session.deliver(new Resume.Token(wanted, next).toFrame(Resume.OK));
            resumed.increment();
            if (logLimit.allow()) {
                LOG.info("Client {} resumed vIP {} (interim vIP {} released){}", session.remoteAddress(), wanted, from,
                        logLimit.heldBackNote());
            }
        } finally {
            resuming.remove(session);
            Arrays.fill(next, (byte) 0);
        }
    }

    private void fail(ClientSession session, Resume.Failed f) {
        refused.increment();
        session.deliver(f.toFrame());
        if (logLimit.allow()) {
            LOG.info("Client {} ({}) did not resume vIP {}: {}{}", session.vip(), session.remoteAddress(), f.vip(),
                    f.describe(), logLimit.heldBackNote());
        }
    }

    /** Tokens sent, resumes granted, resumes refused (since start). */
    public long[] counts() {
        return new long[] {tokens.sum(), resumed.sum(), refused.sum()};
    }
}
