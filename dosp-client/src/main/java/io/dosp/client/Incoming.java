package io.dosp.client;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.util.Optional;

/**
 * Something the server or another client sent that was not the answer to one of our requests:
 * S2C data from another client (opened transparently when it came through a tunnel), a server
 * MSG (admin broadcasts), a custom-type packet, an unsolicited ERR, or the server's EXIT.
 *
 * @param packet   the packet; for tunnel traffic an {@link S2cPacket} whose DATA is the plaintext
 * @param tunneled whether it came through an end-to-end tunnel (verified and decrypted)
 * @param tunnel   the id of the tunnel it came through (as in {@link ClientListener#onTunnelEstablished}), 0 when
 *                 not tunneled: a tunnel replaced by a new handshake from the same vIP has a new id, so
 *                 its messages are never taken for the old tunnel's
 */
public record Incoming(Packet packet, boolean tunneled, long tunnel) {

    /** A message with no tunnel id ({@code tunnel} 0). */
    public Incoming(Packet packet, boolean tunneled) {
        this(packet, tunneled, 0);
    }

    /** The packet type, or null for custom types. */
    public PacketType type() {
        return packet.type();
    }

    /** True for client-to-client data. */
    public boolean isS2c() {
        return packet instanceof S2cPacket;
    }

    /** The sending client's vIP, for S2C. */
    public Optional<Vip> source() {
        return packet instanceof S2cPacket s ? Optional.of(s.src()) : Optional.empty();
    }

    /** The payload: S2C DATA, or the body of any other packet. */
    public byte[] data() {
        if (packet instanceof S2cPacket s) {
            return s.data();
        }
        return packet instanceof SimplePacket p ? p.body() : PacketCodec.encodeBody(packet);
    }

    /** The payload as UTF-8 text. */
    public String text() {
        if (packet instanceof S2cPacket s) {
            return s.dataText();
        }
        return packet instanceof SimplePacket p ? p.bodyText() : "";
    }

    /** The packet, marked when it came through a tunnel. */
    @Override
    public String toString() {
        return (tunneled ? "tunneled " : "") + packet;
    }
}
