package io.dosp.cli;

import ch.qos.logback.classic.Level;
import io.dosp.cli.config.ValueTypes;
import io.dosp.client.ClientOptions;
import io.dosp.client.ConnectFailedException;
import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.client.KnownPeers;
import io.dosp.client.TrustMode;
import io.dosp.crypto.IdentityFileException;
import io.dosp.client.LoginRequiredException;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.Vip;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dosp client}: an interactive line client that also works with piped standard input. */
@Command(name = "client", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        versionProvider = VersionCommand.Provider.class,
        description = {"Connect to a DoSP server as a client: it prints the vIP it got, then reads commands, one per line,"
                + " from the terminal or a pipe, and prints incoming messages with their source vIP and whether they"
                + " came through a tunnel.", "", ClientShell.HELP, ""},
        footer = {"", "Examples:",
            "  dosp client                             connect to 127.0.0.1:7744",
            "  dosp client chat.example.org:7744 --vip 7.10.0.50",
            "  dosp client --host chat.example.org --port 7744   the Python CLI's flags",
            "  dosp client --heartbeat 30s             PING every 30 s (0: never)",
            "  dosp client --user alice                log in (client admission); asks for the password",
            "  echo '/send 7.10.0.3 hello' | dosp client",
            "  dosp client --trust strict              tunnels only with pinned peers (/trust)",
            "  dosp client 127.0.0.1:7744 --fallback 127.0.0.1:7745,127.0.0.1:7746",
            "                                          reconnect to another cluster node when this one is lost",
            "",
            "Exit codes: 0 done; 1 could not connect, the server ended the",
            "connection, or (with piped input) a command failed or the server",
            "answered an error; 2 bad usage."})
