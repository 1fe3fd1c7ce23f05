package io.dosp.testkit;

import io.dosp.client.DospClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A loopback server as a JUnit 5 extension: {@link TestServers#start(Path, Consumer)} in a fresh
 * temporary directory before each test (or once for the class when the field is {@code static}),
 * closed after it, together with every client the test opened through {@link #connect()} and
 * {@link #client()}.
 *
 * <pre>{@code
 * @RegisterExtension
 * final LoopbackServer server = LoopbackServer.withConfig(b -> b.maxClients(2));
 *
 * @Test
 * void pingIsEchoed() {
 *     RawClient c = server.connect();
 *     Expect.assertPingRoundTrip(c);
 * }
 * }</pre>
 *
 * <p>Not thread-safe: for tests that run one at a time (JUnit's default).
 */
public final class LoopbackServer implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private final Consumer<ServerConfig.Builder> customizer;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private boolean perClass;
    private Path dir;
    private DospServer server;

    private LoopbackServer(Consumer<ServerConfig.Builder> customizer) {
        this.customizer = customizer;
    }

    /** A server with the defaults of {@link TestServers#config(Path)} and admin token {@link TestServers#TOKEN}. */
    public static LoopbackServer create() {
        return withConfig(b -> { });
    }

    /** A server whose configuration {@code customizer} changes before it starts. */
    public static LoopbackServer withConfig(Consumer<ServerConfig.Builder> customizer) {
        return new LoopbackServer(customizer);
    }

    /** Starts the server once for the class (a {@code static} field). */
    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        startServer();
    }

    /** Starts the server for this test, unless it runs for the whole class. */
    @Override
    public void beforeEach(ExtensionContext context) {
        if (!perClass) {
            startServer();
        }
    }

    /** Closes the clients this test opened and, unless it runs for the whole class, the server. */
    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        closeOpened();
        if (!perClass) {
            stopServer();
        }
    }

    /** Closes the server started for the class. */
    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (perClass) {
            stopServer();
        }
    }

    /** The running server. */
    public DospServer server() {
        if (server == null) {
            throw new IllegalStateException("the server runs only during a test");
        }
        return server;
    }

    /** The server's TCP port. */
    public int port() {
        return server().port();
    }

    /** A raw test client connected to the server (AIP and HSK read), closed after the test. */
    public RawClient connect() {
        RawClient c = RawClient.connect(port());
        opened.add(c);
        return c;
    }

    /** A library client connected to the server ({@link TestServers#options}), closed after the test. */
    public DospClient client() {
        DospClient c = TestServers.client(server());
        opened.add(c);
        return c;
    }

    private void startServer() {
        try {
            dir = Files.createTempDirectory("dosp-test-server");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = TestServers.start(dir, customizer);
    }

    private void closeOpened() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }

    private void stopServer() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            dir = null;
        }
    }
}
