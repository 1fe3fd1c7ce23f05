package io.dosp.server.internal.federation;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.internal.network.NetLinks;
import io.dosp.server.internal.network.NetworkLinks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The directory's frames over {@link PeerLinks} (docs/network.md, "Between servers"): a peer is up once its ID came;
 * the known types reach the directory, NAME_KEY ({@code 0xF0}) included; the other optional types ({@code 0xF1} on)
 * are ignored, so a newer build's additions never reach the directory as malformed frames.
 */
class NetworkLinksOptionalTypesTest {
    /** One two-way link whose sent frames are kept. */
    private static final class Channel implements LinkChannel {
        final List<Packet> sent = new ArrayList<>();

        @Override
        public String peer() {
            return "p";
        }

        @Override
        public boolean outgoing() {
            return true;
        }

        @Override
        public boolean usable() {
            return true;
        }

        @Override
        public boolean twoWay() {
            return true;
        }

        @Override
        public boolean extended() {
            return true;
        }

        @Override
        public byte[] peerId() {
            return new byte[16];
        }

        @Override
        public boolean send(Packet frame) {
            sent.add(frame);
            return true;
        }

        @Override
        public boolean forward(Packet frame, S2cPacket original) {
            return send(frame);
        }

        @Override
        public void countForwarded() {
        }
    }

    private static SimplePacket linkExt(int type, byte[] body) {
        byte[] b = new byte[2 + body.length];
        b[0] = (byte) NetworkLinks.KIND;
        b[1] = (byte) type;
        System.arraycopy(body, 0, b, 2, body.length);
        return Packets.custom(0xF7, b);
    }

    @Test
    void nameKeyReachesTheDirectoryAndLaterOptionalTypesAreIgnored() {
        Channel channel = new Channel();
        PeerLinks peers = new PeerLinks(p -> channel, 65_536);
        NetworkLinks links = new NetworkLinks(peers, new byte[16]);
        List<String> heard = new ArrayList<>();
        links.listener(new NetLinks.Listener() {
            @Override
            public void linkUp(String peer) {
                heard.add("up " + peer);
            }

            @Override
            public void linkDown(String peer) {
                heard.add("down " + peer);
            }

            @Override
            public void heartbeat(String peer) {
            }

            @Override
            public void frame(String peer, SimplePacket frame) {
                heard.add("frame " + Integer.toHexString(frame.typeCode()));
            }
        });
        peers.changed("p");
        assertThat(channel.sent).as("our ID went out").hasSize(1);
        byte[] id = new byte[16];
        id[15] = 9;
        peers.dispatch("p", linkExt(0xE8, id));
        String peerId = "0".repeat(30) + "09";
        assertThat(heard).containsExactly("up " + peerId);
        peers.dispatch("p", linkExt(0xE7, new byte[2]));
        peers.dispatch("p", linkExt(0xF0, new byte[8]));
        for (int type = 0xF1; type <= 0xFF; type++) {
            peers.dispatch("p", linkExt(type, new byte[8]));
        }
        assertThat(heard).containsExactly("up " + peerId, "frame e7", "frame f0");
    }
}
