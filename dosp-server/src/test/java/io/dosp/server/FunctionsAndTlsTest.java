package io.dosp.server;

import static io.dosp.server.ConfigErrors.fieldOf;
import static org.assertj.core.api.Assertions.assertThat;

import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class FunctionsAndTlsTest {

    @Test
    void functionDefaultsRulesAndRoundTrip() {
        assertThat(Functions.defaults().threads()).isEqualTo(Functions.DEFAULT_THREADS).isEqualTo(4);
        assertThat(Functions.defaults().queue()).isEqualTo(Functions.DEFAULT_QUEUE).isEqualTo(1024);
        assertThat(fieldOf(() -> Functions.builder().threads(0).build())).isEqualTo("functions.threads");
        assertThat(fieldOf(() -> Functions.builder().queue(-1).build())).isEqualTo("functions.queue");
        Functions f = Functions.builder().threads(2).queue(0).build();
        assertThat(f.toBuilder().build()).usingRecursiveComparison().isEqualTo(f);
    }

    @Test
    void tlsIsOffByDefaultAndOnWithAContext() throws Exception {
        assertThat(Tls.builder().build()).isSameAs(Tls.DISABLED);
        assertThat(Tls.DISABLED.enabled()).isFalse();
        assertThat(Tls.DISABLED.context()).isNull();
        assertThat(Tls.of(null)).isSameAs(Tls.DISABLED);
        SSLContext context = SSLContext.getDefault();
        Tls tls = Tls.of(context);
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.context()).isSameAs(context);
        assertThat(tls.toBuilder().build().context()).isSameAs(context);
        assertThat(Tls.builder().context(context).build().context()).isSameAs(context);
    }
}
