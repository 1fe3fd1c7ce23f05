package io.dosp.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HexFormat;

/** Reads entries of the reference vectors (the core module's test resource, on this module's test classpath). */
public final class ClientVectors {
    private ClientVectors() {
    }

    /** The reference's example legacy handshake payload ({@code 15} + 16-byte key half). */
    public static byte[] legacyInitiatorPayload() {
        try (InputStream in = ClientVectors.class.getResourceAsStream("/vectors/dosp-0.2-vectors.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            return HexFormat.of().parseHex(root.get("legacy_handshake").get("initiator_payload_example").asText());
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the reference vectors", e);
        }
    }
}
