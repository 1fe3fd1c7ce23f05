package io.dosp.testkit;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link ScriptedPeer} does on each connection it accepts: named steps run in order, like
 * the scripted fake server of nats.java. A script either misbehaves in one of its steps (send
 * garbage, stop in the middle of a frame, never send the greeting, close after N frames) or
 * follows the normal server side of a connection and is cut at a named step with
 * {@link #failAt(String)}:
 *
 * <pre>{@code
 * PeerScript.handshake(vip).failAt(PeerScript.HSK)  // sends AIP, then closes instead of sending HSK
 * PeerScript.neverHandshake()                        // accepts and stays silent
 * PeerScript.create().greet(vip).readFrames(2).close()
 * }</pre>
 *
 * <p>After the last step the peer holds the connection (reads and records what the client
 * sends) until the client or the peer closes it. A script is built on one thread and then only
 * read: safe to share once built.
 */
public final class PeerScript {
    /** Step of {@link #handshake(Vip)}: sends AIP. */
    public static final String AIP = "aip";
    /** Step of {@link #handshake(Vip)}: sends HSK (no compression). */
    public static final String HSK = "hsk";
    /** Step of {@link #answerHello()}: reads the client's EXT HELLO and answers it as the reference does. */
    public static final String HELLO = "hello";
    /** Step of {@link #handshake(Vip)}: reads the client's CLIENT_INFO. */
    public static final String CLIENT_INFO = "client info";
    /** Step of {@link #handshake(Vip)}: echoes PINGs and records everything else until closed. */
    public static final String SERVE = "serve";
    /** Step name of {@link #hold()}. */
    public static final String HOLD = "hold";
    /** Step name of {@link #close()}. */
    public static final String CLOSE = "close";
    /** What {@link #sendGarbage()} sends: a non-DoSP server's answer (read as a DoSP header, a 1.4 GB frame). */
    public static final byte[] GARBAGE = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    /** What one step does on a connection. */
    @FunctionalInterface
    public interface Action {
        /**
         * Runs the step.
         *
         * @throws IOException when the connection fails (the peer records it and closes)
         */
        void run(ScriptedPeer.Connection connection) throws IOException;
    }

    /**
     * One step.
     *
     * @param name   how tests and failure reports refer to it
     * @param action what it does
     */
    public record Step(String name, Action action) {
        /** Validates. */
        public Step {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(action, "action");
        }
    }

    private final List<Step> steps = new ArrayList<>();
    private String failAt;

    private PeerScript() {
    }

    /** An empty script (the peer accepts and holds the connection). */
    public static PeerScript create() {
        return new PeerScript();
    }

    /**
     * The server side of a normal connection with a reference server: steps {@link #AIP} ({@code vip}), {@link #HSK},
     * {@link #CLIENT_INFO} (an EXT HELLO before it is answered with a bare ERR UKNP, as the reference answers it) and
     * {@link #SERVE}.
     */
    public static PeerScript handshake(Vip vip) {
        return create().send(AIP, Packets.aip(vip)).send(HSK, Packets.hsk(Handshake.standard(false)))
                .step(CLIENT_INFO, c -> {
                    Packet p = c.readFrame();
                    if (p.type() == PacketType.EXT) { // our client's EXT HELLO, answered as the reference does
                        c.send(Packets.err(ErrCode.UKNP));
                        p = c.readFrame();
                    }
                    if (p.type() != PacketType.CLIENT_INFO) {
                        throw new IOException("expected CLIENT_INFO from the client, got " + Expect.describe(p));
                    }
                }).step(SERVE, ScriptedPeer.Connection::serve);
    }

    /** Accepts, never sends the greeting, holds the connection. */
    public static PeerScript neverHandshake() {
        return create().hold();
    }

    /** Greets with {@code vip}, reads {@code frames} frames from the client, closes. */
    public static PeerScript closeAfterFrames(Vip vip, int frames) {
        return create().greet(vip).readFrames(frames).close();
    }

    /** Adds a step. */
    public PeerScript step(String name, Action action) {
        steps.add(new Step(name, action));
        return this;
    }

    /** Step {@code "greet"}: AIP with {@code vip}, then HSK without compression, as one write. */
    public PeerScript greet(Vip vip) {
        byte[] both = Frames.concat(PacketCodec.encode(Packets.aip(vip)),
                PacketCodec.encode(Packets.hsk(Handshake.standard(false))));
        return sendRaw("greet", both);
    }

    /**
     * Step {@link #HELLO}: the client's next frame must be this project's EXT HELLO; it is answered with a bare ERR
     * UKNP, as a reference server answers any unknown type (for a client with extensions on, the default).
     */
    public PeerScript answerHello() {
        return step(HELLO, c -> {
            Packet p = c.readFrame();
            if (p.type() != PacketType.EXT) {
                throw new IOException("expected EXT HELLO from the client, got " + Expect.describe(p));
            }
            c.send(Packets.err(ErrCode.UKNP));
        });
    }

    /** Step {@code "send TYPE"}: sends one packet. */
    public PeerScript send(Packet packet) {
        return send("send " + PacketType.nameOf(packet.typeCode()), packet);
    }

    /** Step {@code name}: sends one packet. */
    public PeerScript send(String name, Packet packet) {
        return sendRaw(name, PacketCodec.encode(packet));
    }

    /** Step {@code name}: sends bytes as they are. */
    public PeerScript sendRaw(String name, byte[] bytes) {
        byte[] copy = bytes.clone();
        return step(name, c -> c.sendRaw(copy));
    }

    /** Step {@code "garbage"}: sends {@link #GARBAGE} instead of DoSP frames. */
    public PeerScript sendGarbage() {
        return sendRaw("garbage", GARBAGE);
    }

    /**
     * Step {@code "stop mid-frame"}: sends the first {@code bytes} bytes of {@code packet}'s frame
     * and then nothing more (the peer holds the connection).
     */
    public PeerScript stopMidFrame(Packet packet, int bytes) {
        byte[] frame = PacketCodec.encode(packet);
        if (bytes <= 0 || bytes >= frame.length) {
            throw new IllegalArgumentException("a frame of " + frame.length + " bytes has no middle at " + bytes);
        }
        byte[] part = Arrays.copyOf(frame, bytes);
        return step("stop mid-frame", c -> {
            c.sendRaw(part);
            c.hold();
        });
    }

    /** Step {@code "expect TYPE"}: the client's next frame must be of {@code type}. */
    public PeerScript expect(PacketType type) {
        return expect("expect " + type, type);
    }

    /** Step {@code name}: the client's next frame must be of {@code type}. */
    public PeerScript expect(String name, PacketType type) {
        return step(name, c -> {
            Packet p = c.readFrame();
            if (p.type() != type) {
                throw new IOException("expected " + type + " from the client, got " + Expect.describe(p));
            }
        });
    }

    /** Step {@code "read N frames"}: reads (and records) {@code n} frames of any type. */
    public PeerScript readFrames(int n) {
        return step("read " + n + " frames", c -> {
            for (int i = 0; i < n; i++) {
                c.readFrame();
            }
        });
    }

    /** Step {@link #HOLD}: sends nothing, records what the client sends, until either side closes. */
    public PeerScript hold() {
        return step(HOLD, ScriptedPeer.Connection::hold);
    }

    /** Step {@link #CLOSE}: closes the connection. */
    public PeerScript close() {
        return step(CLOSE, ScriptedPeer.Connection::close);
    }

    /**
     * Cuts the script at step {@code name}: the steps before it run, then the peer closes the
     * connection instead of running it.
     */
    public PeerScript failAt(String name) {
        if (steps.stream().noneMatch(s -> s.name().equals(name))) {
            throw new IllegalArgumentException("no step '" + name + "' in " + this);
        }
        failAt = name;
        return this;
    }

    /** The steps, in order. */
    public List<Step> steps() {
        return List.copyOf(steps);
    }

    /** The step the script is cut at, or null. */
    public String failAtStep() {
        return failAt;
    }

    @Override
    public String toString() {
        return "PeerScript" + steps.stream().map(Step::name).toList() + (failAt == null ? "" : " failing at '" + failAt + "'");
    }
}
