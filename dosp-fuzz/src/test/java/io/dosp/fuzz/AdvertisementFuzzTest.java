package io.dosp.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dosp.protocol.Advertisement;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ProtocolException;

/**
 * SD advertisements (spec 9) on hostile bodies.
 *
 * <p>Asserts: only a {@link ProtocolException} with ERR code SDF escapes; a decoded advertisement
 * encodes to a body that decodes to an equal value, and that body is stable (encoding it again
 * gives the same bytes: template spellings such as {@code 7.10.0.{x}} are normalised once).
 */
class AdvertisementFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] body) {
        Advertisement ad;
        try {
            ad = Advertisement.decode(body);
        } catch (ProtocolException e) {
            assertThat(e.errCode()).isEqualTo(ErrCode.SDF);
            return;
        }
        byte[] encoded = ad.encode();
        Advertisement back = Advertisement.decode(encoded);
        assertThat(back).isEqualTo(ad);
        assertThat(back.encode()).isEqualTo(encoded);
    }
}
