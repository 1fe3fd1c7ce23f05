package io.dosp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.cli.config.Suggest;
import io.dosp.client.ClientListener;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.client.DospNetwork;
import io.dosp.client.GroupMessage;
import io.dosp.client.NetworkClient;
import io.dosp.client.PresenceEvent;
import io.dosp.client.PresenceTarget;
import io.dosp.client.Incoming;
import io.dosp.client.TunnelIdentityException;
import io.dosp.client.TunnelInfo;
import io.dosp.crypto.Fingerprint;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.Schema;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Vip;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The line interface of {@code dosp client}: reads commands from standard input (terminal or
 * pipe), prints what arrives as it arrives. One thread prints incoming messages; the caller's
 * thread runs commands. When input ends it waits for the server to answer everything sent so far
 * (a PING round trip), prints what came back, and leaves.
 */
final class ClientShell {
    /** The network commands (groups, names, presence; servers of this project with the network extensions). */
    static final String NETWORK_HELP = ""
            + "  /join GROUP      join GROUP on the whole network\n"
            + "  /leave GROUP     leave it\n"
            + "  /group GROUP TEXT\n"
            + "                   send TEXT to every other member of GROUP, once each\n"
            + "  /members GROUP   the members of GROUP on the network\n"
            + "  /groups          every group on the network and its member count\n"
            + "  /name NAME       register NAME for this client (unique on the network)\n"
            + "  /unname NAME     give NAME up\n"
            + "  /resolve NAME    the vIP holding NAME, wherever it is connected\n"
            + "  /names           every registered name on the network\n"
            + "  /watch VIP|NAME|#GROUP\n"
            + "                   print when it joins or leaves (#GROUP or group:GROUP: its members)\n"
            + "  /unwatch VIP|NAME|#GROUP\n"
            + "                   stop watching\n"
            + "  /who             every client on the network\n";
    static final String HELP = "Commands:\n"
            + "  /send VIP TEXT   send TEXT to the client holding VIP\n"
            + "                   (end-to-end encrypted when a tunnel with VIP exists)\n"
            + "  /tunnel VIP [FINGERPRINT]\n"
            + "                   open an end-to-end encrypted tunnel with VIP (whose\n"
            + "                   identity must be FINGERPRINT, when given)\n"
            + "  /id              this client's identity fingerprint (give it to peers)\n"
            + "  /trust VIP FINGERPRINT\n"
            + "                   pin VIP's identity on this server (in the known peers file)\n"
            + "  /list            list the clients connected to the server\n"
            + "  /ping            measure the round trip to the server\n"
            + "  /call NAME [JSON]\n"
            + "                   call the server function NAME, print its answer; with\n"
            + "                   JSON (an array of arguments: /call add [1,2]) as a typed\n"
            + "                   call (servers of this project)\n"
            + "  /functions       the server's functions and their parameters (JSON)\n"
            + "  /info            what the server knows about this client (JSON)\n"
            + "  /sendfile VIP PATH\n"
            + "                   send the file PATH to VIP (a client started with --files\n"
            + "                   DIR saves it there), with a progress bar; waits for the\n"
            + "                   peer to confirm every byte (SHA-256)\n"
            + "  /rpc VIP NAME [JSON]\n"
            + "                   call method NAME of the client holding VIP (messaging\n"
            + "                   layer); JSON is the argument array, or one argument\n"
            + "  /discover VIP    what the client holding VIP offers (methods, handlers)\n"
            + NETWORK_HELP
            + "  /exit            disconnect and leave (also Ctrl+D)\n"
            + "  /help            this list\n"
            + "Incoming messages print as '[from VIP] TEXT', or as\n"
            + "'[from VIP via tunnel] TEXT' when they came through a tunnel, group messages\n"
            + "as '[GROUP from VIP] TEXT'.\n"
            + "Lines starting with # are ignored.";
    private static final List<String> COMMANDS = List.of("/send", "/tunnel", "/id", "/fingerprint", "/trust", "/list",
            "/ping", "/call", "/functions", "/info", "/sendfile", "/rpc", "/discover", "/exit", "/quit", "/help",
            "/join", "/leave", "/group", "/members", "/groups", "/name", "/unname", "/resolve", "/names", "/watch",
            "/unwatch", "/who");

