package io.dosp.testkit;

import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted misbehaving peer: a raw TCP server on 127.0.0.1 (port 0) that runs a
 * {@link PeerScript} on every connection it accepts, to test how a client copes with a server
 * that sends garbage, stops in the middle of a frame, never greets or closes after N frames.
 * Tests assert what the client did and, through {@link #reached()} and {@link #received()}, how
 * far the peer got and what the client sent.
 *
 * <p>Thread-safe. One daemon thread accepts, one daemon thread per connection runs the script;
 * {@link #close()} closes the listening socket and every connection, and waits for the threads.
 */
public final class ScriptedPeer implements AutoCloseable {
    private static final int MAX_FRAME = 16 << 20;

    private final PeerScript script;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<String> reached = new CopyOnWriteArrayList<>();
    private final List<Packet> received = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();

    private ScriptedPeer(PeerScript script) throws IOException {
        this.script = script;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "scripted-peer-accept-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Listens on a free loopback port and runs {@code script} on each connection. */
    public static ScriptedPeer start(PeerScript script) {
        try {
            return new ScriptedPeer(script);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port it listens on. */
    public int port() {
        return listener.getLocalPort();
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /** How many connections it accepted. */
    public int connections() {
        return accepted.get();
    }

    /** The names of the steps completed, in order, over all connections. */
    public List<String> reached() {
        return List.copyOf(reached);
    }

    /** Waits (at most {@link TestServers#AWAIT}) until step {@code name} completed on some connection. */
    public void awaitReached(String name) {
        await().atMost(TestServers.AWAIT).until(() -> reached.contains(name));
    }

    /** Every frame the client sent that a step read, in order. */
    public List<Packet> received() {
        return List.copyOf(received);
    }

    /**
     * Steps that failed ({@code "step: cause"}), e.g. an {@code expect} that got another type or a
     * send to a client that had gone; a cut made by {@link PeerScript#failAt} is not a failure.
     */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Closes the listening socket and every connection, and waits for the peer's threads. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
        connections.forEach(Connection::close);
        join(acceptor);
        connections.forEach(c -> join(c.thread));
    }

    private static void join(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                Connection c = new Connection(s, accepted.incrementAndGet());
                connections.add(c);
                c.thread.start();
            } catch (IOException e) {
                failures.add("accept: " + e);
            }
        }
    }

    /**
     * One accepted connection, as the steps of a script see it. Used by the script's thread only,
     * except {@link #close()}, which any thread may call.
     */
    public final class Connection {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;
        private final Thread thread;

        private Connection(Socket socket, int number) throws IOException {
            this.socket = socket;
            socket.setTcpNoDelay(true);
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
            this.thread = new Thread(this::run, "scripted-peer-" + port() + "-" + number);
            thread.setDaemon(true);
        }

        private void run() {
            for (PeerScript.Step step : script.steps()) {
                if (step.name().equals(script.failAtStep())) {
                    close();
                    return;
                }
                try {
                    step.action().run(this);
                } catch (IOException | RuntimeException e) {
                    if (!socket.isClosed()) {
                        failures.add(step.name() + ": " + e.getMessage());
                    }
                    close();
                    return;
                }
                reached.add(step.name());
            }
            try {
                hold();
            } catch (IOException e) {
                // the client went away: the script is over anyway
            }
            close();
        }

        /** Sends bytes as they are. */
        public void sendRaw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Sends one packet (never compressed: the peer's HSK turns compression off). */
        public void send(Packet packet) throws IOException {
            sendRaw(PacketCodec.encode(packet));
        }

        /** Reads the client's next frame and records it in {@link #received()}. */
        public Packet readFrame() throws IOException {
            Frames.RawFrame frame = Frames.readFrame(in, MAX_FRAME);
            Packet p = PacketCodec.decodeBody(frame.type(), frame.body(), 0, frame.body().length);
            received.add(p);
            return p;
        }

        /** Reads and records frames, answering none, until either side closes the connection. */
        public void hold() throws IOException {
            try {
                while (true) {
                    readFrame();
                }
            } catch (EOFException | SocketException e) {
                // the client closed, or close() was called
            }
        }

        /**
         * Like a reference server: echoes each PING's body, answers this project's EXT HELLO with a bare ERR UKNP (as
         * the reference answers any unknown type), records everything, until either side closes.
         */
        public void serve() throws IOException {
            try {
                while (true) {
                    Packet p = readFrame();
                    if (p.type() == PacketType.PING) {
                        send(Packets.ping(((SimplePacket) p).body()));
                    } else if (p.type() == PacketType.EXT) {
                        send(Packets.err(ErrCode.UKNP));
                    }
                }
            } catch (EOFException | SocketException e) {
                // the client closed, or close() was called
            }
        }

        /** Closes the connection (idempotent). */
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing: nothing to do
            }
        }
    }
}
