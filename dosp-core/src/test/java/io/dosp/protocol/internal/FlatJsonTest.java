package io.dosp.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.Envelope;
import io.dosp.protocol.Ext;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlatJsonTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void quoteEscapesQuotesBackslashesAndControlCharacters() {
        assertThat(FlatJson.quote("a\"b\\c\nd\u0001\u2028é")).isEqualTo("\"a\\\"b\\\\c\\nd\\u0001\\u2028é\"");
    }

    @Test
    void theErrorObjectIsWrittenAsDocumentedAndReadBack() {
        byte[] e = FlatJson.errorObject("BAD_ARGUMENTS", "not an \"integer\"", "b");
        assertThat(new String(e, StandardCharsets.UTF_8))
                .isEqualTo("{\"code\":\"BAD_ARGUMENTS\",\"message\":\"not an \\\"integer\\\"\",\"field\":\"b\"}");
        assertThat(FlatJson.stringFields(e)).containsExactly(Map.entry("code", "BAD_ARGUMENTS"),
                Map.entry("message", "not an \"integer\""), Map.entry("field", "b"));
        assertThat(new String(FlatJson.errorObject("TIMEOUT", "late", null), StandardCharsets.UTF_8))
                .isEqualTo("{\"code\":\"TIMEOUT\",\"message\":\"late\"}");
    }

    @Test
    void stringFieldsSkipsOtherValuesAndReadsEscapes() {
        assertThat(FlatJson.stringFields(utf8(" { \"n\": -1.5e3, \"o\": {\"x\": [1, {\"y\": null}, true]},"
                + " \"s\": \"\\u00e9\\t/\\/\", \"f\": false } "))).containsExactly(Map.entry("s", "é\t//"));
        assertThat(FlatJson.stringFields(utf8("{}"))).isEmpty();
    }

    @Test
    void stringFieldsRefusesWhatIsNotOneObject() {
        for (String bad : new String[] {"", "[]", "{\"a\":1", "{\"a\" 1}", "{\"a\":1}x", "{\"a\":\"\\q\"}", "{a:1}",
                "{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}", "{\"a\":\"\u0001\"}"}) {
            assertThatThrownBy(() -> FlatJson.stringFields(utf8(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void emptyArraysInJsonAndMessagePack() {
        assertThat(FlatJson.isEmptyArray(Envelope.JSON, utf8(" [ \n] "))).isTrue();
        assertThat(FlatJson.isEmptyArray(Envelope.JSON, utf8("[0]"))).isFalse();
        assertThat(FlatJson.isEmptyArray(Envelope.MSGPACK, new byte[] {(byte) 0x90})).isTrue();
        assertThat(FlatJson.isEmptyArray(Envelope.MSGPACK, new byte[] {(byte) 0x91, 0})).isFalse();
        assertThat(FlatJson.isEmptyArray(Envelope.RAW, utf8("[]"))).isFalse();
    }

    @Test
    void theFunctionsFeatureOwnsKinds0x40To0x4F() {
        assertThat(Ext.featureOf(Ext.FN_CALL)).isEqualTo(Ext.FEATURE_FUNCTIONS);
        assertThat(Ext.featureOf(Ext.FN_REPLY)).isEqualTo(Ext.FEATURE_FUNCTIONS);
        assertThat(Ext.featureOf(0x4F)).isEqualTo(Ext.FEATURE_FUNCTIONS);
        assertThat(Ext.featureOf(0x3F)).isEqualTo(Ext.FEATURE_VOUCH);
        assertThat(Ext.featureOf(0x50)).isEqualTo(Ext.FEATURE_GROUPS); // the next range is the network's
    }
}
