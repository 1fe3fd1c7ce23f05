package io.dosp.cli;

import ch.qos.logback.classic.Level;
import io.dosp.client.AdminException;
import io.dosp.client.ClientOptions;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.server.AccessPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dosp admin}: authenticates as admin and runs ADMIN commands, from {@code --exec} or a prompt. */
@Command(name = "admin", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        versionProvider = VersionCommand.Provider.class,
        description = {"Administer a DoSP server: list and kick clients, ban hashes, whitelist, block vIPs, broadcast.",
            "",
            "The token comes from, first match: --token, --login USER PASS (sha256 of USER:PASS, as the Python server"
                + " computes its tokens), $DOSP_ADMIN_TOKEN, the token file (--token-file; by default the"
                + " dosp-admin.token that 'dosp serve' writes in its working directory, else the Python server's"
                + " dosp_admin.token).",
            "",
            "Server commands:",
            "  help                      the server's own list",
            "  clients                   connected clients (admin connections said apart)",
            "  client VIP                one client's details and counters",
            "  kick VIP                  disconnect a client",
            "  ban VIP                   ban the client's hash and disconnect it",
            "  unban HASH                lift a ban",
            "  whitelist HASH            add a hash to the whitelist",
            "  whitelist-remove HASH     remove it",
            "  whitelist-on              admit only whitelisted hashes",
            "  whitelist-off             admit every hash that is not banned",
            "  block VIP                 refuse a vIP for RQIP and allocation",
            "  unblock VIP               allow it again",
            "  stats                     server counters",
            "  broadcast TEXT            send MSG to every other client",
            "  peers                     federation links: state, routes, counters",
            "  routes                    federation routing table",
            "  peer-add HOST:PORT[:TEMPLATE]   link to a peer",
            "  peer-remove HOST:PORT     unlink a peer",
            "  reload                    re-read the configuration, apply what can change live",
            "  drain [DURATION]          lame duck: refuse new clients, send the connected ones away",
            "  users                     users of client admission: fixed vIP, groups, online vIPs",
            "  clients --network         every client of the network directory, with its server",
            "  groups                    groups on the network and their member counts",
            "  names                     registered names, holders, claims",
            "  network                   directory and dedup counters, origins",
            "  broadcast --network TEXT  MSG to every client of every server of ours",
            "  revoke USER               end a user's sessions and refuse its logins",
            "  unrevoke USER             accept its logins again",
            "  exit                      end the admin session",
            "At the prompt, 'exit' or Ctrl+D leaves.", ""},
        footer = {"", "Examples:",
            "  dosp admin                             prompt; token from dosp-admin.token",
            "  dosp admin --exec clients --exec stats run commands and leave",
            "  dosp admin srv:7744 --login alice -    ask for alice's password",
            "  dosp admin --host srv --port 7744 -e stats   the Python CLI's flags",
            "  dosp admin --user alice --exec users   log in as admin user alice (client admission)",
            "  echo 'broadcast back at 18:00' | dosp admin",
            "",
            "Exit codes: 0 done; 1 could not connect, token refused, or a command",
            "answered ERR:; 2 bad usage or no token."})
