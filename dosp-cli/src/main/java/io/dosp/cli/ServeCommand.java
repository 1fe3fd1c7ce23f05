package io.dosp.cli;

import ch.qos.logback.classic.Level;
import io.dosp.cli.config.ConfigException;
import io.dosp.cli.config.ConfigLayer;
import io.dosp.cli.config.LogLevel;
import io.dosp.cli.config.Origin;
import io.dosp.protocol.PeerSpec;
import io.dosp.cli.config.ServeConfigLoader;
import io.dosp.cli.config.ServeSettings;
import io.dosp.cli.config.Setting;
import io.dosp.cli.config.Settings;
import io.dosp.monitor.DospMonitor;
import io.dosp.server.ConfigSource;
import io.dosp.server.DospServer;
import io.dosp.server.Reconfiguration;
import io.dosp.server.ReloadException;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerStartException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code dosp serve}: runs a server until SIGINT or SIGTERM, then stops it cleanly (EXIT to every
 * client) and exits 0. SIGHUP reloads the configuration (the same layers: the file, the environment,
 * the flags given at start) and applies what can change live; SIGUSR2 drains (lame duck: new clients
 * refused, connected ones sent away with the reconnect hint over {@code drain_timeout}), then stops.
 * Every server setting is a flag, a {@code DOSP_*} environment variable and a {@code dosp.yaml} key
 * (see {@link Settings}); the flags are added from that registry by {@link #addSettingOptions}.
 *
 * <p>Signals are handled with {@code sun.misc.Signal} (module {@code jdk.unsupported}): the JDK has no
 * supported API for SIGHUP or SIGUSR2 (shutdown hooks only see INT/TERM, and cannot tell them apart).
 * Only this command uses it; the library never does, so an embedded server depends on nothing
 * unsupported and its owner calls {@code DospServer.reload()} and {@code drain()} itself.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        versionProvider = VersionCommand.Provider.class,
        customSynopsis = "dosp serve [--config FILE] [--check] [SETTING FLAGS...] [--log-format text|json] [--debug]",
        description = {
            "Run a DoSP server: clients connect over TCP, get a vIP, and exchange messages and tunnels.",
            "",
            "Without options it listens on 0.0.0.0:7744 with template 7.10.0.x and writes a generated admin token"
                + " to ./dosp-admin.token (owner-only), which 'dosp admin' run from the same directory picks up.",
            "",
            "Where settings come from, highest precedence first:",
            "  1. the flags below",
            "  2. environment variables DOSP_<KEY> (DOSP_PORT=9000; lists comma-separated)",
            "  3. the config file: --config FILE, else $DOSP_CONFIG, else dosp.yaml",
            "     in the working directory when there is one (same keys as the",
            "     Python server's dosp.yaml; 'dosp gen-config' writes a commented one)",
            "  4. built-in defaults",
            "Unknown keys and bad values stop the server at start with the file, line, key and reason.",
            "",
            "Functions clients can call (FN, the client's /call): get_time, uptime, version.",
            ""},
        footer = {"",
            "Durations: seconds (300, 2.5) or with a unit (500ms, 30s, 5m, 1h).",
            "Sizes: bytes (1048576) or with a binary unit (64KiB, 1MiB).",
            "",
            "Examples:",
            "  dosp serve                       defaults (or ./dosp.yaml)",
            "  dosp serve --port 9000 --ip-template 10.7.x.x --compression",
            "  DOSP_MAX_CLIENTS=500 dosp serve --config /etc/dosp/dosp.yaml",
            "  dosp serve --check               every setting and where it came from",
            "  dosp serve --http-port 9464      with the monitoring listener on",
            "                                   http://127.0.0.1:9464/ (dashboard, /metrics)",
            "",
            "Stop with Ctrl+C or SIGTERM: every client gets EXIT 'Server shutting",
            "down' (with '; reconnect to ...' when drain_redirect is set); exit code 0.",
            "kill -HUP PID    reload the configuration (file, environment, the flags",
            "                 given at start); applies access lists, admin tokens,",
            "                 limits, peers, drain settings; says what needs a restart.",
            "kill -USR2 PID   drain: refuse new clients, send the connected ones away",
            "                 over drain_timeout (EXIT 'Server draining; reconnect to",
            "                 ...'), then stop. Admin commands: 'reload', 'drain 30s'.",
            "Exit codes: 0 stopped cleanly, 1 could not start (e.g. port in use),",
            "2 bad flags or configuration."})
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", order = -3,
            description = "Config file (YAML). Default: $DOSP_CONFIG, else dosp.yaml in the working directory"
                    + " when there is one, else none.")
    Path configFile;

    @Option(names = "--check", order = -2,
            description = "Check the configuration, print every setting with where its value came from (secrets"
                    + " masked), try to bind the port, and exit: 0 when the server could start, 2 for a bad"
                    + " configuration, 1 when the port cannot be bound (taken, or not allowed).")
    boolean check;

    @Mixin
    LoggingOptions logging;

    /** Adds one flag per server setting to {@code serve}, grouped by section, with default, variable and key in the help. */
    static void addSettingOptions(CommandSpec serve) {
        for (Setting.Section section : Setting.Section.values()) {
            ArgGroupSpec.Builder group = ArgGroupSpec.builder().heading("%n" + section.title() + ":%n")
                    .exclusive(false).multiplicity("0..1");
            for (Setting<?> s : Settings.all()) {
                if (s.section() == section) {
                    group.addArg(option(s));
                }
            }
            serve.addArgGroup(group.build());
        }
    }

    private static OptionSpec option(Setting<?> s) {
        String where = "Default: " + helpDefault(s) + ". Env " + s.envVar() + ", key '" + s.key() + "'"
                + (s.isReference() ? "." : " (JVM only).");
        OptionSpec.Builder b = OptionSpec.builder(s.flag());
        if (s.isSwitch()) {
            b.negatable(true).type(boolean.class);
        } else if (s.type().isList()) {
            b.type(List.class).auxiliaryTypes(String.class).splitRegex(",").paramLabel(s.paramLabel());
            where += " Repeat the flag or separate with commas.";
            if (s == Settings.PEERS) {
                // The Python CLI's form: --peers A B C (nargs="*").
                b.arity("1..*");
                where += " Or list them after one flag: --peers A B.";
            }
        } else {
            b.type(String.class).paramLabel(s.paramLabel());
        }
        // picocli formats descriptions with String.format: a '%' in a help text ("90%") must be doubled.
        return b.description(s.help().replace("%", "%%"), where.replace("%", "%%")).build();
    }

    private static String helpDefault(Setting<?> s) {
        String d = s.renderDefault().replace("\"", "");
        return s.defaultValue() instanceof Duration ? d + "s" : d;
    }

    @Override
    public Integer call() {
        logging.apply(Level.INFO);
        PrintStream out = System.out;
        ServeSettings settings;
        ConfigLayer flags;
        Path workingDir = Path.of("").toAbsolutePath();
        try {
            flags = flags();
            ServeConfigLoader.Loaded loaded = ServeConfigLoader.load(flags, Optional.ofNullable(configFile), System.getenv(),
                    workingDir);
            loaded.warnings().forEach(w -> System.err.println("dosp serve: warning: " + w));
            settings = loaded.settings();
            logging.level(Level.toLevel(settings.resolved().value(Settings.LOG_LEVEL).name()));
            if (check) {
                ServeReport.printEffective(out, settings);
            }
        } catch (ConfigException e) {
            System.err.println("dosp serve: configuration error: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        if (check) {
            return checkBind(settings, out);
        }
        AtomicReference<LogLevel> level = new AtomicReference<>(settings.resolved().value(Settings.LOG_LEVEL));
        return run(settings, out, () -> {
            // The same layers as at start: the flags given then, the environment, the file (re-read).
            ServeSettings next = ServeConfigLoader.load(flags, Optional.ofNullable(configFile), System.getenv(), workingDir)
                    .settings();
            LogLevel wanted = next.resolved().value(Settings.LOG_LEVEL);
            LogLevel was = level.getAndSet(wanted);
            if (was != wanted) {
                logging.level(Level.toLevel(wanted.name()));
                out.println("Log level: " + was + " -> " + wanted + (logging.debug() ? " (--debug keeps DEBUG)" : ""));
            }
            return next.config();
        });
    }

    /** {@code --check}: binds the listen address for a moment, as the server would. */
    private static int checkBind(ServeSettings settings, PrintStream out) {
        ServerConfig c = settings.config();
        if (c.tcp()) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true); // as the server binds: a port in TIME_WAIT is not "taken"
                probe.bind(new InetSocketAddress(c.host(), c.port()));
            } catch (IOException | IllegalArgumentException | SecurityException e) {
                Origin o = settings.resolved().origin(Settings.PORT);
                out.println("# NOT OK: cannot listen on " + c.host() + ":" + c.port() + ": " + e.getMessage());
                out.flush();
                System.err.println("dosp serve --check: cannot listen on " + c.host() + ":" + c.port() + " ("
                        + e.getMessage() + "). The port (from " + o + ") is taken or not allowed: stop the program"
                        + " holding it, or choose another (--port N, DOSP_PORT=N, 'port: N'; 0 picks a free one).");
                return Main.EXIT_FAILURE;
            }
        }
        out.println("# OK: the server can start with this configuration (" + (c.tcp() ? c.host() + ":" + c.port()
                + " is free to bind" : "no TCP listener") + ").");
        return Main.EXIT_OK;
    }

    private int run(ServeSettings settings, PrintStream out, ConfigSource reloadSource) {
        ServerConfig config = settings.config();
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<String> signal = new AtomicReference<>();
        AtomicReference<DospServer> running = new AtomicReference<>();
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), s -> {
                signal.compareAndSet(null, "SIG" + s.getName());
                stop.countDown();
            });
        }
        // Each signal's handler runs on a thread of its own (sun.misc.Signal), so a reload may read files here.
        Signal.handle(new Signal("HUP"), s -> {
            DospServer server = running.get();
            if (server != null) {
                reload(server, out, "SIGHUP");
            }
        });
        Signal.handle(new Signal("USR2"), s -> {
            DospServer server = running.get();
            if (server == null || server.draining()) {
                return;
            }
            Duration over = server.config().drainTimeout();
            try {
                over = reloadSource.load().drainTimeout();
            } catch (Exception e) {
                // keep the one in force at start
            }
            int n = server.drain(over);
            out.println("Draining (SIGUSR2): " + n + (n == 1 ? " client" : " clients") + " sent away over "
                    + over.toMillis() + " ms, then stopping");
            out.flush();
            try {
                // The last EXIT goes out just before the end of the drain; a few seconds more for it to be written.
                server.drained().get(over.toMillis() + 5_000, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                out.println("Some clients were still connected at the end of the drain; stopping anyway");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            signal.compareAndSet(null, "SIGUSR2, drained");
            stop.countDown();
        });
        DospServer server;
        try {
            server = settings.cluster().isPresent() ? new DospServer(config, settings.cluster().get()).start()
                    : DospServer.start(config);
        } catch (RuntimeException e) {
            if (!(e instanceof ServerStartException) && settings.cluster().isPresent()) {
                // joining the cluster failed (NATS unreachable, no JetStream, max_payload too small)
                System.err.println("dosp serve: cannot join cluster " + settings.cluster().get().name() + " on "
                        + settings.cluster().get().servers() + ": " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
            if (!(e instanceof ServerStartException)) {
                throw e;
            }
            System.err.println("dosp serve: " + e.getMessage());
            if (e.getMessage().startsWith("cannot listen")) {
                Origin o = settings.resolved().origin(Settings.PORT);
                System.err.println("  The port (" + config.port() + ", from " + o + ") is taken or not allowed. Stop the"
                        + " program holding it, or choose another: --port N, DOSP_PORT=N or 'port: N' in dosp.yaml"
                        + " (0 picks a free port).");
            }
            return Main.EXIT_FAILURE;
        }
        registerBuiltinFunctions(server);
        DospMonitor monitor = null;
        if (settings.monitor().isPresent()) {
            try {
                monitor = DospMonitor.start(server, settings.monitor().get());
            } catch (ServerStartException e) {
                System.err.println("dosp serve: " + e.getMessage());
                server.close();
                return Main.EXIT_FAILURE;
            }
        }
        server.reloadFrom(reloadSource);
        running.set(server);
        ServeReport.printStarted(out, settings, server, monitor);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int clients = server.clients().size();
        out.println("Stopping (" + signal.get() + "): sending EXIT to " + clients + " client" + (clients == 1 ? "" : "s"));
        server.close();
        if (monitor != null) {
            monitor.close(); // after the server: /healthz answers 503 while it stops
        }
        out.println("Stopped.");
        out.flush();
        return Main.EXIT_OK;
    }

    private static void reload(DospServer server, PrintStream out, String trigger) {
        try {
            Reconfiguration r = server.reload();
            out.println(r.summary().replaceFirst("^Reloaded", "Reloaded (" + trigger + ")"));
        } catch (ReloadException e) {
            System.err.println("dosp serve: " + e.getMessage());
            out.println("Reload (" + trigger + ") failed; nothing changed (details on standard error)");
        }
        out.flush();
    }

    /** Functions a client can call with FN out of the box (the client's /call). */
    static void registerBuiltinFunctions(DospServer server) {
        Instant started = Instant.now();
        server.registerFunction("get_time", caller -> Instant.now().toString());
        server.registerFunction("uptime", caller -> Duration.between(started, Instant.now()).toSeconds() + " s");
        server.registerFunction("version", caller -> "dosp " + VersionCommand.version());
    }

    /** The settings given as flags. */
    private ConfigLayer flags() throws ConfigException {
        ConfigLayer layer = new ConfigLayer();
        ParseResult parsed = spec.commandLine().getParseResult();
        for (Setting<?> s : Settings.all()) {
            OptionSpec o = spec.findOption(s.flag());
            if (o == null || !parsed.hasMatchedOption(o)) {
                continue;
            }
            putFlag(layer, s, o);
        }
        return layer;
    }

    @SuppressWarnings("unchecked")
    private static <T> void putFlag(ConfigLayer layer, Setting<T> s, OptionSpec o) throws ConfigException {
        Object value = o.getValue();
        if (s.isSwitch()) {
            boolean on = (Boolean) value;
            layer.put(s, (T) Boolean.valueOf(on), Origin.flag(on ? s.flag() : "--no-" + s.flag().substring(2)));
        } else if (s.type().isList()) {
            Origin origin = Origin.flag(s.flag());
            try {
                layer.put(s, s.type().parseItems((List<String>) value), origin);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(origin, e.getMessage());
            }
        } else {
            layer.putText(s, (String) value, Origin.flag(s.flag()));
        }
    }
}
