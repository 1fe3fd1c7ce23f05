package io.dosp.cli;

import io.dosp.client.ClientOptions;
import picocli.CommandLine.Option;

/**
 * {@code --host} and {@code --port} for {@code client} and {@code admin} ({@code @Mixin}): the Python
 * CLI's way to name the server, beside the {@code HOST:PORT} argument. Either flag replaces that part
 * of the argument (or of its default); {@code 0.0.0.0} means this machine, as the Python client takes it.
 */
public final class ServerAddress {
    @Option(names = "--host", paramLabel = "HOST", description = "The server's host (the Python CLI's flag; replaces"
            + " the host of HOST:PORT). 0.0.0.0 means this machine.")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "The server's port (the Python CLI's flag; replaces"
            + " the port of HOST:PORT).")
    Integer port;

    /** {@code hostPort} with the host and port flags applied. */
    String resolve(String hostPort) {
        if (host == null && port == null) {
            return hostPort;
        }
        int colon = hostPort.lastIndexOf(':');
        boolean bracketed = hostPort.startsWith("[") && hostPort.indexOf(']') > colon;
        String h = colon < 0 || bracketed ? hostPort : hostPort.substring(0, colon);
        String p = colon < 0 || bracketed ? String.valueOf(ClientOptions.DEFAULT_PORT) : hostPort.substring(colon + 1);
        if (host != null) {
            String given = host.strip();
            h = given.equals("0.0.0.0") || given.equals("::") ? "127.0.0.1"
                    : given.contains(":") && !given.startsWith("[") ? "[" + given + "]" : given;
        }
        if (port != null) {
            p = Integer.toString(port);
        }
        return h + ":" + p;
    }
}
