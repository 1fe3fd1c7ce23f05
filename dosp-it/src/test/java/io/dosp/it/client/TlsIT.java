package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.client.HandshakeException;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS between our client and our server, with a certificate made by the JDK's keytool for this test. */
class TlsIT {
    private static final char[] PASS = "changeit".toCharArray();

    @TempDir
    static Path keys;

    static SSLContext serverContext;
    static SSLContext clientContext;
    static SSLContext untrustingContext;

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path ks = keys.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "dosp", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASS);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASS);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);
        untrustingContext = SSLContext.getInstance("TLS");
        untrustingContext.init(null, null, null); // the JDK's default trust store: our certificate is not in it
    }

    @Test
    void clientsTalkOverTls() {
        try (DospServer server = DospServer.start(TestServers.config(keys).tls(t -> t.context(serverContext)).build());
             DospClient a = DospClient.connect(TestServers.options(server).tls(t -> t.context(clientContext)).build());
             DospClient b = DospClient.connect(TestServers.options(server).tls(t -> t.context(clientContext)).build())) {
            a.openTunnel(b.vip());
            a.send(b.vip(), "over TLS and a tunnel");
            assertThat(b.receive(Duration.ofSeconds(5)).text()).isEqualTo("over TLS and a tunnel");
            assertThat(a.clients()).contains(a.vip(), b.vip());
        }
    }

    @Test
    void anUntrustedCertificateFailsTheHandshakeClearly() {
        try (DospServer server = DospServer.start(TestServers.config(keys).tls(t -> t.context(serverContext)).build())) {
            assertThatThrownBy(() -> DospClient.connect(TestServers.options(server).tls(t -> t.context(untrustingContext)).build()))
                    .isInstanceOf(HandshakeException.class).hasMessageContaining("TLS handshake")
                    .hasMessageContaining("127.0.0.1:" + server.port());
        }
    }

    @Test
    void aPlainClientCannotTalkToATlsServer() {
        try (DospServer server = DospServer.start(TestServers.config(keys).tls(t -> t.context(serverContext)).build())) {
            assertThatThrownBy(() -> DospClient.connect(TestServers.options(server)
                    .handshakeTimeout(Duration.ofSeconds(2)).build())).isInstanceOf(DospClientException.class);
        }
    }
}
