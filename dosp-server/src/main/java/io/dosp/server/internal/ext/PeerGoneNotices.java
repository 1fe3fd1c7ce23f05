package io.dosp.server.internal.ext;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.Disconnect;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.internal.session.Contacts;
import io.dosp.server.internal.session.RemoteContacts;
import java.util.Set;

/**
 * The peer-gone feature ({@link Ext#FEATURE_PEER_GONE}): when a vIP changes hands (its holder's connection ends, for
 * any reason, or the holder moves by RQIP), every client that exchanged S2C with it recently and enabled the feature
 * gets EXT {@link Ext#PEER_GONE} {@code vip(4) reason(1) [text]}, so it ends its tunnel with that vIP before its next
 * send instead of after an ERR S2CF.
 *
 * <p>Who to tell is in the leaving session's {@link Contacts} (recorded on the S2C packet path and the fast path:
 * {@link ClientSession#exchanged}); at most {@value Contacts#MAX} notices per departure, each through the contact's
 * normal {@code deliver} (its flow control and hard limits apply; a refusal is counted). A contact is told only when
 * it still holds the vIP it had when it was recorded (same session), so a newcomer on a reused vIP learns nothing of
 * its predecessor's peers. Nothing is sent while the server shuts down (everyone is leaving).
 *
 * <p>Across federation: the local contacts of a client of another server are in {@link RemoteContacts} (recorded by
 * the router); when the network directory reports that remote client gone ({@link #remoteGone}), each gets the
 * notice, with the directory's reason (no text).
 *
 * <p>Thread-safe; called on the leaving session's event loop.
 */
public final class PeerGoneNotices implements ClientExtensions.Feature {
    private static final Set<String> KICKS = Set.of(ServerExitReason.KICKED.text(), ServerExitReason.HASH_BLOCKED.text(),
            ServerExitReason.ADDRESS_BANNED.text(), ServerExitReason.NOT_WHITELISTED.text(),
            ServerExitReason.HASH_REQUIRED.text(), ServerExitReason.AUTH_FAILURES.text());

    private final VipTable<ClientSession> vips;
    private final Counters counters;
    private final RemoteContacts remote;
    private volatile boolean stopping;

    /** Notices to the holders in {@code vips}, counted in {@code counters}; remote contacts from {@code remote}. */
    public PeerGoneNotices(VipTable<ClientSession> vips, Counters counters, RemoteContacts remote) {
        this.vips = vips;
        this.counters = counters;
        this.remote = remote;
    }

    @Override
    public String name() {
        return Ext.FEATURE_PEER_GONE;
    }

    @Override
    public void enabled(ClientSession session) {
        session.peerGone(true);
    }

    /** Its kinds are sent by the server only: one from a client is answered ERR UKNP with a text. */
    @Override
    public void onFrame(ClientSession session, int kind, SimplePacket frame) {
        session.deliver(Packets.err(ErrCode.UKNP, "EXT kind 0x" + String.format("%02X", kind)
                + " (feature peer-gone) is sent by the server only"));
    }

    /** The connection of {@code s}, which held {@code vip}, ended as {@code d} says: tells its recent contacts. */
    @Override
    public void left(ClientSession s, Vip vip, Disconnect d) {
        if (d.initiator() != Disconnect.Initiator.SERVER) {
            gone(s, vip, Ext.PeerGone.LEFT, "");
        } else if (KICKS.contains(d.reason())) {
            gone(s, vip, Ext.PeerGone.KICKED, d.reason());
        } else {
            gone(s, vip, Ext.PeerGone.DROPPED, d.reason());
        }
    }

    /** {@code s} moved from {@code from} to another vIP (RQIP): tells the contacts it had under {@code from}. */
    @Override
    public void moved(ClientSession s, Vip from) {
        gone(s, from, Ext.PeerGone.MOVED, "");
    }

    /**
     * {@code vip}, held by {@code s} until now, changed hands for {@code reason} ({@code Ext.PeerGone.*}):
     * one notice to each recent contact of {@code s} that still holds its vIP and wants notices. Forgets the
     * contacts of {@code s}. Returns how many notices were queued.
     */
    public int gone(ClientSession s, Vip vip, int reason, String text) {
        long[] keys = s.contacts().takeRecent(System.nanoTime());
        if (keys.length == 0 || stopping) {
            return 0;
        }
        SimplePacket notice = new Ext.PeerGone(vip, reason, text).toFrame(); // immutable: one for all contacts
        int sent = 0;
        for (long key : keys) {
            ClientSession h = vips.holder(ClientSession.contactVip(key));
            if (h == null || h == s || h.contactKey() != key || !h.peerGone()) {
                continue; // left too, moved, or its vIP is someone else's now
            }
            boolean ok = h.deliver(notice, null) == RouteResult.DELIVERED;
            counters.peerGone(ok);
            if (ok) {
                sent++;
            }
        }
        return sent;
    }

    /**
     * The network directory reports that the client of {@code vip} on another server is gone, for {@code reason}
     * (an {@code Ext.PeerGone} reason code: the directory's codes 1 to 6 are the same): one notice to each local
     * contact of it that still holds its vIP and wants notices. Returns how many notices were queued.
     */
    public int remoteGone(int vip, int reason) {
        long[] keys = remote.take(vip);
        if (keys.length == 0 || stopping) {
            return 0;
        }
        SimplePacket notice = new Ext.PeerGone(new Vip(vip), reason, "").toFrame();
        int sent = 0;
        for (long key : keys) {
            ClientSession h = vips.holder(ClientSession.contactVip(key));
            if (h == null || h.contactKey() != key || !h.peerGone()) {
                continue; // left, moved, or its vIP is someone else's now
            }
            h.remoteGone(vip);
            boolean ok = h.deliver(notice, null) == RouteResult.DELIVERED;
            counters.peerGone(ok);
            if (ok) {
                sent++;
            }
        }
        return sent;
    }

    /** The server shuts down: no more notices. */
    @Override
    public void stop() {
        stopping = true;
    }
}
