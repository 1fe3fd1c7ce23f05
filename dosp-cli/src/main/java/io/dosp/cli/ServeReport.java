package io.dosp.cli;

import io.dosp.cli.config.Origin;
import io.dosp.cli.config.ResolvedSettings;
import io.dosp.cli.config.ServeSettings;
import io.dosp.cli.config.Setting;
import io.dosp.cli.config.Settings;
import io.dosp.protocol.VipTemplate;
import io.dosp.monitor.DospMonitor;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;

/** What {@code dosp serve} prints on standard output: the start banner and the {@code --check} listing. */
final class ServeReport {
    private ServeReport() {
    }

    /** Where it listens, its template, where the admin token is, and how to connect. */
    static void printStarted(PrintStream out, ServeSettings settings, DospServer server, DospMonitor monitor) {
        ServerConfig c = settings.config();
        ResolvedSettings r = settings.resolved();
        VipTemplate t = c.template();
        String host = c.host().contains(":") ? "[" + c.host() + "]" : c.host();
        out.println("DoSP server listening on " + host + ":" + server.port());
        out.println("  vIP template   " + t + " (server " + t.serverVip() + ", room for " + t.capacity() + " clients)");
        if (server.adminTokenFile().isPresent()) {
            out.println("  admin token    " + server.adminTokenFile().get() + " (owner-only; 'dosp admin' run here reads it)");
        } else {
            int n = c.access().adminTokens().size();
            out.println("  admin token    " + n + " configured token" + (n == 1 ? "" : "s") + " (" + r.origin(Settings.ADMIN_TOKENS) + ")");
        }
        out.println("  compression    " + (c.compression() ? "on (level " + c.compressionLevel() + ")" : "off"));
        if (c.admission().enabled()) {
            int users = c.admission().users().size();
            int grants = c.admission().grants().size();
            out.println("  admission      on: " + users + " user" + (users == 1 ? "" : "s") + ", "
                    + (grants == 0 ? "no grants (every user reaches every other)" : grants + " grant" + (grants == 1 ? "" : "s"))
                    + (c.admission().allowAnonymous() ? ", anonymous clients admitted" : "; clients must log in"));
        }
        if (c.localTransport()) {
            out.println("  local          in-process clients accepted as '" + c.localName() + "'");
        }
        if (monitor != null) {
            String h = monitor.config().host().contains(":") ? "[" + monitor.config().host() + "]" : monitor.config().host();
            out.println("  monitoring     http://" + h + ":" + monitor.port() + "/ (dashboard; /healthz, /metrics, /api/*; "
                    + (monitor.config().loopback() ? "views open on loopback" : "views need the admin token")
                    + ", kick and ban always need it)");
        }
        if (c.webSocket().enabled()) {
            out.println("  websocket      " + server.webSocketUrl() + " (web chat page at the same address; browser pages "
                    + (c.webSocket().allowedOrigins().isEmpty() ? "of this port only"
                    : c.webSocket().allowedOrigins().contains("*") ? "of any origin"
                    : "of " + String.join(", ", c.webSocket().allowedOrigins().stream().sorted().toList())) + ")");
        }
        out.println("  config         " + sources(settings));
        String connect = (c.host().equals("0.0.0.0") || c.host().equals("::") ? "127.0.0.1" : host) + ":" + server.port();
        out.println("Connect a client with: " + Main.selfCommand() + " client " + connect);
        out.println("Stop with Ctrl+C (or SIGTERM).");
        out.flush();
    }

    /** Every setting as a YAML line with where its value came from. */
    static void printEffective(PrintStream out, ServeSettings settings) {
        ResolvedSettings r = settings.resolved();
        out.println("# Effective configuration of 'dosp serve'");
        out.println("# Sources, highest precedence first: flags, environment variables, "
                + settings.configFile().map(Object::toString).orElse("(no config file)") + ", defaults");
        for (Setting<?> s : Settings.all().stream().sorted(Comparator.comparing(Setting::section)).toList()) {
            String line = s.key() + ": " + r.display(s);
            out.println(String.format("%-48s # %s", line, r.origin(s)));
        }
    }

    private static String sources(ServeSettings settings) {
        Map<Origin.Kind, Integer> counts = new EnumMap<>(Origin.Kind.class);
        for (Setting<?> s : Settings.all()) {
            counts.merge(settings.resolved().origin(s).kind(), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder(settings.configFile().map(Object::toString).orElse("built-in defaults"));
        if (settings.configFile().isPresent() && counts.getOrDefault(Origin.Kind.FILE, 0) == 0) {
            sb.append(" (sets nothing)");
        }
        int flags = counts.getOrDefault(Origin.Kind.FLAG, 0);
        int env = counts.getOrDefault(Origin.Kind.ENV, 0);
        if (flags > 0) {
            sb.append(", ").append(flags).append(flags == 1 ? " flag" : " flags");
        }
        if (env > 0) {
            sb.append(", ").append(env).append(env == 1 ? " environment variable" : " environment variables");
        }
        return sb.append(" ('dosp serve --check' lists every setting)").toString();
    }
}
