package io.dosp.testkit;

import io.dosp.codec.Zlib;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The raw test client: a minimal blocking DoSP client over a plain socket to 127.0.0.1 (from
 * 127.0.0.1, or from another local address given to {@link #connect(int, String)}). It speaks
 * the wire format with the pure {@link PacketCodec} (not the client library), so a test sees every
 * packet the server sends, and can also send raw bytes (bad frames, half frames). {@link Expect}
 * holds the assertions on what it receives next, {@link Frames} builds raw frames.
 *
 * <p>Not thread-safe, except that one thread may read while another writes. The test owns it and
 * closes it (try-with-resources).
 */
public final class RawClient implements AutoCloseable {
    /** How long {@link #receive()} waits for a packet. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX = 16 << 20;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Zlib zlib = new Zlib(6);
    private boolean compression;
    private Vip vip;
    private Handshake handshake;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and reads AIP and HSK. */
    public static RawClient connect(int port) {
        RawClient c = connectRaw(port);
        c.readHandshake();
        return c;
    }

    /**
     * Connects from the local address {@code from} (e.g. {@code 127.0.0.2}: all of 127/8 is local on
     * Linux, so a test can play clients of different addresses) and reads AIP and HSK.
     */
    public static RawClient connect(int port, String from) {
        RawClient c = connectRaw(port, from);
        c.readHandshake();
        return c;
    }

    /** Connects without reading anything. */
    public static RawClient connectRaw(int port) {
        return connectRaw(port, null);
    }

    /** Connects from the local address {@code from} (null: the kernel's choice) without reading anything. */
    public static RawClient connectRaw(int port, String from) {
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            if (from != null) {
                s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
            return new RawClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads AIP then HSK and sets vIP and compression. */
    public RawClient readHandshake() {
        Packet aip = receive();
        if (aip.type() != PacketType.AIP) {
            throw new IllegalStateException("expected AIP, got " + aip + describe(aip));
        }
        vip = Packets.parseAip(((SimplePacket) aip).body());
        Packet hsk = receive();
        if (hsk.type() != PacketType.HSK) {
            throw new IllegalStateException("expected HSK, got " + hsk);
        }
        handshake = Handshake.parse(((SimplePacket) hsk).body());
        compression = handshake.compression();
        return this;
    }

    private static String describe(Packet p) {
        return p instanceof SimplePacket s ? " '" + s.bodyText() + "'" : "";
    }

    /** The vIP from the last AIP read by {@link #readHandshake()} (or set by {@link #vip(Vip)}). */
    public Vip vip() {
        return vip;
    }

    /** Sets the vIP this client believes it has (after RQIP). */
    public void vip(Vip v) {
        vip = v;
    }

    /** The HSK read by {@link #readHandshake()}. */
    public Handshake handshake() {
        return handshake;
    }

    /** Sends a packet (compressed when the server said so; AIP/HSK never). */
    public RawClient send(Packet p) {
        if (compression && p.typeCode() != PacketType.AIP.code() && p.typeCode() != PacketType.HSK.code()) {
            byte[] body = zlib.deflate(PacketCodec.encodeBody(p));
            ByteBuffer b = ByteBuffer.allocate(5 + body.length);
            b.put((byte) p.typeCode()).putInt(body.length).put(body);
            return sendRaw(b.array());
        }
        return sendRaw(PacketCodec.encode(p));
    }

    /** Sends bytes as they are. */
    public RawClient sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next packet, waiting at most the default timeout. */
    public Packet receive() {
        return receive(DEFAULT_TIMEOUT);
    }

    /** The next packet, waiting at most {@code timeout}; throws on timeout or EOF. */
    public Packet receive(Duration timeout) {
        try {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            Frames.RawFrame frame = Frames.readFrame(in, MAX);
            int type = frame.type();
            byte[] body = frame.body();
            if (compression && type != PacketType.AIP.code() && type != PacketType.HSK.code()) {
                body = zlib.inflate(ByteBuffer.wrap(body), MAX, type);
            }
            return PacketCodec.decodeBody(type, body, 0, body.length);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no packet within " + timeout + " (client " + vip + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next packet of {@code type}, skipping others (e.g. broadcasts), within the default timeout. */
    public Packet receive(PacketType type) {
        long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
        while (true) {
            Packet p = receive(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            if (p.type() == type) {
                return p;
            }
        }
    }

    /** True when the server closed the connection (EOF) within {@code timeout}, skipping any packets. */
    public boolean closedWithin(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (in.read() < 0) {
                    return true;
                }
            }
            return false;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by peer
        }
    }

    /** Waits for EXIT and returns its reason text. */
    public String expectExit() {
        Packet p = receive(PacketType.EXIT);
        return ((SimplePacket) p).bodyText();
    }

    /** Closes the socket. */
    @Override
    public void close() {
        zlib.close();
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
    }
}
