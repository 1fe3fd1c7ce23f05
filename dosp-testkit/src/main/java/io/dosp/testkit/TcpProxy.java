package io.dosp.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a free loopback port in front of one upstream address, which a test can {@link #cut()} (every
 * connection through it closed at once, new ones closed as soon as they are accepted) and {@link #heal()}: one
 * process's view of a network partition, for the cluster tests that cut one node off its NATS server while the other
 * nodes keep theirs.
 *
 * <p>Hand-written (plain {@code java.net}, two threads per connection) because no library on this project's test
 * path does this in-process: Toxiproxy needs its own server process and a client library, and the NATS test server
 * cannot cut one client off. Test use only; not tuned.
 */
public final class TcpProxy implements AutoCloseable {
    private final InetSocketAddress upstream;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean cut;
    private volatile boolean closed;

    private TcpProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "tcp-proxy-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** A proxy to {@code host:port}, listening on a free loopback port. */
    public static TcpProxy to(String host, int port) {
        try {
            return new TcpProxy(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A proxy to the host and port of {@code url} ({@code scheme://host:port}). */
    public static TcpProxy toUrl(String url) {
        java.net.URI u = java.net.URI.create(url);
        return to(u.getHost(), u.getPort());
    }

    /** The port it listens on (loopback). */
    public int port() {
        return server.getLocalPort();
    }

    /** {@code nats://127.0.0.1:<port>}: its address as a NATS URL. */
    public String natsUrl() {
        return "nats://127.0.0.1:" + port();
    }

    /** Closes every connection through it now and every new one as soon as it is accepted, until {@link #heal()}. */
    public void cut() {
        cut = true;
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    /** Lets new connections through again (the closed ones stay closed: their clients reconnect). */
    public void heal() {
        cut = false;
    }

    /** Whether it is cut now. */
    public boolean isCut() {
        return cut;
    }

    /** Connections it has forwarded since it started. */
    public int accepted() {
        return accepted.get();
    }

    /** Connections it closed at once because it was cut. */
    public int refused() {
        return refused.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (cut) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            Socket up = new Socket();
            try {
                up.connect(upstream, 5000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(up);
                continue;
            }
            accepted.incrementAndGet();
            open.add(client);
            open.add(up);
            pump(client, up);
            pump(up, client);
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // one side closed (or the proxy was cut): close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump-" + from.getLocalPort() + "-" + from.getPort());
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

    /** Stops listening and closes every connection. */
    @Override
    public void close() {
        closed = true;
        cut();
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