    private final DospClient client;
    /** The messaging layer: /rpc, /discover, /sendfile, --files, and this client's $discover answer. */
    private Messenger messenger;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Set<Vip> opening = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failures = new AtomicInteger();
    /** Notices another client can make repeat: at most 3 of a kind per 10 s, then a count. */
    private final NoticeCoalescer notices = new NoticeCoalescer(NOTICE_WINDOW, 3, System::nanoTime);
    private volatile boolean leaving;
    private FileTransfers files;
    static final Duration NOTICE_WINDOW = Duration.ofSeconds(10);

    ClientShell(DospClient client, PrintStream out, PrintStream err, boolean interactive) {
        this.client = client;
        this.out = out;
        this.err = err;
        this.interactive = interactive;
        // now, not in run(): a connection lost before the first line is read is reported too
        client.addListener(new Listener());
    }

    /** Runs until /exit, the end of input, or the server ending the connection; returns the exit code. */
    int run(InputStream in) {
        messenger(); // from the start: envelopes are the messaging layer's (answered: no such stream), never printed
        Thread printer = new Thread(this::printIncoming, "dosp-printer");
        printer.setDaemon(true);
        printer.start();
        ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dosp-notices");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleAtFixedRate(notices::flush, 1, 1, TimeUnit.SECONDS);
        LineInput.start(in, events);
        try {
            return loop(printer);
        } finally {
            flusher.shutdownNow();
            notices.flush(true);
        }
    }

    private int loop(Thread printer) {
        while (true) {
            Object event;
            try {
                event = events.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return leave(printer);
            }
            try {
                if (event instanceof String line && !handle(line.strip()) || event == LineInput.END) {
                    return leave(printer);
                }
                if (event instanceof DisconnectedException d) {
                    throw d;
                }
            } catch (DisconnectedException d) {
                join(printer);
                err.println(IncomingFormatter.safe(d.getMessage()));
                return Main.EXIT_FAILURE;
            }
        }
    }

