package io.dosp.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay that counts the bytes it forwards: put between two federated servers (the dialing one's
 * peer address is the relay), it measures the traffic of their peer link whatever the link protocol sends. Each
 * accepted connection is forwarded to the target by two threads (one per direction). Closed with its connections.
 */
final class CountingRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile boolean refusing;

    /** Listens on {@code bindHost:bindPort} (0: any free port) and forwards to {@code targetHost:targetPort}. */
    CountingRelay(String bindHost, int bindPort, String targetHost, int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getByName(targetHost), targetPort);
        this.listener = new ServerSocket(bindPort, 50, InetAddress.getByName(bindHost));
        Thread t = new Thread(this::accept, "relay-accept-" + listener.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** The port peers should dial. */
    int port() {
        return listener.getLocalPort();
    }

    /** Bytes forwarded in both directions since the start. */
    long bytes() {
        return bytes.get();
    }

    /** Connections accepted since the start. */
    long connections() {
        return connections.get();
    }

    private void accept() {
        while (!closed) {
            Socket in;
            try {
                in = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (refusing) {
                closeQuietly(in);
                continue;
            }
            connections.incrementAndGet();
            try {
                Socket out = new Socket();
                out.connect(target, 5_000);
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            } catch (IOException e) {
                closeQuietly(in);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 << 10];
            try (InputStream is = from.getInputStream(); OutputStream os = to.getOutputStream()) {
                int n;
                while ((n = is.read(buf)) >= 0) {
                    os.write(buf, 0, n);
                    bytes.addAndGet(n);
                }
            } catch (IOException e) {
                // one side closed: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "relay-" + from.getPort());
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Cuts the link: closes the connections and refuses new ones until {@link #restore}. */
    void cut() {
        refusing = true;
        sockets.forEach(CountingRelay::closeQuietly);
        sockets.clear();
    }

    /** Accepts connections again. */
    void restore() {
        refusing = false;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        sockets.forEach(CountingRelay::closeQuietly);
    }
}
