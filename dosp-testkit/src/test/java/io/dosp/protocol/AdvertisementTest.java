package io.dosp.protocol;

import static io.dosp.testkit.Vectors.hex;
import static io.dosp.testkit.Vectors.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.testkit.Vectors;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdvertisementTest {

    private static final JsonNode SD = Vectors.section("sd_advertisement");

    private static List<Advertisement.Entry> vectorEntries() {
        List<Advertisement.Entry> list = new ArrayList<>();
        for (JsonNode e : SD.get("entries")) {
            list.add(new Advertisement.Entry(e.get("host").asText(), e.get("port").asInt(),
                    e.get("ip_template").asText(), e.get("hop_count").asInt()));
        }
        return list;
    }

    @Test
    void vectorDecodesToItsEntries() {
        Advertisement ad = Advertisement.decode(hex(SD, "payload"));
        assertThat(ad.entries()).hasSize(2).containsExactlyElementsOf(vectorEntries());
        Advertisement.Entry first = ad.entries().get(0);
        assertThat(first.host()).isEqualTo("127.0.0.1");
        assertThat(first.port()).isEqualTo(7744);
        assertThat(first.template()).isEqualTo(VipTemplate.parse("7.10.0.x"));
        assertThat(first.hopCount()).isZero();
        Advertisement.Entry second = ad.entries().get(1);
        assertThat(second.host()).isEqualTo("10.0.0.50");
        assertThat(second.port()).isEqualTo(7745);
        assertThat(second.template()).hasToString("66.11.5.x");
        assertThat(second.hopCount()).isEqualTo(1);
    }

    @Test
    void vectorEntriesEncodeToExactPayload() {
        byte[] encoded = new Advertisement(vectorEntries()).encode();
        assertThat(toHex(encoded)).isEqualTo(SD.get("payload").asText());
        // the wire vector is the SD frame: type 0x06, 4-byte length, then this payload
        byte[] wire = hex(SD, "wire");
        ByteBuffer frame = ByteBuffer.allocate(5 + encoded.length);
        frame.put((byte) PacketType.SD.code()).putInt(encoded.length).put(encoded);
        assertThat(toHex(frame.array())).isEqualTo(toHex(wire));
    }

    @Test
    void referenceEmptyAdvertisementDecodes() {
        Advertisement ad = Advertisement.decode(hex("0100"));
        assertThat(ad.entries()).isEmpty();
        assertThat(ad).isEqualTo(Advertisement.EMPTY);
        assertThat(toHex(Advertisement.EMPTY.encode())).isEqualTo("0100");
    }

    @Test
    void roundTripsEdgeValues() {
        String longHost = "h".repeat(255);
        String unicodeHost = "sérveur.example";
        Advertisement ad = Advertisement.of(
                new Advertisement.Entry(longHost, 65535, "10.7.x.x", 255),
                new Advertisement.Entry(unicodeHost, 0, "10.7.128.0/17", 3),
                new Advertisement.Entry("a", 1, VipTemplate.parse("10.{x}.{x}.{x}"), 0));
        byte[] body = ad.encode();
        Advertisement back = Advertisement.decode(body);
        assertThat(back).isEqualTo(ad);
        assertThat(back.entries().get(2).template()).hasToString("10.x.x.x");
        assertThat(new String(body, 2 + 1 + 255 + 2 + 1, 8, StandardCharsets.US_ASCII))
                .isEqualTo("10.7.x.x");
    }

    @Test
    void maxEntriesRoundTrip() {
        List<Advertisement.Entry> many = new ArrayList<>();
        for (int i = 0; i < 255; i++) {
            many.add(new Advertisement.Entry("host" + i, 7744, "10." + i + ".x.x", i % 4));
        }
        Advertisement ad = new Advertisement(many);
        assertThat(Advertisement.decode(ad.encode())).isEqualTo(ad);
        many.add(new Advertisement.Entry("one-too-many", 7744, "11.0.x.x", 0));
        assertThatThrownBy(() -> new Advertisement(many))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256 entries");
    }

    @Test
    void entriesAreImmutable() {
        List<Advertisement.Entry> src = new ArrayList<>(vectorEntries());
        Advertisement ad = new Advertisement(src);
        src.clear();
        assertThat(ad.entries()).hasSize(2);
        assertThatThrownBy(() -> ad.entries().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(ad.entries().get(0).withHopCount(2).hopCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "                                             | too short: 0 byte(s)",
        "01                                           | too short: 1 byte(s)",
        "0200                                         | version 2 is not supported",
        "0000                                         | version 0 is not supported",
        "0101                                         | claims 1 entries but only 0 bytes follow",
        "010100                                       | claims 1 entries",
        "010000                                       | 1 trailing byte(s) after its 0 entries",
        // host_len 0
        "0101 00 1e40 08 372e31302e302e78 00 0000      | entry 1 of 1: host is empty",
        // host_len says 20, only 13 bytes follow
        "0101 14 61 1e40 08 372e31302e302e78 00        | entry 1 of 1 is truncated: host needs 20 byte(s), 13 left",
        // complete template, then nothing for the hop count
        "0101 01 61 1e40 08 372e31302e302e78           | entry 1 of 1 is truncated: hop count needs 1 byte(s), 0 left",
        // template_len runs past the end
        "0101 01 61 1e40 0b 372e31302e302e78 0000      | entry 1 of 1 is truncated: template needs 11 byte(s), 10 left",
        // template_len 0
        "0101 01 61 1e40 00 372e31302e302e78 00        | entry 1 of 1: template is empty",
        // second entry missing (count 2)
        "0102 01 61 1e40 08 372e31302e302e78 00 000000000000000000000000 | entry 2 of 2: host is empty",
        // trailing byte after a complete entry
        "0101 01 61 1e40 08 372e31302e302e78 00 ff     | 1 trailing byte(s) after its 1 entries",
        // template not parseable: 7.10.0.1 (no x)
        "0101 01 61 1e40 08 372e31302e302e31 00        | entry 1 of 1: invalid vIP template '7.10.0.1': no varying part",
        // template with a disallowed byte (space)
        "0101 01 61 1e40 08 372e31302e302020 00        | template byte 6 (0x20) is not one of",
        // template with a newline
        "0101 01 61 1e40 08 0a2e31302e302e78 00        | template byte 0 (0xa)",
        // host with invalid UTF-8
        "0101 02 c328 1e40 08 372e31302e302e78 00      | entry 1 of 1: host is not valid UTF-8",
        // host with a control character
        "0101 02 6107 1e40 08 372e31302e302e78 00      | host contains control character U+0007 at index 1",
        // template with host bits set
        "0101 01 61 1e40 0b 31302e372e312e302f3136 00  | has host bits set",
    })
    void malformedIsSdfProtocolException(String hexText, String expected) {
        byte[] body = hexText == null ? new byte[0] : hex(hexText.replace(" ", ""));
        assertThatThrownBy(() -> Advertisement.decode(body))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(((ProtocolException) e).errCode()).isEqualTo(ErrCode.SDF));
    }

    @Test
    void portZeroIsAccepted() {
        Advertisement ad = Advertisement.decode(hex("01010161000008372e31302e302e7800"));
        assertThat(ad.entries()).singleElement().satisfies(e -> {
            assertThat(e.host()).isEqualTo("a");
            assertThat(e.port()).isZero();
        });
    }

    @Test
    void entryValidationNamesTheBadValue() {
        VipTemplate t = VipTemplate.parse("7.10.0.x");
        assertThatThrownBy(() -> new Advertisement.Entry(null, 1, t, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host: null");
        assertThatThrownBy(() -> new Advertisement.Entry("", 1, t, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host is empty");
        assertThatThrownBy(() -> new Advertisement.Entry("a\nb", 1, t, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control character U+000A");
        assertThatThrownBy(() -> new Advertisement.Entry("é".repeat(128), 1, t, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256 UTF-8 bytes");
        assertThatThrownBy(() -> new Advertisement.Entry("a\uD800b", 1, t, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> new Advertisement.Entry("a", -1, t, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port -1");
        assertThatThrownBy(() -> new Advertisement.Entry("a", 65536, t, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port 65536");
        assertThatThrownBy(() -> new Advertisement.Entry("a", 1, (VipTemplate) null, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("template");
        assertThatThrownBy(() -> new Advertisement.Entry("a", 1, "7.10.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'7.10.0.1'");
        assertThatThrownBy(() -> new Advertisement.Entry("a", 1, t, 256))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hop count 256");
        assertThatThrownBy(() -> new Advertisement.Entry("a", 1, t, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hop count -1");
        assertThatThrownBy(() -> new Advertisement(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> new Advertisement(Collections.singletonList(null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry 1 is null");
    }

    @Test
    void fuzzedInputOnlyEverThrowsProtocolException() {
        Random rnd = new Random(0x5D5D);
        byte[] valid = hex(SD, "payload");
        byte[] big = new Advertisement(List.of(
                new Advertisement.Entry("peer.example", 7744, "10.7.x.x", 0),
                new Advertisement.Entry("10.0.0.9", 7745, "10.8.0.0/17", 2),
                new Advertisement.Entry("x", 1, "7.10.0.x", 1))).encode();
        byte[][] seeds = {valid, big, hex("0100")};
        int decoded = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] input;
            if (i % 5 == 0) {
                input = new byte[rnd.nextInt(64)];
                rnd.nextBytes(input);
                if (input.length > 0 && rnd.nextBoolean()) {
                    input[0] = 1;
                }
            } else {
                input = mutate(seeds[rnd.nextInt(seeds.length)], rnd);
            }
            try {
                Advertisement ad = Advertisement.decode(input);
                decoded++;
                // whatever decodes must re-encode and decode to the same value
                assertThat(Advertisement.decode(ad.encode())).isEqualTo(ad);
            } catch (ProtocolException e) {
                assertThat(e.errCode()).isEqualTo(ErrCode.SDF);
                assertThat(e.getMessage()).isNotBlank();
            } catch (RuntimeException e) {
                fail("input " + toHex(input) + " threw " + e, e);
            }
        }
        assertThat(decoded).as("some mutations stay valid").isPositive();
    }

    private static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> { // flip a few bytes
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
            }
            case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
            case 2 -> { // append garbage
                byte[] extra = new byte[1 + rnd.nextInt(8)];
                rnd.nextBytes(extra);
                byte[] c = Arrays.copyOf(b, b.length + extra.length);
                System.arraycopy(extra, 0, c, b.length, extra.length);
                b = c;
            }
            case 3 -> b[1] = (byte) rnd.nextInt(256); // lie about the count
            default -> { // change a digit of a template/host to another printable char
                int p = rnd.nextInt(b.length);
                b[p] = (byte) (0x20 + rnd.nextInt(0x5f));
            }
        }
        return b;
    }
}