public final class AdminCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST:PORT", defaultValue = "${env:DOSP_SERVER:-127.0.0.1:7744}",
            description = "The server (default: ${DEFAULT-VALUE}; $DOSP_SERVER sets another default).")
    String server;

    @Mixin
    ServerAddress address;

    @Option(names = "--token", paramLabel = "TOKEN", description = "The admin token (visible to other local users in"
            + " the process list: prefer the token file or $DOSP_ADMIN_TOKEN).")
    String token;

    @Option(names = "--login", arity = "2", paramLabel = "USER PASS", hideParamSyntax = true, description = "Log in with the token"
            + " sha256_hex(USER:PASS); PASS '-' asks for it without echo.")
    List<String> login;

    @Option(names = "--token-file", paramLabel = "PATH", defaultValue = "${env:DOSP_ADMIN_TOKEN_FILE}",
            description = "The server's generated token file (default: dosp-admin.token, else the Python server's"
                    + " dosp_admin.token, in the working directory; $DOSP_ADMIN_TOKEN_FILE sets another, the variable"
                    + " 'serve' also reads).")
    Path tokenFile;

    @Option(names = "--user", paramLabel = "NAME", description = "Log in as this user first (servers with client"
            + " admission); an admin user needs no token. Password from --password-file, $DOSP_PASSWORD or the terminal.")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "Read the --user password from the first"
            + " line of this file.")
    Path passwordFile;

    @Option(names = {"-e", "--exec"}, paramLabel = "COMMAND", description = "Run this admin command, print the answer,"
            + " and leave; repeat for several (they stop at the first ERR:).")
    List<String> exec;

    @Mixin
    LoggingOptions logging;

    @Override
    public Integer call() {
        logging.apply(Level.WARN);
        AdminToken t = null;
        ClientOptions.Builder options = ClientOptions.builder().server(address.resolve(server));
        try {
            if (user != null) {
                char[] password = Passwords.forLogin(user, passwordFile, System.getenv());
                try {
                    options.login(user, password);
                } finally {
                    java.util.Arrays.fill(password, '\0');
                }
            }
            // A user's login makes an admin user's session admin: then a token is only used when one is given.
            if (user == null || token != null || login != null) {
                t = AdminToken.resolve(token, login, System.getenv(), tokenFile != null ? List.of(tokenFile)
                        : List.of(AccessPolicy.CLI_ADMIN_TOKEN_FILE, AdminToken.REFERENCE_TOKEN_FILE));
            }
        } catch (AdminToken.MissingTokenException | Passwords.MissingPasswordException e) {
            System.err.println("dosp admin: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        DospClient client;
        try {
            client = DospClient.connect(options.build());
        } catch (InvalidConfigException | IllegalArgumentException e) {
            System.err.println("dosp admin: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (DospClientException e) {
            System.err.println("dosp admin: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        try {
            try {
                if (t != null) {
                    client.admin().authenticate(t.token());
                }
            } catch (AdminException e) {
                System.err.println("dosp admin: the server at " + client.server() + " refused the admin token from "
                        + t.source() + ".");
                System.err.println("  Use the token of that server: its dosp-admin.token (when it has no admin_tokens"
                        + " configured), one of its admin_tokens, or --login USER PASS.");
                return Main.EXIT_FAILURE;
            }
            if (exec != null && !exec.isEmpty()) {
                for (String command : exec) {
                    if (!runOne(client, command)) {
                        return Main.EXIT_FAILURE;
                    }
                }
                return Main.EXIT_OK;
            }
            return prompt(client, t);
        } catch (DisconnectedException e) {
            System.err.println("dosp admin: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } finally {
            client.close();
        }
    }

    /** Runs one command and prints the answer; false when it answered ERR: or failed. */
    private static boolean runOne(DospClient client, String command) {
        try {
            System.out.println(client.admin().command(command));
            return true;
        } catch (DisconnectedException e) {
            throw e;
        } catch (AdminException e) {
            // show the server's ERR: line as it sent it
            System.err.println(e.serverReply() != null ? e.serverReply() : "dosp admin: " + e.getMessage());
            return false;
        } catch (DospClientException e) {
            System.err.println("dosp admin: " + e.getMessage());
            return false;
        }
    }

    private static int prompt(DospClient client, AdminToken t) {
        boolean interactive = System.console() != null;
        if (interactive) {
            System.out.println("Admin session on " + client.server() + " (" + (t == null ? "logged in as admin user" : "token from " + t.source()) + ")."
                    + " Type help for commands, exit to leave.");
        }
        int failures = 0;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            if (interactive) {
                System.out.print("admin@" + client.server() + "> ");
                System.out.flush();
            }
            String line;
            try {
                line = in.readLine();
            } catch (IOException e) {
                line = null;
            }
            if (line == null) {
                break;
            }
            String cmd = line.strip();
            if (cmd.isEmpty() || cmd.startsWith("#")) {
                continue;
            }
            String word = cmd.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (word.equals("exit") || word.equals("quit")) {
                break;
            }
            if (!runOne(client, cmd)) {
                failures++;
            }
        }
        return !interactive && failures > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
    }
}
