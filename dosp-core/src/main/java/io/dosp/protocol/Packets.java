package io.dosp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Builders for every packet of the spec, and parsers for the bodies that carry vIPs (AIP, GCL).
 * All methods copy their inputs; the packets they return are immutable.
 */
public final class Packets {
    private static final byte[] EMPTY = new byte[0];

    private Packets() {
    }

    /** A packet of any type with a copy of {@code body}; S2C and MPAK bodies are parsed. */
    public static Packet of(int typeCode, byte[] body) {
        if (typeCode < 0 || typeCode > 0xFF) {
            throw new IllegalArgumentException("packet type " + typeCode + " is not a byte (0..255)");
        }
        byte[] copy = body.clone();
        return PacketCodec.decodeBody(typeCode, copy, 0, copy.length);
    }

    /** A custom packet, type {@code 0x20..0xFF}. */
    public static SimplePacket custom(int typeCode, byte[] body) {
        if (!PacketType.isCustom(typeCode)) {
            throw new IllegalArgumentException(String.format(
                    "custom packet types are 0x20..0xFF, got 0x%02X (types below 0x20 are reserved for the protocol)", typeCode));
        }
        return SimplePacket.of(typeCode, body);
    }

    private static SimplePacket simple(PacketType type, byte[] body) {
        return new SimplePacket(type.code(), body, 0, body.length);
    }

    private static SimplePacket text(PacketType type, String text) {
        return simple(type, text.getBytes(StandardCharsets.UTF_8));
    }

    /** MSG with UTF-8 text. */
    public static SimplePacket msg(String text) {
        return text(PacketType.MSG, text);
    }

    /** MSG with bytes. */
    public static SimplePacket msg(byte[] body) {
        return simple(PacketType.MSG, body.clone());
    }

    /** Empty PING. */
    public static SimplePacket ping() {
        return simple(PacketType.PING, EMPTY);
    }

    /** PING carrying {@code body} (our servers echo it). */
    public static SimplePacket ping(byte[] body) {
        return simple(PacketType.PING, body.clone());
    }

    /** S2C to {@code dst} with SRC left zero for the server to fill. */
    public static S2cPacket s2c(Vip dst, byte[] data) {
        return S2cPacket.of(dst, Vip.ZERO, data);
    }

    /** S2C with explicit SRC (servers and tests). */
    public static S2cPacket s2c(Vip dst, Vip src, byte[] data) {
        return S2cPacket.of(dst, src, data);
    }

    /** GCL request (empty body). */
    public static SimplePacket gclRequest() {
        return simple(PacketType.GCL, EMPTY);
    }

    /** GCL reply: 4 bytes per vIP. */
    public static SimplePacket gclReply(Collection<Vip> vips) {
        byte[] body = new byte[vips.size() * Vip.BYTES];
        int i = 0;
        for (Vip v : vips) {
            int x = v.value();
            body[i++] = (byte) (x >>> 24);
            body[i++] = (byte) (x >>> 16);
            body[i++] = (byte) (x >>> 8);
            body[i++] = (byte) x;
        }
        return simple(PacketType.GCL, body);
    }

    /** FN call of a function by name. */
    public static SimplePacket fn(String name) {
        return text(PacketType.FN, name);
    }

    /** SD advertisement. */
    public static SimplePacket sd(Advertisement advertisement) {
        return simple(PacketType.SD, advertisement.encode());
    }

    /** RQIP request for {@code vip}. */
    public static SimplePacket rqip(Vip vip) {
        return simple(PacketType.RQIP, vip.toBytes());
    }

    /** RQIP reply {@code D:}. */
    public static SimplePacket rqipGranted() {
        return simple(PacketType.RQIP, new RqipReply(true, "").encode());
    }

    /** RQIP reply {@code E:reason}. */
    public static SimplePacket rqipRefused(String reason) {
        return simple(PacketType.RQIP, new RqipReply(false, reason).encode());
    }

    /** GSI request (empty). */
    public static SimplePacket gsiRequest() {
        return simple(PacketType.GSI, EMPTY);
    }

    /** GSI reply with a JSON text. */
    public static SimplePacket gsiReply(String json) {
        return text(PacketType.GSI, json);
    }

    /** SA (server answer) with text. */
    public static SimplePacket sa(String text) {
        return text(PacketType.SA, text);
    }

    /** Client EXIT with a code. */
    public static SimplePacket exit(ExitCode code) {
        return simple(PacketType.EXIT, new ExitReason(code, "").encode());
    }

