package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VipTemplateTest {

    @ParameterizedTest
    @CsvSource({
        "7.10.0.x,        7.10.0.0,   24, 7.10.0.x",
        "7.10.0.{x},      7.10.0.0,   24, 7.10.0.x",
        "' 7.10.0.x ',    7.10.0.0,   24, 7.10.0.x",
        "10.7.x.x,        10.7.0.0,   16, 10.7.x.x",
        "10.7.{x}.{x},    10.7.0.0,   16, 10.7.x.x",
        "10.{x}.{x}.{x},  10.0.0.0,    8, 10.x.x.x",
        "10.x.x.x,        10.0.0.0,    8, 10.x.x.x",
        "10.7.0.0/16,     10.7.0.0,   16, 10.7.x.x",
        "7.10.0.0/24,     7.10.0.0,   24, 7.10.0.x",
        "10.7.128.0/17,   10.7.128.0, 17, 10.7.128.0/17",
        "10.0.0.0/8,      10.0.0.0,    8, 10.x.x.x",
        "192.168.1.252/30, 192.168.1.252, 30, 192.168.1.252/30",
        "0.0.0.x,         0.0.0.0,    24, 0.0.0.x",
    })
    void parsesAcceptedForms(String text, String base, int prefix, String canonical) {
        VipTemplate t = VipTemplate.parse(text);
        assertThat(t.base()).isEqualTo(Vip.parse(base));
        assertThat(t.prefixLength()).isEqualTo(prefix);
        assertThat(t).hasToString(canonical);
        assertThat(VipTemplate.parse(t.toString())).isEqualTo(t);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                | empty",
        "'   '             | empty",
        "7.10.x            | expected four dotted parts, got 3",
        "7.10.0.0.x        | expected four dotted parts, got 5",
        "7..0.x            | empty part",
        "7.10.0.            | empty part",
        "7.256.0.x         | part '256' is greater than 255",
        "7.1a.0.x          | part '1a' is neither a number",
        "7.-1.0.x          | part '-1' is neither a number",
        "7.10.0.X          | part 'X' is neither a number",
        "7.10.0.{y}        | part '{y}' is neither a number",
        "10.x.0.x          | part 3 ('0') follows a varying part; only the trailing parts may vary",
        "x.10.0.1          | part 2 ('10') follows a varying part",
        "7.10.0.1          | no varying part; a plain address is not a template",
        "x.x.x.x           | all four parts vary",
        "10.7.0.0/7        | prefix length 7 is not in 8..30",
        "10.7.0.0/31       | prefix length 31 is not in 8..30",
        "10.7.0.0/32       | prefix length 32 is not in 8..30",
        "10.7.0.0/         | prefix length '' is not a number",
        "10.7.0.0/1x       | prefix length '1x' is not a number",
        "10.7.0.0/100      | prefix length '100' is not a number",
        "10.7.1.0/16       | base address 10.7.1.0 has host bits set for a /16 (did you mean 10.7.0.0/16?)",
        "10.7.128.0/16     | has host bits set",
        "10.7.x.0/16       | use either 'x' parts or a /prefix, not both",
        "10.7.0/16         | expected four dotted parts, got 3",
    })
    void rejectsBadFormsWithClearMessage(String text, String expected) {
        assertThatThrownBy(() -> VipTemplate.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining(expected);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> VipTemplate.parse(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> VipTemplate.of(null, 24))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
    }

    @Test
    void ofChecksPrefixAndHostBits() {
        assertThat(VipTemplate.of(Vip.of(10, 7, 0, 0), 16)).isEqualTo(VipTemplate.parse("10.7.x.x"));
        assertThatThrownBy(() -> VipTemplate.of(Vip.of(10, 7, 0, 1), 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host bits");
        assertThatThrownBy(() -> VipTemplate.of(Vip.of(10, 0, 0, 0), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix length 4");
    }

    @Test
    void cidrAndXFormsAreEqual() {
        VipTemplate cidr = VipTemplate.parse("10.7.0.0/16");
        VipTemplate x = VipTemplate.parse("10.7.x.x");
        assertThat(cidr).isEqualTo(x).hasSameHashCodeAs(x);
        assertThat(VipTemplate.parse("7.10.0.x")).isNotEqualTo(VipTemplate.parse("7.10.1.x"));
        assertThat(VipTemplate.parse("10.0.0.0/8")).isNotEqualTo(VipTemplate.parse("10.0.0.0/9"));
    }

    @Test
    void defaultTemplateMatchesReference() {
        VipTemplate t = VipTemplate.parse("7.10.0.x");
        assertThat(t.serverVip()).isEqualTo(Vip.of(7, 10, 0, 1));
        assertThat(t.broadcastVip()).isEqualTo(Vip.of(7, 10, 0, 255));
        assertThat(t.capacity()).isEqualTo(253);
        assertThat(t.size()).isEqualTo(256);
        for (int d = 0; d <= 255; d++) {
            Vip v = Vip.of(7, 10, 0, d);
            assertThat(t.contains(v)).isTrue();
            assertThat(t.isAssignable(v)).as("%s", v).isEqualTo(d >= 2 && d <= 254);
        }
        assertThat(t.contains(Vip.of(7, 10, 1, 2))).isFalse();
        assertThat(t.contains(Vip.of(8, 10, 0, 2))).isFalse();
        assertThat(t.contains(null)).isFalse();
        assertThat(t.isAssignable(Vip.of(7, 10, 1, 2))).isFalse();
        assertThat(t.isAssignable(null)).isFalse();
    }

    @Test
    void wideTemplateExcludesDotZeroDot255AndServer() {
        VipTemplate t = VipTemplate.parse("10.7.x.x");
        assertThat(t.serverVip()).isEqualTo(Vip.of(10, 7, 0, 1));
        assertThat(t.isAssignable(Vip.of(10, 7, 0, 0))).isFalse();
        assertThat(t.isAssignable(Vip.of(10, 7, 0, 1))).isFalse();
        assertThat(t.isAssignable(Vip.of(10, 7, 0, 2))).isTrue();
        assertThat(t.isAssignable(Vip.of(10, 7, 0, 255))).isFalse();
        assertThat(t.isAssignable(Vip.of(10, 7, 1, 0))).isFalse();
        assertThat(t.isAssignable(Vip.of(10, 7, 1, 1))).isTrue();
        assertThat(t.isAssignable(Vip.of(10, 7, 200, 255))).isFalse();
        assertThat(t.isAssignable(Vip.of(10, 7, 255, 254))).isTrue();
        assertThat(t.isAssignable(Vip.of(10, 7, 255, 255))).isFalse();
        assertThat(t.contains(Vip.of(10, 8, 0, 2))).isFalse();
        assertThat(t.capacity()).isEqualTo(256 * 254 - 1);
    }

    @ParameterizedTest
    @CsvSource({"7.10.0.x", "10.7.x.x", "10.7.128.0/17", "10.7.0.0/20", "10.7.0.128/25", "10.7.0.0/25",
        "10.7.0.252/30", "10.7.0.0/30", "172.16.0.0/12"})
    void capacityMatchesBruteForceCount(String text) {
        VipTemplate t = VipTemplate.parse(text);
        long n = 0;
        int base = t.base().value();
        for (int i = 0; i < t.size(); i++) {
            if (t.isAssignable(new Vip(base + i))) {
                n++;
            }
        }
        assertThat(t.capacity()).isEqualTo(n).isPositive();
        assertThat(t.contains(new Vip(base - 1))).isFalse();
        assertThat(t.contains(new Vip(base + t.size()))).isFalse();
    }

    @Test
    void slash8CapacityAndHighAddresses() {
        VipTemplate t = VipTemplate.parse("200.x.x.x");
        assertThat(t.capacity()).isEqualTo(65536 * 254 - 1);
        assertThat(t.contains(Vip.of(200, 255, 255, 254))).isTrue();
        assertThat(t.isAssignable(Vip.of(200, 255, 255, 254))).isTrue();
        assertThat(t.contains(Vip.of(201, 0, 0, 2))).isFalse();
        assertThat(t.broadcastVip()).isEqualTo(Vip.of(200, 255, 255, 255));
    }

    @Test
    void unassignableReasonNamesTheRule() {
        VipTemplate t = VipTemplate.parse("10.7.x.x");
        assertThat(t.unassignableReason(Vip.of(10, 7, 3, 4))).isNull();
        assertThat(t.unassignableReason(Vip.of(10, 8, 0, 2))).contains("outside template 10.7.x.x");
        assertThat(t.unassignableReason(Vip.of(10, 7, 0, 0))).contains("network address");
        assertThat(t.unassignableReason(Vip.of(10, 7, 0, 1))).contains("server's own address");
        assertThat(t.unassignableReason(Vip.of(10, 7, 255, 255))).contains("broadcast address");
        assertThat(t.unassignableReason(Vip.of(10, 7, 3, 0))).contains("ends in .0");
        assertThat(t.unassignableReason(Vip.of(10, 7, 3, 255))).contains("ends in .255");
    }
}
