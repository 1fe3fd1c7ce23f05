package io.dosp.testkit;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A raw WebSocket test client (RFC 6455) over a plain or TLS socket: it writes the upgrade request
 * and every frame by hand (masked, with the opcode, FIN bit and payload the test chooses: split
 * frames, several DoSP frames in one message, fragmented, empty and text messages, oversized
 * frames), and reads the server's frames one by one, so a test sees exactly what the server sent:
 * one DoSP frame per binary message, Pongs, the Close frame and its status. {@link #receive()}
 * reassembles binary messages into DoSP packets. Also plain HTTP requests ({@link #http}).
 *
 * <p>Not thread-safe. The test owns it and closes it (try-with-resources).
 */
public final class RawWebSocket implements AutoCloseable {
    /** Opcodes (RFC 6455 5.2). */
    public static final int CONTINUATION = 0x0;
    /** Text frame. */
    public static final int TEXT = 0x1;
    /** Binary frame. */
    public static final int BINARY = 0x2;
    /** Close frame. */
    public static final int CLOSE = 0x8;
    /** Ping frame. */
    public static final int PING = 0x9;
    /** Pong frame. */
    public static final int PONG = 0xA;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One frame from the server. */
    public record Frame(int opcode, boolean fin, byte[] payload) {
        /** The status code of a Close frame, -1 when it carries none. */
        public int closeStatus() {
            return payload.length >= 2 ? (payload[0] & 0xFF) << 8 | payload[1] & 0xFF : -1;
        }
    }

    /** An HTTP response: status, headers (names in lower case), body. */
    public record HttpResponse(int status, Map<String, String> headers, byte[] body) {
        /** The body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final ArrayDeque<Frame> pendingControl = new ArrayDeque<>();
    private byte[] stream = new byte[0];

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** A TCP connection to 127.0.0.1:{@code port}, nothing sent yet. */
    public static RawWebSocket open(int port) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setTcpNoDelay(true);
            return new RawWebSocket(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TLS connection to 127.0.0.1:{@code port} with {@code context} (its handshake done), nothing else sent. */
    public static RawWebSocket openTls(int port, SSLContext context) {
        try {
            Socket s = context.getSocketFactory().createSocket("127.0.0.1", port);
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) TIMEOUT.toMillis());
            ((javax.net.ssl.SSLSocket) s).startHandshake();
            return new RawWebSocket(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects and upgrades on {@code /} without Origin (as the reference client does); fails unless the answer is 101. */
    public static RawWebSocket connect(int port) {
        RawWebSocket ws = open(port);
        ws.expectUpgraded(ws.upgrade("/", Map.of()));
        return ws;
    }

    /** Fails unless {@code r} is the 101 of a WebSocket upgrade. */
    public RawWebSocket expectUpgraded(HttpResponse r) {
        if (r.status() != 101) {
            throw new AssertionError("upgrade answered " + r.status() + " " + r.text());
        }
        return this;
    }

    /**
     * Sends the upgrade request for {@code path} with {@code headers} added (e.g. Origin) and reads
     * the response's status line and headers (and a body, when the answer is not 101).
     */
    public HttpResponse upgrade(String path, Map<String, String> headers) {
        byte[] keyBytes = new byte[16];
        RANDOM.nextBytes(keyBytes);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "127.0.0.1:" + socket.getPort());
        h.put("Upgrade", "websocket");
        h.put("Connection", "Upgrade");
        h.put("Sec-WebSocket-Key", Base64.getEncoder().encodeToString(keyBytes));
        h.put("Sec-WebSocket-Version", "13");
        h.putAll(headers);
        return http("GET", path, h);
    }

    /** Sends one HTTP/1.1 request ({@code Host} added unless given) and reads the response. */
    public HttpResponse http(String method, String path, Map<String, String> headers) {
        StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.putIfAbsent("Host", "127.0.0.1:" + socket.getPort());
        h.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("\r\n");
        sendRaw(sb.toString().getBytes(StandardCharsets.US_ASCII));
        return readResponse(!method.equals("HEAD"));
    }

    private HttpResponse readResponse(boolean withBody) {
        try {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            String status = readLine();
            String[] parts = status.split(" ", 3);
            int code = Integer.parseInt(parts[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = readLine(); !line.isEmpty(); line = readLine()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            byte[] body = new byte[0];
            if (code != 101 && withBody && headers.containsKey("content-length")) {
                body = new byte[Integer.parseInt(headers.get("content-length"))];
                in.readFully(body);
            }
            return new HttpResponse(code, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("connection closed in the HTTP response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    /** Sends one masked frame. */
    public RawWebSocket sendFrame(int opcode, boolean fin, byte[] payload) {
        return sendRaw(frame(opcode, fin, payload));
    }

    /** Sends {@code payload} as one binary message (one frame). */
    public RawWebSocket sendBinary(byte[] payload) {
        return sendFrame(BINARY, true, payload);
    }

    /** Sends {@code p} encoded as one DoSP frame in one binary message. */
    public RawWebSocket send(Packet p) {
        return sendBinary(PacketCodec.encode(p));
    }

    /** The bytes of one masked client frame. */
    public static byte[] frame(int opcode, boolean fin, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
        b.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n < 126) {
            b.write(0x80 | n);
        } else if (n <= 0xFFFF) {
            b.write(0x80 | 126);
            b.write(n >>> 8);
            b.write(n);
        } else {
            b.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                b.write(i >= 4 ? 0 : n >>> (8 * i));
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        b.write(mask, 0, 4);
        for (int i = 0; i < n; i++) {
            b.write(payload[i] ^ mask[i & 3]);
        }
        return b.toByteArray();
    }

    /** Writes raw bytes to the socket. */
    public RawWebSocket sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next frame from the server, control frames included, within 10 s. */
    public Frame readFrame() {
        if (!pendingControl.isEmpty()) {
            return pendingControl.poll();
        }
        return readWireFrame(TIMEOUT);
    }

    private Frame readWireFrame(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            if ((b1 & 0x80) != 0) {
                throw new AssertionError("the server masked a frame (RFC 6455 5.1 forbids it)");
            }
            long n = b1 & 0x7F;
            if (n == 126) {
                n = in.readUnsignedShort();
            } else if (n == 127) {
                n = in.readLong();
            }
            if (n > 64 << 20) {
                throw new AssertionError("frame of " + n + " bytes");
            }
            byte[] payload = new byte[(int) n];
            in.readFully(payload);
            return new Frame(b0 & 0x0F, (b0 & 0x80) != 0, payload);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no WebSocket frame within " + timeout, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The next DoSP packet, read from the binary messages (each must hold whole frames: the server
     * sends one frame per message); control frames met on the way are kept for {@link #readFrame()}.
     */
    public Packet receive() {
        while (true) {
            Packet p = decodeOne();
            if (p != null) {
                return p;
            }
            Frame f = readWireFrame(TIMEOUT);
            if (f.opcode() == BINARY || f.opcode() == CONTINUATION) {
                byte[] joined = new byte[stream.length + f.payload().length];
                System.arraycopy(stream, 0, joined, 0, stream.length);
                System.arraycopy(f.payload(), 0, joined, stream.length, f.payload().length);
                stream = joined;
            } else {
                pendingControl.add(f);
                if (f.opcode() == CLOSE) {
                    throw new AssertionError("Close frame (status " + f.closeStatus() + ") while waiting for a packet");
                }
            }
        }
    }

    private Packet decodeOne() {
        if (stream.length < PacketCodec.HEADER_BYTES) {
            return null;
        }
        long len = ((stream[1] & 0xFFL) << 24) | ((stream[2] & 0xFF) << 16) | ((stream[3] & 0xFF) << 8) | (stream[4] & 0xFF);
        if (stream.length < PacketCodec.HEADER_BYTES + len) {
            return null;
        }
        int end = (int) (PacketCodec.HEADER_BYTES + len);
        Packet p = PacketCodec.decodeBody(stream[0] & 0xFF, stream, PacketCodec.HEADER_BYTES, (int) len);
        byte[] rest = new byte[stream.length - end];
        System.arraycopy(stream, end, rest, 0, rest.length);
        stream = rest;
        return p;
    }

    /** Whether the DoSP stream received so far is fully consumed (no partial frame left over). */
    public boolean streamEmpty() {
        return stream.length == 0;
    }

    /** Reads AIP and HSK, as a DoSP client does first. */
    public RawWebSocket readHandshake() {
        Packet aip = receive();
        if (aip.type() != io.dosp.protocol.PacketType.AIP) {
            throw new AssertionError("expected AIP, got " + aip);
        }
        Packet hsk = receive();
        if (hsk.type() != io.dosp.protocol.PacketType.HSK) {
            throw new AssertionError("expected HSK, got " + hsk);
        }
        return this;
    }

    /** True when the server closed the TCP connection (EOF) within {@code timeout}, skipping whatever it sent. */
    public boolean closedWithin(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            InputStream raw = in;
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (raw.read() < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by peer
        }
    }

    /** A CLIENT_INFO packet with {@code hash}, the first packet a client sends. */
    public RawWebSocket sendClientInfo(String hash) {
        return send(Packets.clientInfo(hash));
    }

    /** Closes the socket. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
    }
}
