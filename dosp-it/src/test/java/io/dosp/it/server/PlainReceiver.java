package io.dosp.it.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import io.dosp.testkit.Frames;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A receiver on a plain socket with a small receive buffer, so that it is slow when it does not
 * read: it reads only when the test tells it to, frame by frame, and checks that the S2C of each
 * sender arrive in order ({@link FloodSender}'s sequence numbers). One thread at a time.
 */
final class PlainReceiver implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final Vip vip;
    private final Map<Vip, Integer> next = new HashMap<>();
    private long received;

    PlainReceiver(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        vip = Frames.readGreeting(socket.getInputStream());
        // CLIENT_INFO at once, as a reference client sends it: the server's first-packet deadline (10 s) must not end a
        // receiver that a test keeps silent while its senders are being paused on a busy machine.
        socket.getOutputStream().write(PacketCodec.encode(Packets.clientInfo("ab".repeat(32))));
        socket.getOutputStream().flush();
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), receiveBuffer));
    }

    Vip vip() {
        return vip;
    }

    /** S2C received so far. */
    long received() {
        return received;
    }

    /** S2C received from {@code src}. */
    long receivedFrom(Vip src) {
        return next.getOrDefault(src, 0);
    }

    /** Reads {@code frames} S2C, giving the CPU away every {@code every} frames; fails if one is missing or out of order. */
    void read(long frames, int every, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        for (long i = 0; i < frames; i++) {
            readOne();
            if (i % every == 0) {
                Thread.yield();
            }
        }
    }

    /** Reads until the server closes the connection; a frame cut short by the close does not count. */
    void readToEnd(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            while (true) {
                readOne();
            }
        } catch (EOFException | SocketTimeoutException e) {
            if (e instanceof SocketTimeoutException) {
                throw e;
            }
        } catch (IOException e) {
            // reset: the end as well
        }
    }

    private void readOne() throws IOException {
        Frames.RawFrame f = Frames.readFrame(in, 1 << 20);
        assertThat(f.type()).isEqualTo(PacketType.S2C.code());
        ByteBuffer b = ByteBuffer.wrap(f.body());
        assertThat(new Vip(b.getInt())).isEqualTo(vip);
        Vip src = new Vip(b.getInt());
        int seq = b.getInt();
        int expected = next.getOrDefault(src, 0);
        assertThat(seq).as("S2C from %s to %s in order", src, vip).isEqualTo(expected);
        next.put(src, expected + 1);
        received++;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
