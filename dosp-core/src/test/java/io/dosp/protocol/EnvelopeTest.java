package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The envelope against docs/envelope-vectors.json (the vectors dosp.js checks too) and its refusals. */
class EnvelopeTest {
    private static final HexFormat HEX = HexFormat.of();

    /** One vector's fields, read with a regex: core has no JSON library and the file's shape is fixed. */
    private record Vector(String description, int kind, int flags, long id, String name, int contentType,
                          String bodyHex, String hex) {
    }

    private static String vectorsFile() throws IOException {
        return Files.readString(Path.of("..", "docs", "envelope-vectors.json"));
    }

    private static List<Vector> valid() throws IOException {
        String json = vectorsFile();
        String validPart = json.substring(json.indexOf("\"valid\""), json.indexOf("\"invalid\""));
        Matcher m = Pattern.compile("\\{\\s*\"description\": \"([^\"]*)\",\\s*\"kind\": (\\d+),\\s*\"flags\": (\\d+),"
                + "\\s*\"id\": (\\d+),\\s*\"name\": \"([^\"]*)\",\\s*\"contentType\": (\\d+),\\s*\"bodyHex\": \"([0-9a-f]*)\","
                + "\\s*\"hex\": \"([0-9a-f]*)\"\\s*}").matcher(validPart);
        List<Vector> out = new ArrayList<>();
        while (m.find()) {
            out.add(new Vector(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Long.parseLong(m.group(4)), unescape(m.group(5)), Integer.parseInt(m.group(6)), m.group(7), m.group(8)));
        }
        return out;
    }

    private static String unescape(String s) {
        Matcher m = Pattern.compile("\\\\u([0-9a-fA-F]{4})").matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, String.valueOf((char) Integer.parseInt(m.group(1), 16)));
        }
        return m.appendTail(b).toString();
    }

    @Test
    void everyValidVectorEncodesToItsBytesAndDecodesBack() throws Exception {
        List<Vector> vectors = valid();
        assertThat(vectors).hasSize(11);
        for (Vector v : vectors) {
            Envelope e = new Envelope(v.kind(), v.flags(), v.id(), v.name(), v.contentType(), HEX.parseHex(v.bodyHex()));
            assertThat(HEX.formatHex(e.encode())).as(v.description()).isEqualTo(v.hex());
            Envelope back = Envelope.decode(HEX.parseHex(v.hex()));
            assertThat(back).as(v.description()).isEqualTo(e);
            assertThat(Envelope.isEnvelope(HEX.parseHex(v.hex()))).isTrue();
            assertThat(back.isReply()).isEqualTo((v.flags() & Envelope.FLAG_REPLY) != 0);
        }
    }

    @Test
    void everyInvalidVectorIsRefusedWithAReason() throws Exception {
        String json = vectorsFile();
        Matcher m = Pattern.compile("\\{\\s*\"description\": \"([^\"]*)\",\\s*\"hex\": \"([0-9a-f]*)\"\\s*}")
                .matcher(json.substring(json.indexOf("\"invalid\"")));
        int count = 0;
        while (m.find()) {
            byte[] bytes = HEX.parseHex(m.group(2));
            assertThatThrownBy(() -> Envelope.decode(bytes)).as(m.group(1))
                    .isInstanceOf(Envelope.MalformedEnvelopeException.class).hasMessageContaining("envelope");
            count++;
        }
        assertThat(count).isEqualTo(9);
    }

    @Test
    void theFirstByteIsNeverTheTunnelMarker() {
        assertThat(Envelope.MAGIC).isNotEqualTo(0x15);
        assertThat(Envelope.isEnvelope(new byte[] {0x15, 1, 2})).isFalse();
        assertThat(Envelope.isEnvelope(new byte[0])).isFalse();
    }

    @Test
    void fieldsOutOfRangeAreRefusedWhenBuilding() {
        assertThatThrownBy(() -> new Envelope(0, 0, 0, "", 0, null)).hasMessageContaining("kind");
        assertThatThrownBy(() -> new Envelope(1, 2, 0, "", 0, null)).hasMessageContaining("flags");
        assertThatThrownBy(() -> new Envelope(1, 0, -1, "", 0, null)).hasMessageContaining("id");
        assertThatThrownBy(() -> new Envelope(1, 0, 1L << 32, "", 0, null)).hasMessageContaining("id");
        assertThatThrownBy(() -> new Envelope(1, 0, 0, "x".repeat(256), 0, null)).hasMessageContaining("name");
        assertThatThrownBy(() -> new Envelope(1, 0, 0, "", 256, null)).hasMessageContaining("content type");
    }

    @Test
    void theBodyIsCopiedInAndOut() {
        byte[] body = {1, 2, 3};
        Envelope e = new Envelope(Envelope.MESSAGE, 0, 0, "n", Envelope.RAW, body);
        body[0] = 9;
        assertThat(e.body()[0]).isEqualTo((byte) 1);
        e.body()[1] = 9;
        assertThat(e.bodyBytes()[1]).isEqualTo((byte) 2);
        assertThat(e.bodyLength()).isEqualTo(3);
    }
}
