package io.dosp.server.internal.ext;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.Disconnect;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.session.ClientSession;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of the client extension frames ({@link Ext}, packet type EXT): answers a client's HELLO with
 * WELCOME, records on the session what was enabled, and hands each later EXT frame to the {@link Feature} its kind
 * belongs to. A feature is only ever used with a client that offered it (or, when the feature says it is required,
 * with a client that said HELLO at all), so a reference client never receives an EXT frame.
 *
 * <p>Stateless apart from the feature table; thread-safe; called on each session's event loop.
 */
public final class ClientExtensions {
    private static final Logger LOG = LoggerFactory.getLogger(ClientExtensions.class);

    /** One feature of the extension: a name, its frames, and what it does when a session enables it. */
    public interface Feature {
        /** The name in HELLO and WELCOME, one of the {@code Ext.FEATURE_*} names. */
        String name();

        /** Enabled for every client that says HELLO, offered or not (for instance admission). */
        default boolean required() {
            return false;
        }

        /** The feature was enabled for {@code session} (its WELCOME is already queued). */
        default void enabled(ClientSession session) {
        }

        /** An EXT frame of this feature's kinds from a session that has it enabled. */
        void onFrame(ClientSession session, int kind, SimplePacket frame);

        /** {@code session} (any client, with or without HELLO) connected; on its event loop, after AIP and HSK. */
        default void opened(ClientSession session) {
        }

        /**
         * The connection of {@code session} (any client, with or without HELLO), which held {@code vip}, ended as
         * {@code how} says; called before the vIP is freed, on the session's event loop.
         */
        default void left(ClientSession session, Vip vip, Disconnect how) {
        }

        /** {@code session} (any client) moved from {@code from} to its current vIP (RQIP), on its event loop. */
        default void moved(ClientSession session, Vip from) {
        }

        /** The server is shutting down. */
        default void stop() {
        }
    }

    private final Map<String, Feature> features = new LinkedHashMap<>();
    private final LogLimiter badLog;
    private final PeerLog log;

    /** The extension with {@code features} on. */
    public ClientExtensions(List<Feature> features, PeerLog log) {
        for (Feature f : features) {
            if (this.features.put(f.name(), f) != null) {
                throw new IllegalArgumentException("feature " + f.name() + " given twice");
            }
        }
        this.log = log;
        this.badLog = log.limiter("client.ext");
    }

    /** The names of the features this server has on. */
    public Set<String> available() {
        return Set.copyOf(features.keySet());
    }

    /** {@code session} connected: tells every feature. */
    public void opened(ClientSession session) {
        for (Feature f : features.values()) {
            f.opened(session);
        }
    }

    /** The connection of {@code session}, which held {@code vip}, ended: tells every feature (before the vIP is freed). */
    public void left(ClientSession session, Vip vip, Disconnect how) {
        for (Feature f : features.values()) {
            f.left(session, vip, how);
        }
    }

    /** {@code session} moved from {@code from} to its current vIP (RQIP): tells every feature. */
    public void moved(ClientSession session, Vip from) {
        for (Feature f : features.values()) {
            f.moved(session, from);
        }
    }

    /** The server is shutting down: tells every feature. */
    public void stop() {
        for (Feature f : features.values()) {
            f.stop();
        }
    }

    /** Handles an EXT frame from {@code session}. */
    public void onFrame(ClientSession session, SimplePacket frame) {
        int kind;
        try {
            kind = Ext.kind(frame);
        } catch (MalformedPacketException e) {
            session.deliver(Packets.err(ErrCode.UKNP, e.getMessage()));
            return;
        }
        if (kind == Ext.HELLO) {
            onHello(session, frame);
            return;
        }
        String name = Ext.featureOf(kind);
        Feature f = name == null ? null : features.get(name);
        if (f == null || !session.extensions().contains(name)) {
            session.deliver(Packets.err(ErrCode.UKNP, "EXT kind 0x" + String.format("%02X", kind)
                    + (name == null ? " is not defined" : " belongs to feature '" + name + "', not enabled on this connection")));
            return;
        }
        f.onFrame(session, kind, frame);
    }

    private void onHello(ClientSession session, SimplePacket frame) {
        if (session.saidHello()) {
            session.deliver(Packets.err(ErrCode.UKNP, "EXT HELLO was already received on this connection"));
            return;
        }
        Set<String> offered;
        try {
            offered = Ext.features(frame);
        } catch (MalformedPacketException e) {
            if (badLog.allow()) {
                LOG.info("Unreadable EXT HELLO from {} ({}): {}{}", session.vip(), session.remoteAddress(),
                        log.text(e.getMessage()), badLog.heldBackNote());
            }
            session.deliver(Packets.err(ErrCode.UKNP, e.getMessage()));
            return;
        }
        Set<String> enabled = new LinkedHashSet<>();
        for (Feature f : features.values()) {
            if (f.required() || offered.contains(f.name())) {
                enabled.add(f.name());
            }
        }
        session.extensions(enabled);
        session.deliver(Ext.welcome(enabled));
        for (String name : enabled) {
            features.get(name).enabled(session);
        }
    }
}
