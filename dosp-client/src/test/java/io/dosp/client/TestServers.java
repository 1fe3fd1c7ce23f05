package io.dosp.client;

import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.nio.file.Path;

/** Real servers on ephemeral ports for client tests. */
final class TestServers {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";

    private TestServers() {
    }

    static ServerConfig.Builder config(Path tmp) {
        return ServerConfig.builder().host("127.0.0.1").port(0).access(a -> a.adminToken(TOKEN).adminTokenFile(tmp.resolve("token")));
    }

    static DospServer start(Path tmp) {
        return DospServer.start(config(tmp).build());
    }

    static ClientOptions.Builder options(DospServer server) {
        return ClientOptions.builder().server("127.0.0.1", server.port()).machineHash("ab".repeat(32));
    }

    static DospClient client(DospServer server) {
        return DospClient.connect(options(server).build());
    }
}