    /** Client EXIT with a code and reason ({@code CODE,reason}). */
    public static SimplePacket exit(ExitCode code, String reason) {
        return simple(PacketType.EXIT, new ExitReason(code, reason).encode());
    }

    /** Server EXIT with reason text. */
    public static SimplePacket serverExit(String reason) {
        return text(PacketType.EXIT, reason);
    }

    /** ERR in our code form with no detail. */
    public static SimplePacket err(ErrCode code) {
        return simple(PacketType.ERR, new byte[] {(byte) code.code()});
    }

    /** ERR in our code form with UTF-8 detail. */
    public static SimplePacket err(ErrCode code, String detail) {
        return err(code, detail.getBytes(StandardCharsets.UTF_8));
    }

    /** ERR in our code form with binary detail. */
    public static SimplePacket err(ErrCode code, byte[] detail) {
        byte[] body = new byte[1 + detail.length];
        body[0] = (byte) code.code();
        System.arraycopy(detail, 0, body, 1, detail.length);
        return simple(PacketType.ERR, body);
    }

    /** ERR S2CF naming the DST that could not be reached. */
    public static SimplePacket errS2cFailed(Vip dst) {
        return err(ErrCode.S2CF, dst.toBytes());
    }

    /** ERR S2CF naming the DST that could not be reached, then why in UTF-8 (spec 5.7: detail after the DST). */
    public static SimplePacket errS2cFailed(Vip dst, String why) {
        byte[] w = why.getBytes(StandardCharsets.UTF_8);
        byte[] d = new byte[Vip.BYTES + w.length];
        System.arraycopy(dst.toBytes(), 0, d, 0, Vip.BYTES);
        System.arraycopy(w, 0, d, Vip.BYTES, w.length);
        return err(ErrCode.S2CF, d);
    }

    /** ERR in the reference's plain-text form. */
    public static SimplePacket errText(String text) {
        return text(PacketType.ERR, text);
    }

    /** AIP with the 4-byte vIP. */
    public static SimplePacket aip(Vip vip) {
        return simple(PacketType.AIP, vip.toBytes());
    }

    /** HSK. */
    public static SimplePacket hsk(Handshake handshake) {
        return simple(PacketType.HSK, handshake.encode());
    }

    /** BCST with text. */
    public static SimplePacket bcst(String text) {
        return text(PacketType.BCST, text);
    }

    /** AUTH carrying an admin token (or a reply: {@code OK} / {@code ERR:Invalid token}). */
    public static SimplePacket auth(String text) {
        return text(PacketType.AUTH, text);
    }

    /** ADMIN command line or reply text. */
    public static SimplePacket admin(String text) {
        return text(PacketType.ADMIN, text);
    }

    /** CLIENT_INFO with the machine hash (64 hex characters). */
    public static SimplePacket clientInfo(String machineHash) {
        return text(PacketType.CLIENT_INFO, machineHash);
    }

    /** MPAK of {@code packets}; none may be an MPAK. */
    public static MpakPacket mpak(List<? extends Packet> packets) {
        return MpakPacket.of(packets);
    }

    /**
     * The vIP of an AIP body: 4 bytes big-endian, or dotted text (what a Python server sends
     * after RQIP, spec 3.3).
     *
     * @throws MalformedPacketException (AIPF) when it is neither
     */
    public static Vip parseAip(byte[] body) {
        if (body.length == Vip.BYTES) {
            return Vip.fromBytes(body, 0);
        }
        if (body.length >= 7 && body.length <= 15) {
            try {
                return Vip.parse(new String(body, StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                // fall through to the error below
            }
        }
        throw new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.AIP.code(),
                "AIP body of " + body.length + " bytes is neither a 4-byte vIP nor dotted text", ErrCode.AIPF);
    }

    /**
     * The vIPs of a GCL reply.
     *
     * @throws MalformedPacketException (GCLF) when the length is not a multiple of 4
     */
    public static List<Vip> parseVipList(byte[] body) {
        if (body.length % Vip.BYTES != 0) {
            throw new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.GCL.code(),
                    "GCL reply of " + body.length + " bytes is not a multiple of 4", ErrCode.GCLF);
        }
        List<Vip> out = new ArrayList<>(body.length / Vip.BYTES);
        for (int i = 0; i < body.length; i += Vip.BYTES) {
            out.add(Vip.fromBytes(body, i));
        }
        return out;
    }
}
