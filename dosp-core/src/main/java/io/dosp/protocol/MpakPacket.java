package io.dosp.protocol;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * MPAK (0x1A): a run of sub-packets handled in order as if each had arrived alone (spec 7).
 *
 * <p>A received MPAK may also carry {@link #errors()}: sub-frames that could not be decoded (a
 * truncated trailing sub-frame, a nested MPAK, a malformed S2C body). The valid sub-packets
 * are still delivered; a server answers one ERR per error. Immutable.
 */
public final class MpakPacket implements Packet {
    private final List<Packet> packets;
    private final List<ProtocolException> errors;
    /** Packets and errors interleaved in wire order (null when there are no errors: then it is {@link #packets}). */
    private final List<Object> inOrder;
    private final int bodyLength;

    MpakPacket(List<Packet> packets, List<ProtocolException> errors) {
        this(packets, errors, null);
    }

    MpakPacket(List<Packet> packets, List<ProtocolException> errors, List<Object> inOrder) {
        this.packets = List.copyOf(packets);
        this.errors = List.copyOf(errors);
        this.inOrder = errors.isEmpty() || inOrder == null ? null : List.copyOf(inOrder);
        int len = 0;
        for (Packet p : this.packets) {
            if (p instanceof MpakPacket) {
                throw new IllegalArgumentException("MPAK inside MPAK is not allowed (spec 7)");
            }
            len += PacketCodec.HEADER_BYTES + p.bodyLength();
        }
        this.bodyLength = len;
    }

    /** An MPAK of {@code packets}, none of which may itself be an MPAK. */
    public static MpakPacket of(List<? extends Packet> packets) {
        return new MpakPacket(List.copyOf(packets), List.of());
    }

    @Override
    public int typeCode() {
        return PacketType.MPAK.code();
    }

    @Override
    public PacketType type() {
        return PacketType.MPAK;
    }

    @Override
    public int bodyLength() {
        return bodyLength;
    }

    /** The sub-packets, in wire order. */
    public List<Packet> packets() {
        return packets;
    }

    /** Sub-frames that could not be decoded, in wire order; empty for a well-formed MPAK. */
    public List<ProtocolException> errors() {
        return errors;
    }

    /**
     * Visits sub-packets and errors in wire order, so a receiver can answer each bad sub-frame
     * exactly where it stood; stops early when {@code packetAction} returns false.
     */
    public void forEachInOrder(Predicate<Packet> packetAction,
            Consumer<ProtocolException> errorAction) {
        for (Object o : inOrder != null ? inOrder : packets) {
            if (o instanceof Packet p) {
                if (!packetAction.test(p)) {
                    return;
                }
            } else {
                errorAction.accept((ProtocolException) o);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MpakPacket p && p.packets.equals(packets) && p.errors.size() == errors.size();
    }

    @Override
    public int hashCode() {
        return packets.hashCode();
    }

    @Override
    public String toString() {
        return "MPAK[" + packets.size() + " packets" + (errors.isEmpty() ? "" : ", " + errors.size() + " errors") + "]";
    }
}