public final class ClientCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST:PORT|URL", defaultValue = "${env:DOSP_SERVER:-127.0.0.1:7744}",
            description = "The server: HOST:PORT over TCP, or ws://HOST:PORT/ (wss:// over TLS) over WebSocket"
                    + " (default: ${DEFAULT-VALUE}; $DOSP_SERVER sets another default).")
    String server;

    @Mixin
    ServerAddress address;

    @Option(names = "--vip", paramLabel = "VIP", description = "Ask for this vIP after connecting (RQIP); when it is"
            + " refused the client keeps the one it was given and says so.")
    String vip;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long requests (/list, /ping, /call, /info, /tunnel) wait for an answer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "20s", converter = IntervalConverter.class,
            description = "Send a PING this often, so that a client that only receives is not closed by the server's"
                    + " idle timeout (5 minutes on ours, 30 s on the Python reference); after 3 unanswered PINGs the connection counts as dead."
                    + " 0 turns it off (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--identity", paramLabel = "FILE",
            defaultValue = "${env:DOSP_IDENTITY:-${sys:user.home}/.dosp/identity}",
            description = "This client's tunnel identity (an Ed25519 key pair, PEM), created on first use with owner-only"
                    + " permissions; its fingerprint is what peers pin (/id prints it). Default: ${DEFAULT-VALUE}"
                    + " ($DOSP_IDENTITY sets another).")
    Path identity;

    @Option(names = "--known-peers", paramLabel = "FILE",
            defaultValue = "${env:DOSP_KNOWN_PEERS:-${sys:user.home}/.dosp/known_peers}",
            description = "Pinned peer identities, one 'SERVER VIP FINGERPRINT' per line, as SSH's known_hosts."
                    + " Default: ${DEFAULT-VALUE} ($DOSP_KNOWN_PEERS sets another).")
    Path knownPeers;

    @Option(names = "--trust", paramLabel = "MODE", defaultValue = "tofu", converter = TrustConverter.class,
            description = "How peer identities are trusted: tofu (the first identity seen for a vIP on a server is pinned,"
                    + " another one later is refused), strict (only pinned ones: /trust VIP FINGERPRINT), off (no checks)."
                    + " Default: ${DEFAULT-VALUE}.")
    TrustMode trust;
    @Option(names = "--user", paramLabel = "NAME", description = "Log in as this user (servers with client admission):"
            + " the password comes from --password-file, $DOSP_PASSWORD, or the terminal; it never crosses the wire.")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "Read the --user password (or bearer token)"
            + " from the first line of this file.")
    java.nio.file.Path passwordFile;

    @Option(names = "--files", paramLabel = "DIR", description = "Save the files peers send (/sendfile) into DIR:"
            + " safe names only (no paths, no hidden files), never overwriting (a.bin, a-1.bin, ...), at most"
            + " --max-file-size each. Without it, files sent to this client are refused.")
    Path files;

    @Option(names = "--max-file-size", paramLabel = "SIZE", defaultValue = "1GiB", converter = SizeConverter.class,
            description = "The largest file --files saves (bytes, or with K/M/G; default: ${DEFAULT-VALUE}).")
    long maxFileSize;

    @Option(names = "--reconnect", description = "When the connection is lost (the server stops, the network"
            + " breaks), print a line on stderr and reconnect, with backoff, asking for the same vIP again; on a"
            + " cluster a client of this project gets its vIP back with its resume secret. Without it a lost"
            + " connection ends the client.")
    boolean reconnect;

    @Option(names = "--fallback", paramLabel = "HOST:PORT[,HOST:PORT...]", 
            description = "Further servers to try, in turn, after the lost one when reconnecting: the other nodes of"
                    + " a cluster, or other servers (implies --reconnect; IPv6 hosts in brackets). May be repeated.")
    java.util.List<String> fallback = new java.util.ArrayList<>();

    @Mixin
    LoggingOptions logging;

    @Override
    public Integer call() {
        logging.apply(Level.WARN);
        ClientOptions options;
        try {
            KnownPeers pins = KnownPeers.file(knownPeers);
            ClientOptions.Builder b = ClientOptions.builder().server(address.resolve(server)).requestTimeout(timeout)
                    .tunnelTimeout(timeout).heartbeat(h -> h.interval(heartbeat))
                    .identity(i -> i.identityFile(identity).knownPeers(pins).mode(trust));
            if (vip != null) {
                b.requestVip(Vip.parse(vip), false);
            }
            java.util.List<String> fallbacks = fallbacks();
            if (reconnect || !fallbacks.isEmpty()) {
                b.reconnect(r -> r.enabled(true)).fallbackServers(fallbacks);
            }
            if (user != null) {
                char[] password = Passwords.forLogin(user, passwordFile, System.getenv());
                try {
                    b.login(user, password);
                } finally {
                    java.util.Arrays.fill(password, '\0');
                }
            }
            options = b.build();
        } catch (Passwords.MissingPasswordException e) {
            System.err.println("dosp client: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (InvalidConfigException | IllegalArgumentException | UncheckedIOException e) {
            System.err.println("dosp client: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        DospClient client;
        try {
            client = DospClient.connect(options);
        } catch (ConnectFailedException e) {
            System.err.println("dosp client: " + e.getMessage());
            System.err.println("  Is a server running there? Start one with: " + Main.selfCommand() + " serve");
            return Main.EXIT_FAILURE;
        } catch (LoginRequiredException e) {
            System.err.println("dosp client: " + IncomingFormatter.safe(e.getMessage()));
            System.err.println("  Log in with --user NAME (password from --password-file, $DOSP_PASSWORD or the terminal).");
            return Main.EXIT_FAILURE;
        } catch (DospClientException | IdentityFileException e) {
            System.err.println("dosp client: " + IncomingFormatter.safe(e.getMessage()));
            return Main.EXIT_FAILURE;
        }
        boolean interactive = System.console() != null;
        System.out.println("Connected to " + client.server() + " as " + client.vip()
                + client.loginUser().map(u -> ", logged in as " + IncomingFormatter.safe(u)).orElse("")
                + " (compression " + (client.compression() ? "on" : "off") + ").");
        System.out.println("Tunnel identity " + client.fingerprint() + " (" + identity + "); peers trusted: "
                + trust.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ".");
        if (vip != null && !client.vip().equals(Vip.parse(vip))) {
            System.out.println("The server refused vIP " + vip + "; keeping " + client.vip() + ".");
        }
        if (interactive) {
            System.out.println("Type /help for commands, /exit to leave.");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(client::close, "dosp-client-exit"));
        ClientShell shell = new ClientShell(client, System.out, System.err, interactive); // listens from here on
        if (options.reconnect().enabled()) {
            System.out.println("Reconnecting when the connection is lost"
                    + (options.fallbackServers().isEmpty() ? "" : " (then trying " + String.join(", ",
                    options.fallbackServers()) + ")") + ".");
        }
        if (files != null) {
            shell.saveFilesInto(files, maxFileSize);
            System.out.println("Saving files peers send into " + files.toAbsolutePath().normalize() + ".");
        }
        return shell.run(System.in);
    }

    /** The {@code --fallback} servers in the order given, each once; IllegalArgumentException names a bad one. */
    java.util.List<String> fallbacks() {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        fallback.forEach(v -> all.addAll(parseFallbacks(v)));
        return java.util.List.copyOf(all);
    }

    /** Splits and checks one {@code --fallback} value ({@code HOST:PORT[,HOST:PORT...]}); throws naming the bad part. */
    static java.util.List<String> parseFallbacks(String value) {
        java.util.List<String> servers = new java.util.ArrayList<>();
        for (String part : value.split(",", -1)) {
            String s = part.strip();
            if (s.isEmpty()) {
                throw new IllegalArgumentException("--fallback: '" + IncomingFormatter.safe(value)
                        + "' has an empty server: give HOST:PORT[,HOST:PORT...]");
            }
            if (!validHostPort(s)) {
                throw new IllegalArgumentException("--fallback: '" + IncomingFormatter.safe(s)
                        + "' is not HOST:PORT (port 1..65535, IPv6 hosts in brackets: [::1]:7744)");
            }
            servers.add(s);
        }
        return servers;
    }

    private static boolean validHostPort(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return false;
        }
        String host = s.substring(0, colon);
        String port = s.substring(colon + 1);
        if (!port.chars().allMatch(c -> c >= '0' && c <= '9') || port.length() > 5) {
            return false;
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            return false;
        }
        if (host.startsWith("[")) {
            return host.endsWith("]") && host.length() > 2 && host.substring(1, host.length() - 1).matches("[0-9A-Fa-f:.%a-zA-Z]+");
        }
        return host.matches("[A-Za-z0-9._-]+");
    }

    /** {@code tofu}, {@code strict} or {@code off}. */
    static final class TrustConverter implements ITypeConverter<TrustMode> {
        @Override
        public TrustMode convert(String value) {
            return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "tofu", "trust_on_first_use", "trust-on-first-use" -> TrustMode.TRUST_ON_FIRST_USE;
                case "strict" -> TrustMode.STRICT;
                case "off" -> TrustMode.OFF;
                default -> throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a trust mode: tofu, strict or off");
            };
        }
    }

    /** Like {@link DurationConverter}, and {@code 0} means off. */
    static final class IntervalConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return ValueTypes.duration(true).parse(value);
        }
    }

    /** Durations as the config file writes them: {@code 10}, {@code 10s}, {@code 500ms}, {@code 1m}. */
    /** A byte count ({@code 1GiB}, {@code 500M}, {@code 4096}). */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return ValueTypes.longSize(0, Long.MAX_VALUE).parse(value);
        }
    }

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return ValueTypes.duration(false).parse(value);
        }
    }
}
