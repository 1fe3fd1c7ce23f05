package io.dosp.server.internal.network;

import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.internal.federation.PeerLinks;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link NetLinks} over federation's {@link PeerLinks}: every directory frame travels as one LINK_EXT frame of kind
 * {@value #KIND} whose payload is {@code type(1) body} (types {@code 0xE0..0xE8}, and the optional {@code 0xF0} of docs/network.md; other
 * types from {@code 0xF0} on are ignored), so one link
 * keeps them in order. PeerLinks names a peer by its address; the directory names servers by id, so each side's first
 * frame on a link that comes up is ID ({@code 0xE8 server_id(16)}), and a peer is up for the directory once its ID
 * arrived. Thread-safe.
 */
public final class NetworkLinks implements NetLinks {
    /** The LINK_EXT kind of every directory frame. */
    public static final int KIND = 0xE0;

    private final PeerLinks peers;
    private final byte[] serverId;
    private final ConcurrentHashMap<String, String> idOf = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> keyOf = new ConcurrentHashMap<>();
    private volatile Listener listener;

    /** The directory's links over {@code peers}, this server being {@code serverId}. */
    public NetworkLinks(PeerLinks peers, byte[] serverId) {
        this.peers = peers;
        this.serverId = serverId.clone();
    }

    @Override
    public byte[] serverId() {
        return serverId.clone();
    }

    @Override
    public void listener(Listener l) {
        this.listener = l;
        peers.handle(KIND, this::onFrame);
        peers.listen(new PeerLinks.Listener() {
            @Override
            public void up(String peer) {
                send(peer, NetFrames.ID, serverId);
            }

            @Override
            public void down(String peer) {
                String id = idOf.remove(peer);
                if (id != null) {
                    keyOf.remove(id, peer);
                    l.linkDown(id);
                }
            }
        });
    }

    private boolean send(String key, int type, byte[] body) {
        byte[] payload = new byte[1 + body.length];
        payload[0] = (byte) type;
        System.arraycopy(body, 0, payload, 1, body.length);
        return peers.sendTo(key, KIND, payload);
    }

    private void onFrame(String key, byte[] payload) {
        Listener l = listener;
        if (payload.length < 1 || l == null) {
            return;
        }
        int type = payload[0] & 0xff;
        byte[] body = Arrays.copyOfRange(payload, 1, payload.length);
        if (type == NetFrames.ID) {
            if (body.length != 16) {
                return;
            }
            String id = NetWire.hex(body);
            String was = idOf.put(key, id);
            keyOf.put(id, key);
            if (!id.equals(was)) {
                if (was != null) {
                    l.linkDown(was);
                }
                l.linkUp(id);
            }
            return;
        }
        String id = idOf.get(key);
        if (id != null && NetFrames.isNetFrame(type)) {
            l.frame(id, Packets.custom(type, body));
        }
    }

    @Override
    public Set<String> up() {
        Set<String> out = new LinkedHashSet<>();
        for (String key : peers.peers()) {
            String id = idOf.get(key);
            if (id != null) {
                out.add(id);
            }
        }
        return out;
    }

    @Override
    public int maxBody() {
        return peers.maxPayload() - 1; // the type byte
    }

    @Override
    public boolean send(String peer, SimplePacket frame) {
        String key = keyOf.get(peer);
        if (key == null || frame.bodyLength() > maxBody()) {
            return false; // (a group message over the links' frame size: counted as a link drop by the directory)
        }
        return send(key, frame.typeCode(), frame.body());
    }
}
