package io.dosp.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerStartException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code dosp serve}: runs a server until SIGINT or SIGTERM, then stops it cleanly (EXIT to every
 * client) and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a DoSP server.", "Without options: 0.0.0.0:7744, template 7.10.0.x, no compression."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--host", paramLabel = "HOST", description = "Listen address (default: ${DEFAULT-VALUE}).")
    String host = ServerConfig.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "PORT", description = "Listen port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--ip-template", paramLabel = "TEMPLATE",
            description = "vIP template: 7.10.0.x, 10.7.x.x or CIDR like 10.7.0.0/16 (default: ${DEFAULT-VALUE}).")
    String template = ServerConfig.DEFAULT_TEMPLATE;

    @Option(names = "--compression", description = "Compress every frame after the handshake (zlib).")
    boolean compression;

    @Option(names = "--max-clients", paramLabel = "N", description = "Connection limit (default: ${DEFAULT-VALUE}).")
    int maxClients = ServerConfig.DEFAULT_MAX_CLIENTS;

    @Option(names = "--max-packet-size", paramLabel = "BYTES",
            description = "Largest frame body accepted, checked from the header (default: ${DEFAULT-VALUE}).")
    int maxPacketSize = ServerConfig.DEFAULT_MAX_FRAME_SIZE;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "Close clients silent for this long; 0 disables (default: ${DEFAULT-VALUE}).")
    long idleTimeoutSeconds = ServerConfig.DEFAULT_IDLE_TIMEOUT.toSeconds();

    @Option(names = "--admin-token-file", paramLabel = "PATH",
            description = "Where a generated admin token is written (default: ${DEFAULT-VALUE}).")
    Path adminTokenFile = ServerConfig.DEFAULT_ADMIN_TOKEN_FILE;

    @Option(names = "--allow-local", description = "Also accept in-process clients (Netty local transport).")
    boolean allowLocal;

    @Option(names = "--debug", description = "Log at DEBUG level.")
    boolean debug;

    @Override
    public Integer call() {
        if (debug) {
            ((Logger) LoggerFactory.getLogger("io.dosp")).setLevel(Level.DEBUG);
        }
        ServerConfig config;
        try {
            config = ServerConfig.builder().host(host).port(port).template(template).compression(compression)
                    .maxClients(maxClients).maxFrameSize(maxPacketSize).idleTimeout(Duration.ofSeconds(idleTimeoutSeconds))
                    .adminTokenFile(adminTokenFile).localTransport(allowLocal, ServerConfig.DEFAULT_LOCAL_NAME).build();
        } catch (IllegalArgumentException e) {
            System.err.println("dosp serve: invalid configuration: " + e.getMessage());
            return 2;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        DospServer server;
        try {
            server = DospServer.start(config);
        } catch (ServerStartException e) {
            System.err.println("dosp serve: " + e.getMessage());
            return 1;
        }
        System.out.println("DoSP server listening on " + config.host() + ":" + server.port()
                + ", vIP template " + config.template() + " (server vIP " + config.template().serverVip() + ")");
        server.adminTokenFile().ifPresent(p -> System.out.println("Admin token: " + p));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println("Stopping: sending EXIT to every client");
        server.close();
        return 0;
    }
}
