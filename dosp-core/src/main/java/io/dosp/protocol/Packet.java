package io.dosp.protocol;

/**
 * One DoSP packet: a type byte and a body (spec section 1). Immutable and safe to share
 * between threads.
 *
 * <p>Three shapes exist: {@link S2cPacket} (client-to-client data with DST/SRC vIPs),
 * {@link MpakPacket} (a run of sub-packets) and {@link SimplePacket} (every other type,
 * including custom types {@code 0x20..0xFF}). Build them with {@link Packets}; parse typed
 * bodies (HSK, AIP, ERR, GCL replies, ...) with the small value classes of this package.
 */
public sealed interface Packet permits SimplePacket, S2cPacket, MpakPacket {

    /** The type byte, {@code 0..255}. */
    int typeCode();

    /** The known type, or {@code null} for custom ({@code 0x20+}) and unknown codes. */
    default PacketType type() {
        return PacketType.fromCode(typeCode());
    }

    /** Number of body bytes on the wire before compression (the uncompressed LENGTH). */
    int bodyLength();
}
