package io.dosp.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;

/**
 * The reference vectors: bytes produced by the reference (Python) implementation, in
 * {@code vectors/dosp-0.2-vectors.json} (this module's resource, a byte-identical copy of the
 * shared file). Loaded once; the returned nodes must not be modified. Thread-safe.
 */
public final class Vectors {
    /** Classpath location of the vector file. */
    public static final String RESOURCE = "/vectors/dosp-0.2-vectors.json";

    private static final JsonNode ROOT = load();

    private Vectors() {
    }

    private static JsonNode load() {
        try (InputStream in = Vectors.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + RESOURCE);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The whole document. */
    public static JsonNode root() {
        return ROOT;
    }

    /** A top-level section, e.g. {@code "tunnel_frames"}; fails if absent. */
    public static JsonNode section(String name) {
        JsonNode n = ROOT.get(name);
        if (n == null) {
            throw new IllegalStateException("vector section '" + name + "' is missing");
        }
        return n;
    }

    /** Lowercase hex to bytes. */
    public static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** The hex text of field {@code field} of {@code node}, decoded. */
    public static byte[] hex(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null) {
            throw new IllegalStateException("vector field '" + field + "' missing in " + node);
        }
        return hex(v.asText());
    }

    /** The reference's example legacy handshake payload ({@code 15} + 16-byte key half). */
    public static byte[] legacyInitiatorPayload() {
        return hex(section("legacy_handshake"), "initiator_payload_example");
    }

    /** Bytes to lowercase hex. */
    public static String toHex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
