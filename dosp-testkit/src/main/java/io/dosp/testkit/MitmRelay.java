package io.dosp.testkit;

import io.dosp.crypto.Identity;
import io.dosp.crypto.IdentityBlock;
import io.dosp.crypto.IdentityKey;
import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.TunnelKeys;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An active man in the middle of client tunnels, as a malicious server would be: a
 * {@link ServerListener} on a real {@link DospServer} that, while {@linkplain #active(boolean)
 * active}, takes every tunnel hello between two clients and swaps the ephemeral X25519 keys for its
 * own. It answers the initiator itself (with a key of its own, "from" the responder) and opens its
 * own handshake with the responder ("from" the initiator), so it holds one tunnel with each side;
 * then it opens every frame with the one, records the plaintext ({@link #plaintexts()}) and seals it
 * again for the other. Without identities both sides see a normal tunnel and the relay reads all of
 * it; with identities the swap cannot stay unnoticed: the {@link Forgery} decides what the relay
 * puts where the identity block goes.
 *
 * <p>Only our hello layout ({@code 15 sid ts x25519 role [block]}) and the reference's (49 bytes)
 * are handled; handshake errors pass through untouched. Thread-safe: the hooks run on the server's
 * event loops.
 */
public final class MitmRelay implements ServerListener {
    private static final int ROLE_INITIATE = 1;
    private static final int ROLE_RESPOND = 2;

    /** What the relay sends in place of an identity block. */
    public enum Forgery {
        /** No block: the hellos look like a reference client's (unauthenticated). */
        STRIP,
        /** A block with the relay's own identity, correctly signed: a different fingerprint. */
        RESIGN,
        /**
         * A block claiming the real peer's identity key (learnt from its earlier hellos), signed with
         * the relay's key: a signature that cannot verify. With no key learnt yet, the relay's own.
         */
        CLAIM_PEER
    }

    /** One intercepted pair: the relay's tunnel with each side. */
    private static final class Split {
        volatile TunnelCipher withInitiator;
        volatile TunnelCipher withResponder;
        TunnelHello initiatorHello;
        X25519KeyPair towardResponder;
        TunnelHello relayHelloToResponder;
        /** Plaintexts from the initiator that wait for the responder's answer to the relay. */
        final List<byte[]> waiting = new java.util.ArrayList<>();
    }

    private final DospServer server;
    private final Identity relayIdentity = Identity.generate();
    private final SecureRandom random = new SecureRandom();
    private final Map<Long, Split> splits = new ConcurrentHashMap<>();
    private final Map<Vip, IdentityKey> learnt = new ConcurrentHashMap<>();
    private final List<String> plaintexts = new CopyOnWriteArrayList<>();
    private final List<byte[]> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger hellosSwapped = new AtomicInteger();
    private final AtomicInteger framesRelayed = new AtomicInteger();
    private volatile boolean active;
    private volatile Forgery forgery = Forgery.STRIP;

    private MitmRelay(DospServer server) {
        this.server = server;
    }

    /**
     * Installs a relay on {@code server} (passive until {@link #active(boolean)}).
     *
     * @param server a started server
     * @return the relay
     */
    public static MitmRelay on(DospServer server) {
        MitmRelay r = new MitmRelay(server);
        server.addListener(r);
        return r;
    }

    /** Starts (or stops) swapping keys of new handshakes; tunnels it already split stay split. */
    public MitmRelay active(boolean on) {
        this.active = on;
        return this;
    }

    /** What goes where the identity block belongs. */
    public MitmRelay forgery(Forgery f) {
        this.forgery = f;
        return this;
    }

    /** The relay's own identity (its fingerprint is what {@link Forgery#RESIGN} presents). */
    public Identity identity() {
        return relayIdentity;
    }

    /** Every plaintext the relay read from a tunnel frame, as UTF-8. */
    public List<String> plaintexts() {
        return List.copyOf(plaintexts);
    }

    /** Whether any S2C DATA that crossed the server (relayed or not) contained {@code text} in the clear. */
    public boolean sawPlain(String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        for (byte[] d : seen) {
            outer:
            for (int i = 0; i + t.length <= d.length; i++) {
                for (int j = 0; j < t.length; j++) {
                    if (d[i + j] != t[j]) {
                        continue outer;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /** Hellos the relay replaced with its own. */
    public int hellosSwapped() {
        return hellosSwapped.get();
    }

    /** Frames the relay opened and sealed again for the other side. */
    public int framesRelayed() {
        return framesRelayed.get();
    }

    private static long pair(Vip a, Vip b) {
        return ((long) a.value() << 32) | (b.value() & 0xffffffffL);
    }

    @Override
    public boolean onPacket(ConnectedClient client, Packet packet) {
        if (!(packet instanceof S2cPacket s)) {
            return false;
        }
        Vip from = client.vip();
        Vip to = s.dst();
        byte[] data = s.data();
        if (seen.size() < 100_000) {
            seen.add(data);
        }
        TunnelHandshake.Kind kind = TunnelHandshake.classify(data);
        Split split = splits.get(pair(from, to));
        if (split != null && data.length >= TunnelCipher.MIN_FRAME_LENGTH && kind != TunnelHandshake.Kind.DH_HELLO) {
            return relayFrame(split, from, to, data, true);
        }
        Split reverse = splits.get(pair(to, from));
        if (reverse != null && data.length >= TunnelCipher.MIN_FRAME_LENGTH && kind != TunnelHandshake.Kind.DH_HELLO) {
            return relayFrame(reverse, from, to, data, false);
        }
        if (kind == TunnelHandshake.Kind.ERROR && active && (split != null || reverse != null)) {
            return true; // a relay hides the refusals that would give it away
        }
        if (kind != TunnelHandshake.Kind.DH_HELLO) {
            return false;
        }
        try {
            IdentityBlock.read(data).ifPresent(b -> learnt.put(from, b.key()));
        } catch (TunnelException e) {
            // a malformed block teaches nothing
        }
        if (!active) {
            splits.remove(pair(from, to)); // a new handshake the relay lets through: what it split before is over
            splits.remove(pair(to, from));
            return false;
        }
        int role = data.length > TunnelHandshake.HELLO_LENGTH ? data[TunnelHandshake.HELLO_LENGTH] & 0xff : 0;
        TunnelHello hello = TunnelHello.parse(data);
        if (role == ROLE_RESPOND || (role == 0 && splits.containsKey(pair(to, from)))) {
            return onAnswer(from, to, hello);
        }
        return onOpening(from, to, hello);
    }

    /**
     * {@code initiator} opens to {@code responder}: answer it ourselves at once, and open our own
     * handshake with the responder (what the initiator sends before that one is up waits).
     */
    private boolean onOpening(Vip initiator, Vip responder, TunnelHello hello) {
        Split split = new Split();
        split.initiatorHello = hello;
        X25519KeyPair toInitiator = X25519KeyPair.generate();
        TunnelHello answer = TunnelHello.create(toInitiator, Clock.systemUTC(), random);
        split.withInitiator = new TunnelCipher(TunnelHandshake.deriveKeys(toInitiator, hello, answer, false));
        split.towardResponder = X25519KeyPair.generate();
        split.relayHelloToResponder = TunnelHello.create(split.towardResponder, Clock.systemUTC(), random);
        splits.put(pair(initiator, responder), split);
        hellosSwapped.addAndGet(2);
        byte[] answerData = forge(answer, ROLE_RESPOND, responder,
                IdentityBlock.responderTranscript(hello, answer, initiator, responder));
        byte[] openData = forge(split.relayHelloToResponder, ROLE_INITIATE, initiator,
                IdentityBlock.initiatorTranscript(split.relayHelloToResponder, initiator, responder));
        deliver(initiator, Packets.s2c(initiator, responder, answerData));
        deliver(responder, Packets.s2c(responder, initiator, openData));
        return true;
    }

    /** The responder answered our handshake: the relay's tunnel with it is ready. */
    private boolean onAnswer(Vip responder, Vip initiator, TunnelHello answer) {
        Split split = splits.get(pair(initiator, responder));
        if (split == null || split.towardResponder == null) {
            return false;
        }
        TunnelKeys keys = TunnelHandshake.deriveKeys(split.towardResponder, split.relayHelloToResponder, answer, true);
        TunnelCipher c = new TunnelCipher(keys);
        synchronized (split) {
            split.withResponder = c;
            for (byte[] plain : split.waiting) {
                byte[] sealed;
                synchronized (c) {
                    sealed = c.seal(plain);
                }
                deliver(responder, Packets.s2c(responder, initiator, sealed));
            }
            split.waiting.clear();
        }
        return true;
    }

    private byte[] forge(TunnelHello hello, int role, Vip impersonated, byte[] transcript) {
        return switch (forgery) {
            case STRIP -> withRole(hello, role);
            case RESIGN -> IdentityBlock.sign(relayIdentity, transcript).appendTo(hello, role);
            case CLAIM_PEER -> IdentityBlock.of(Optional.ofNullable(learnt.get(impersonated)).orElse(relayIdentity.publicKey()),
                    relayIdentity.sign(transcript)).appendTo(hello, role);
        };
    }

    private static byte[] withRole(TunnelHello hello, int role) {
        byte[] h = hello.encode();
        byte[] out = java.util.Arrays.copyOf(h, h.length + 1);
        out[h.length] = (byte) role;
        return out;
    }

    /** A frame between the two sides of {@code split}; {@code fromInitiator}: which way it goes. */
    private boolean relayFrame(Split split, Vip from, Vip to, byte[] frame, boolean fromInitiator) {
        TunnelCipher opener = fromInitiator ? split.withInitiator : split.withResponder;
        if (opener == null) {
            return true; // not from a tunnel the relay holds: dropped
        }
        byte[] plain;
        try {
            synchronized (opener) {
                plain = opener.open(frame);
            }
        } catch (TunnelException e) {
            return true;
        }
        plaintexts.add(new String(plain, StandardCharsets.UTF_8));
        framesRelayed.incrementAndGet();
        synchronized (split) {
            TunnelCipher sealer = fromInitiator ? split.withResponder : split.withInitiator;
            if (sealer == null) {
                split.waiting.add(plain); // the responder has not answered the relay yet
                return true;
            }
            byte[] resealed;
            synchronized (sealer) {
                resealed = sealer.seal(plain);
            }
            deliver(to, Packets.s2c(to, from, resealed));
        }
        return true;
    }

    private void deliver(Vip to, Packet p) {
        server.client(to).ifPresent(c -> c.send(p));
    }
}