    /** Runs one line; false to leave. */
    private boolean handle(String line) {
        if (line.isEmpty() || line.startsWith("#")) {
            return true;
        }
        if (!line.startsWith("/")) {
            fail("lines are commands; to send text use /send VIP TEXT (/help lists the commands)");
            return true;
        }
        int sp = line.indexOf(' ');
        String cmd = (sp < 0 ? line : line.substring(0, sp)).toLowerCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1).strip();
        try {
            switch (cmd) {
                case "/send" -> send(arg);
                case "/tunnel" -> tunnel(arg);
                case "/id", "/fingerprint" -> out.println("identity " + client.fingerprint());
                case "/trust" -> trust(arg);
                case "/list" -> list();
                case "/ping" -> out.printf(Locale.ROOT, "pong from %s in %.2f ms%n", client.server(),
                        client.ping().toNanos() / 1e6);
                case "/call" -> call(arg);
                case "/functions" -> out.println(IncomingFormatter.safe(client.discoverFunctions()));
                case "/info" -> out.println(IncomingFormatter.safe(client.selfInfo()));
                case "/sendfile" -> sendFile(arg);
                case "/rpc" -> rpc(arg);
                case "/discover" -> discover(arg);
                case "/exit", "/quit" -> {
                    return false;
                }
                case "/help" -> out.println(HELP);
                case "/join", "/leave", "/group", "/members", "/groups", "/name", "/unname", "/resolve", "/names",
                        "/watch", "/unwatch", "/who" -> network(cmd, arg);
                default -> fail("unknown command " + cmd + suggestion(cmd) + " (/help lists the commands)");
            }
        } catch (DisconnectedException e) {
            throw e;
        } catch (DospClientException | IllegalArgumentException e) {
            fail(e.getMessage());
        }
        return true;
    }

    private void send(String arg) {
        int sp = arg.indexOf(' ');
        if (arg.isEmpty() || sp < 0) {
            fail("usage: /send VIP TEXT, e.g. /send 7.10.0.3 hello");
            return;
        }
        Vip to = Vip.parse(arg.substring(0, sp));
        String text = arg.substring(sp + 1);
        client.send(to, text); // re-opens a lost tunnel first, or throws: never plain after a tunnel
        boolean tunnel = client.hasTunnel(to);
        out.println("sent to " + to + (tunnel ? " via tunnel (end-to-end encrypted)" : " (plain: the server can read it)"));
    }

    private void tunnel(String arg) {
        if (arg.isEmpty()) {
            fail("usage: /tunnel VIP [FINGERPRINT], e.g. /tunnel 7.10.0.3");
            return;
        }
        String[] parts = arg.split("\\s+");
        Vip peer = Vip.parse(parts[0]);
        if (peer.equals(client.vip())) {
            fail(peer + " is this client; open a tunnel with another one (/list)");
            return;
        }
        opening.add(peer);
        try {
            if (parts.length > 1) {
                client.openTunnel(peer, Fingerprint.parse(parts[1]));
            } else {
                client.openTunnel(peer);
            }
        } finally {
            opening.remove(peer);
        }
        out.println("tunnel with " + peer + " ready: " + identityOf(peer) + "; /send " + peer
                + " TEXT is now end-to-end encrypted");
    }

    /** The tunnel line's identity part: the fingerprint and how it was trusted, or "unauthenticated (...)". */
    private String identityOf(Vip peer) {
        return client.tunnelInfo(peer).map(TunnelInfo::describe).orElse("no tunnel");
    }

    private void trust(String arg) {
        String[] parts = arg.isEmpty() ? new String[0] : arg.split("\\s+");
        if (parts.length != 2) {
            fail("usage: /trust VIP FINGERPRINT, e.g. /trust 7.10.0.3 SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
            return;
        }
        Vip peer = Vip.parse(parts[0]);
        Fingerprint fp = Fingerprint.parse(parts[1]);
        client.trust(peer, fp);
        out.println("pinned " + peer + " on " + client.server() + " to " + fp
                + client.knownPeers().path().map(p -> " (in " + p + ")").orElse(""));
    }

    private void list() {
        List<Vip> vips = client.clients();
        out.println(vips.size() + (vips.size() == 1 ? " client" : " clients") + " connected:");
        for (Vip v : vips) {
            String notes = (v.equals(client.vip()) ? "  (you)" : "") + (client.hasTunnel(v) ? "  (tunnel)" : "");
            out.println("  " + v + notes);
        }
    }

    private void call(String arg) {
        if (arg.isEmpty()) {
            fail("usage: /call NAME [JSON], e.g. /call get_time or /call add [1,2]");
            return;
        }
        int space = arg.indexOf(' ');
        if (space < 0) {
            out.println(arg + ": " + IncomingFormatter.safe(client.call(arg))); // a bare FN, as always
            return;
        }
        String name = arg.substring(0, space);
        String json = arg.substring(space + 1).strip();
        if (!json.startsWith("[")) {
            fail("the arguments of /call are a JSON array, e.g. /call " + name + " [1,2]");
            return;
        }
        Envelope answer = client.call(name, Envelope.JSON, json.getBytes(StandardCharsets.UTF_8));
        out.println(name + ": " + IncomingFormatter.safe(new String(answer.bodyBytes(), StandardCharsets.UTF_8)));
    }

    /** The messaging layer on this client (files; one per shell), attached when the shell starts. */
    private synchronized Messenger messenger() {
        if (messenger == null) {
            messenger = Messenger.attach(client);
        }
        return messenger;
    }

    /** {@code --files DIR}: files peers send are saved into {@code dir}. */
    void saveFilesInto(Path dir, long maxBytes) {
        files().receiveInto(dir, maxBytes);
    }

    private synchronized FileTransfers files() {
        if (files == null) {
            files = new FileTransfers(messenger(), out, interactive);
        }
        return files;
    }

    private void sendFile(String arg) {
        try {
            String error = files().sendFile(arg);
            if (error != null) {
                fail(error);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted: the transfer was cancelled");
        }
    }

    /** {@code /rpc VIP NAME [JSON]}: a typed call through the messaging layer; prints the result or the error. */
    private void rpc(String arg) {
        String[] parts = arg.isEmpty() ? new String[0] : arg.split("\\s+", 3);
        if (parts.length < 2) {
            fail("usage: /rpc VIP NAME [JSON], e.g. /rpc 7.10.0.3 add [2,3]");
            return;
        }
        Vip peer = Vip.parse(parts[0]);
        Object[] args;
        try {
            args = RPC_JSON.rpcArgs(parts.length > 2 ? parts[2] : "[]");
        } catch (IllegalArgumentException e) {
            fail("the arguments are not JSON: " + e.getMessage());
            return;
        }
        try {
            JsonNode result = messenger.call(peer, parts[1], args, JsonNode.class);
            out.println(parts[1] + " at " + peer + ": " + IncomingFormatter.safe(result.toString()));
        } catch (RpcException e) {
            fail(e.code() + ": " + e.getMessage());
        }
    }

    /** {@code /discover VIP}: prints the peer's methods, message handlers and streams. */
    private void discover(String arg) {
        if (arg.isEmpty()) {
            fail("usage: /discover VIP, e.g. /discover 7.10.0.3");
            return;
        }
        Vip peer = Vip.parse(arg.split("\\s+")[0]);
        Schema s;
        try {
            s = messenger.discover(peer);
        } catch (RpcException e) {
            fail(e.code() + ": " + e.getMessage());
            return;
        }
        out.println(peer + " offers " + s.methods().size() + " method(s), " + s.handlers().size() + " handler(s), "
                + s.streams().size() + " stream handler(s)");
        for (Schema.Method m : s.methods()) {
            StringBuilder b = new StringBuilder("  method ").append(m.name()).append('(');
            for (int i = 0; i < m.params().size(); i++) {
                Schema.Param p = m.params().get(i);
                b.append(i == 0 ? "" : ", ").append(p.name()).append(": ").append(p.type().path("type").asText("?"));
            }
            b.append(") -> ").append(m.result().path("type").asText("?"));
            out.println(IncomingFormatter.safe(b.toString()));
        }
        for (Schema.MessageType h : s.handlers()) {
            out.println(IncomingFormatter.safe("  handler " + h.name() + ": " + h.type().path("type").asText("?")));
        }
        for (String st : s.streams()) {
            out.println(IncomingFormatter.safe("  stream " + st));
        }
    }

    /** Reads /rpc's JSON: an array is the argument list, any other value the one argument. */
    private static final class RpcJson {
        private final com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();

        Object[] rpcArgs(String json) {
            JsonNode n;
            try {
                n = mapper.readTree(json);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                        ? j.getOriginalMessage() : e.getMessage());
            }
            if (n == null || n.isMissingNode()) {
                return new Object[0];
            }
            if (!n.isArray()) {
                return new Object[] {n};
            }
            Object[] out = new Object[n.size()];
            for (int i = 0; i < n.size(); i++) {
                out[i] = n.get(i);
            }
            return out;
        }
    }

    private static final RpcJson RPC_JSON = new RpcJson();

    /** The network commands: groups, names, presence, network views ({@link io.dosp.client.DospNetwork}). */
    private void network(String cmd, String arg) {
        DospNetwork net = client.network();
        String first = arg.isEmpty() ? "" : arg.split("\\s+", 2)[0];
        if (arg.isEmpty() && !List.of("/groups", "/names", "/who").contains(cmd)) {
            fail("usage: " + cmd + switch (cmd) {
                case "/group" -> " GROUP TEXT, e.g. /group ops deploy done";
                case "/watch", "/unwatch" -> " VIP|NAME|#GROUP, e.g. " + cmd + " 10.1.0.3, " + cmd + " bot, " + cmd
                        + " #ops";
                case "/name", "/unname", "/resolve" -> " NAME, e.g. " + cmd + " build-bot";
                default -> " GROUP, e.g. " + cmd + " ops";
            });
            return;
        }
        switch (cmd) {
            case "/join" -> {
                net.join(first);
                out.println("joined group " + first + " (/group " + first + " TEXT sends to its other members)");
            }
            case "/leave" -> {
                net.leave(first);
                out.println("left group " + first);
            }
            case "/group" -> {
                int sp = arg.indexOf(' ');
                if (sp < 0) {
                    fail("usage: /group GROUP TEXT, e.g. /group ops deploy done");
                    return;
                }
                long n = net.sendToGroup(first, arg.substring(sp + 1));
                out.println("sent to group " + first + " (" + n + (n == 1 ? " other member)" : " other members)"));
            }
            case "/members" -> {
                List<Vip> members = net.members(first);
                out.println(members.size() + (members.size() == 1 ? " member" : " members") + " of group " + first
                        + (members.isEmpty() ? "" : ":"));
                members.forEach(v -> out.println("  " + v + (v.equals(client.vip()) ? "  (you)" : "")));
            }
            case "/groups" -> {
                Map<String, Long> groups = net.groups();
                out.println(groups.size() + (groups.size() == 1 ? " group" : " groups") + " on the network"
                        + (groups.isEmpty() ? "" : ":"));
                groups.forEach((g, n) -> out.println("  " + g + "  " + n + (n == 1 ? " member" : " members")));
            }
            case "/name" -> {
                net.register(first);
                out.println("registered name " + first + " for " + client.vip());
            }
            case "/unname" -> {
                net.unregister(first);
                out.println("gave up name " + first);
            }
            case "/resolve" -> out.println(net.resolve(first).map(v -> first + " is " + v)
                    .orElse("nobody holds the name " + first));
            case "/names" -> {
                Map<String, Vip> names = net.names();
                out.println(names.size() + (names.size() == 1 ? " name" : " names") + " on the network"
                        + (names.isEmpty() ? "" : ":"));
                names.forEach((n, v) -> out.println("  " + n + "  " + v));
            }
            case "/watch" -> {
                PresenceTarget t = PresenceTarget.parse(first);
                net.watch(t);
                out.println("watching " + t);
            }
            case "/unwatch" -> {
                PresenceTarget t = PresenceTarget.parse(first);
                net.unwatch(t);
                out.println("stopped watching " + t);
            }
            case "/who" -> {
                List<NetworkClient> clients = net.clients();
                out.println(clients.size() + (clients.size() == 1 ? " client" : " clients") + " on the network:");
                clients.forEach(c -> out.println("  " + c.vip() + c.user().map(u -> "  user " + IncomingFormatter.safe(u))
                        .orElse("") + (c.vip().equals(client.vip()) ? "  (you)" : "")));
            }
            default -> throw new IllegalStateException(cmd);
        }
    }

    private void fail(String message) {
        failures.incrementAndGet();
        err.println("error: " + IncomingFormatter.safe(message)); // client errors may quote the server
    }

    private static String suggestion(String cmd) {
        return Suggest.didYouMean(cmd, COMMANDS);
    }

    /**
     * Leaves: first a PING round trip so every answer to what was sent (an ERR for a vIP nobody
     * holds, say) has arrived; then EXIT, and the printer drains what is left before it ends.
     */
    private int leave(Thread printer) {
        try {
            client.ping();
        } catch (DospClientException e) {
            // the connection is gone or slow; what arrived is still printed below
        }
        leaving = true;
        messenger.close();
        client.close();
        join(printer);
        return !interactive && failures.get() > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
    }

    private static void join(Thread printer) {
        try {
            printer.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void printIncoming() {
        while (true) {
            Incoming in;
            try {
                in = client.receive();
            } catch (DisconnectedException e) {
                if (!leaving) {
                    events.add(e);
                }
                return;
            } catch (DospClientException e) {
                return;
            }
            if (in.type() == PacketType.ERR) {
                ErrorReply e = ErrorReply.parse(in.data());
                if (e.code() == ErrCode.S2CF && e.failedDst().map(opening::contains).orElse(false)) {
                    continue; // reported by /tunnel itself
                }
                failures.incrementAndGet();
                err.println(IncomingFormatter.format(in));
            } else {
                out.println(IncomingFormatter.format(in));
            }
        }
    }

    private final class Listener implements ClientListener {
        /** The vIP before the latest loss, to say whether the reconnect kept it. */
        private volatile Vip held = client.vip();

        @Override
        public void onConnectionLost(DisconnectedException cause) {
            err.println("[connection] lost (" + IncomingFormatter.safe(cause.getMessage()) + "); reconnecting");
        }

        @Override
        public void onResumeFailed(Vip previous, String reason) {
            err.println("[connection] could not get " + previous + " back: " + IncomingFormatter.safe(reason)
                    + "; peers that knew " + previous + " must learn the new vIP");
        }

        @Override
        public void onReconnected(Vip vip) {
            Vip before = held;
            held = vip;
            err.println("[connection] back on " + IncomingFormatter.safe(client.server()) + " as " + vip
                    + (vip.equals(before) ? " (the same vIP as before)" : " (a new vIP: " + before + " was lost)"));
        }

        @Override
        public void onTunnelEstablished(Vip peer) {
            if (!opening.contains(peer)) {
                notices.notice("opened a tunnel", out, "[tunnel]",
                        "[tunnel] " + peer + " opened an end-to-end encrypted tunnel with you: " + identityOf(peer));
            }
        }

        @Override
        public void onTunnelIdentityMismatch(Vip peer, TunnelIdentityException e) {
            // Loud, like SSH's REMOTE HOST IDENTIFICATION HAS CHANGED; coalesced: a peer can repeat it.
            notices.notice("identity mismatch", err, "[tunnel]", "[tunnel] WARNING: " + IncomingFormatter.safe(e.getMessage())
                    + ". The tunnel was refused. If the change is expected: /trust " + peer + " "
                    + e.presented().map(Object::toString).orElse("FINGERPRINT"));
        }

        @Override
        public void onTunnelReplaced(Vip peer, long previous, long tunnel) {
            notices.notice("replaced tunnel", err, "[tunnel]", "[tunnel] tunnel with " + peer
                    + " was replaced by a new handshake: the peer may have changed");
        }

        @Override
        public void onTunnelClosed(Vip peer, long tunnel, String reason) {
            notices.notice("closed tunnel", err, "[tunnel]", "[tunnel] tunnel with " + peer + " ended: " + reason
                    + "; the next /send to it opens a new tunnel first");
        }

        @Override
        public void onPeerGone(Vip peer, String reason) {
            // reason is escaped by the client already (the server's text)
            notices.notice("peer gone", out, "[peer]", "[peer] " + peer + " is gone (" + reason
                    + "): whoever holds it next is someone else");
        }

        @Override
        public void onGroupMessage(GroupMessage m) {
            out.println("[" + m.group() + " from " + m.sender() + "] " + IncomingFormatter.data(m.data()));
        }

        @Override
        public void onPresence(PresenceEvent e) {
            out.println("[presence] " + e.target() + ": " + e.vip() + (e.joined() ? " joined" : " left (" + e.reason()
                    + ")"));
        }

        @Override
        public void onNameLost(String name, String reason, Optional<Vip> winner) {
            err.println("[name] you no longer hold " + name + ": " + IncomingFormatter.safe(reason)
                    + winner.map(w -> " (now held by " + w + ")").orElse(""));
        }

        @Override
        public void onTunnelFrameRejected(Vip peer, String reason) {
            notices.notice("rejected frame", err, "[tunnel]",
                    "[tunnel] dropped a frame from " + peer + " that failed verification: " + reason);
        }
    }
}
