package io.dosp.server.internal.network;

import io.dosp.protocol.SimplePacket;
import java.util.Set;

/**
 * What the network directory needs of the peer links: this server's id, the up links to servers of ours (v2, mesh key
 * proven; never a reference peer), sending one of our frames over one of them, and hearing links come up, go down,
 * beat, and our frames arrive. Peers are named by their server id in hex. Implemented by federation
 * ({@code internal.federation.NetworkLinks}); {@link #NONE} for a server without federation.
 */
public interface NetLinks {
    /** What the links report; called on I/O threads, never while a link holds a lock of ours. */
    interface Listener {
        /** A link to server {@code peer} is up and takes our frames. */
        void linkUp(String peer);

        /** The link to server {@code peer} went down. */
        void linkDown(String peer);

        /** The heartbeat of the link to {@code peer}. */
        void heartbeat(String peer);

        /** A frame of ours ({@link NetFrames#isNetFrame}) from server {@code peer}. */
        void frame(String peer, SimplePacket frame);
    }

    /** This server's 16-byte id. */
    byte[] serverId();

    /** Sets the one listener. */
    void listener(Listener listener);

    /** The servers with an up link that takes our frames. */
    Set<String> up();

    /** The largest frame body (after the type) a link takes. */
    default int maxBody() {
        return Integer.MAX_VALUE;
    }

    /** Queues {@code frame} to server {@code peer}; false when that link is not up or its queue is full. */
    boolean send(String peer, SimplePacket frame);

    /**
     * Queues {@code frame} to every up server but {@code except} (null: none), the directory's flood; returns how
     * many of them did not take it (counted as link drops). By default one {@link #send} per up link; a cluster's
     * links publish it once for every node instead (docs/cluster.md "Groups, names and presence").
     */
    default int flood(SimplePacket frame, String except) {
        int drops = 0;
        for (String peer : up()) {
            if (!peer.equals(except) && !send(peer, frame)) {
                drops++;
            }
        }
        return drops;
    }

    /** No federation: no links, a random id. */
    NetLinks NONE = new NetLinks() {
        private final byte[] id = randomId();

        @Override
        public byte[] serverId() {
            return id.clone();
        }

        @Override
        public void listener(Listener listener) {
        }

        @Override
        public Set<String> up() {
            return Set.of();
        }

        @Override
        public boolean send(String peer, SimplePacket frame) {
            return false;
        }
    };

    /** 16 random bytes. */
    static byte[] randomId() {
        byte[] b = new byte[16];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }
}
