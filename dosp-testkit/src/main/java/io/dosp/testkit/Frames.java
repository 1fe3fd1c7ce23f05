package io.dosp.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.Vip;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;

/**
 * Raw bytes for tests that go below {@link RawClient}: whole frames with any TYPE and BODY, byte
 * runs glued together, and reads off a plain socket (one frame, the greeting, everything up to EOF).
 * Stateless and thread-safe.
 */
public final class Frames {
    private Frames() {
    }

    /** A whole frame with any TYPE and BODY, uncompressed. */
    public static byte[] frame(int type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(body.length).put(body).array();
    }

    /** The parts one after the other. */
    public static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /**
     * One frame as read off the wire: TYPE and BODY as sent (still compressed when the connection
     * compresses).
     *
     * @param type the TYPE byte
     * @param body the BODY bytes
     */
    public record RawFrame(int type, byte[] body) {
    }

    /**
     * Reads one frame (TYPE, LENGTH, BODY) off {@code in}, blocking.
     *
     * @throws IllegalStateException when LENGTH is over {@code maxBody} (nothing more is read)
     * @throws IOException           when the stream fails or ends inside the frame
     */
    public static RawFrame readFrame(DataInputStream in, int maxBody) throws IOException {
        int type = in.readUnsignedByte();
        long len = in.readInt() & 0xFFFFFFFFL;
        if (len > maxBody) {
            throw new IllegalStateException("the peer sent a frame of " + len + " bytes, over the limit of " + maxBody);
        }
        byte[] body = new byte[(int) len];
        in.readFully(body);
        return new RawFrame(type, body);
    }

    /**
     * Reads {@code socket} to its end in bulk; returns the bytes read, or -1 when it did not end
     * within {@code timeout}. A reset counts as the end.
     */
    public static long drainToEof(Socket socket, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[64 << 10];
        long total = 0;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return -1;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                return -1;
            } catch (IOException e) {
                return total; // reset by peer
            }
            if (n < 0) {
                return total;
            }
            total += n;
        }
    }

    /** Reads the AIP+HSK prefix (9 + 5 + HSK body) off a plain socket; returns the vIP. */
    public static Vip readGreeting(InputStream in) throws IOException {
        byte[] aip = in.readNBytes(9);
        assertThat(aip).hasSize(9);
        assertThat(aip[0] & 0xff).isEqualTo(PacketType.AIP.code());
        byte[] hskHeader = in.readNBytes(5);
        assertThat(hskHeader).hasSize(5);
        assertThat(hskHeader[0] & 0xff).isEqualTo(PacketType.HSK.code());
        int len = ByteBuffer.wrap(hskHeader, 1, 4).getInt();
        assertThat(in.readNBytes(len)).hasSize(len);
        return Vip.fromBytes(aip, 5);
    }
}
