package io.dosp.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.protocol.PacketCodec;
import io.dosp.testkit.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Writes the seed corpus of every fuzz target from the reference vectors (dosp-testkit), into the
 * inputs directories Jazzer replays in regression mode
 * ({@code src/test/resources/<package>/<Class>Inputs/<method>/}). Run it again when the vectors
 * change: {@code ./fuzz.sh seeds}. A target taking a {@code FuzzedDataProvider} reads its control
 * values from the end of the input and the payload from the start, so those seeds are
 * {@code payload + control bytes}.
 */
public final class SeedCorpus {
    private final Path root;

    private SeedCorpus(Path root) {
        this.root = root;
    }

    /** {@code args[0]}: the test resources directory (default {@code src/test/resources}). */
    public static void main(String[] args) throws IOException {
        new SeedCorpus(Paths.get(args.length > 0 ? args[0] : "src/test/resources")).writeAll();
    }

    private void writeAll() throws IOException {
        JsonNode frames = Vectors.section("frames_uncompressed");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (JsonNode f : frames) {
            String name = f.get("name").asText();
            byte[] wire = Vectors.hex(f, "wire");
            all.writeBytes(wire);
            // server side, whole frames in one chunk of 256 bytes; and one byte at a time
            write(FrameDecoderFuzzTest.class, "decode", name, concat(wire, new byte[] {(byte) 255, 0}));
            write(FrameDecoderFuzzTest.class, "decode", name + "-split", concat(wire, new byte[] {0, 0}));
            byte[] body = Arrays.copyOfRange(wire, PacketCodec.HEADER_BYTES, wire.length);
            write(PacketBodyFuzzTest.class, "decodeBody", name, concat(body, new byte[] {wire[0]}));
        }
        write(FrameDecoderFuzzTest.class, "decode", "all-coalesced", concat(all.toByteArray(), new byte[] {(byte) 255, 0}));
        for (JsonNode f : Vectors.section("frames_compressed")) {
            String name = f.get("name").asText();
            byte[] wire = Vectors.hex(f, "wire");
            write(FrameDecoderFuzzTest.class, "decode", name + "-server", concat(wire, new byte[] {(byte) 255, 1}));
            // client side: the reference's compressed HSK switches compression on for what follows
            byte[] hsk = hex(frames, "hsk_compression");
            write(FrameDecoderFuzzTest.class, "decode", name + "-client", concat(concat(hsk, wire), new byte[] {(byte) 255, 2}));
        }
        byte[] sd = Vectors.hex(Vectors.section("sd_advertisement"), "payload");
        write(AdvertisementFuzzTest.class, "decode", "reference-sd", sd);
        write(AdvertisementFuzzTest.class, "decode", "reference-empty-sd", new byte[] {1, 0});
        write(PacketBodyFuzzTest.class, "decodeBody", "sd", concat(sd, new byte[] {0x06}));

        JsonNode dh = Vectors.section("dh_handshake");
        write(TunnelFuzzTest.class, "handshake", "initiator-hello", Vectors.hex(dh, "initiator_hello_payload"));
        write(TunnelFuzzTest.class, "handshake", "responder-hello", Vectors.hex(dh, "responder_hello_payload"));
        write(TunnelFuzzTest.class, "handshake", "hc2c-error", Vectors.hex(Vectors.section("hc2c_error_payload"), "payload"));
        write(TunnelFuzzTest.class, "handshake", "legacy", Vectors.legacyInitiatorPayload());
        write(TunnelFuzzTest.class, "handshake", "role-byte", concat(Vectors.hex(dh, "initiator_hello_payload"), new byte[] {1}));
        int n = 0;
        for (JsonNode f : Vectors.section("tunnel_frames").get("frames")) {
            byte[] data = Vectors.hex(f, "s2c_data");
            // how = 0 (raw bytes), length byte, the reference frame, rounds = 1
            write(TunnelFuzzTest.class, "open", "reference-frame-" + n++, concat(data, new byte[] {(byte) data.length, 0, 0}));
        }
        write(TunnelFuzzTest.class, "open", "replay", new byte[] {0, 3, 0, 3, 1, 3, 0, 3, 3});
        write(TunnelFuzzTest.class, "open", "flip", new byte[] {7, 1, 5, 0, 1, 1, 4});
        write(TunnelFuzzTest.class, "open", "truncate", new byte[] {59, 0, 2, 60, 1, 2, 2});

        byte[] id = new byte[16];
        Arrays.fill(id, (byte) 7);
        byte[] helloBody = io.dosp.server.internal.federation.LinkSeeds.hello(id, id, "127.0.0.1", 7744);
        write(io.dosp.server.internal.federation.LinkSeeds.TARGET, "parse", "hello", concat(helloBody, new byte[] {0}));
        byte[] fwd = {8, 7, 10, 0, 2, 7, 20, 0, 3, 'h', 'i'};
        write(io.dosp.server.internal.federation.LinkSeeds.TARGET, "parse", "fwd", concat(fwd, new byte[] {1}));
        write(io.dosp.server.internal.federation.LinkSeeds.TARGET, "parse", "fwd-hello-data",
                concat(concat(Arrays.copyOf(fwd, 9), new byte[] {(byte) TunnelHandshake.HC2C}), new byte[] {1}));
        write(io.dosp.server.internal.federation.LinkSeeds.TARGET, "parse", "fwd-fail",
                concat(Arrays.copyOf(fwd, 9), new byte[] {2}));
    }

    private static byte[] hex(JsonNode frames, String name) {
        for (JsonNode f : frames) {
            if (f.get("name").asText().equals(name)) {
                return Vectors.hex(f, "wire");
            }
        }
        throw new IllegalStateException("no vector " + name);
    }

    private void write(Class<?> target, String method, String name, byte[] bytes) throws IOException {
        Path dir = root.resolve(target.getPackageName().replace('.', '/')).resolve(target.getSimpleName() + "Inputs")
                .resolve(method);
        Files.createDirectories(dir);
        Files.write(dir.resolve("seed-" + name), bytes);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
