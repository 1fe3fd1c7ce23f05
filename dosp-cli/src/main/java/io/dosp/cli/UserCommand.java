package io.dosp.cli;

import ch.qos.logback.classic.Level;
import io.dosp.crypto.Scram;
import io.dosp.protocol.Login;
import io.dosp.protocol.Vip;
import io.dosp.server.AdmissionConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dosp user}: makes users-file entries for client admission, without ever storing a password. */
@Command(name = "user", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Users of client admission (admission: true; admission_users_file).",
        subcommands = UserCommand.Add.class)
public final class UserCommand implements Runnable {
    @Override
    public void run() {
        System.err.println("dosp user: say what to do, e.g. 'dosp user add alice --vip 7.10.0.20'");
    }

    /** {@code dosp user add NAME}. */
    @Command(name = "add", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            versionProvider = VersionCommand.Provider.class,
            description = {"Make a users-file line for a new user: the password (typed twice on a terminal, or the first"
                    + " line of standard input) is turned into a SCRAM-SHA-256 verifier (PBKDF2-HMAC-SHA256 with a random"
                    + " salt); neither the password nor anything a client could log in with is written. With --token a"
                    + " random bearer token is made instead and printed once: clients log in with it as the password."},
            footer = {"", "Examples:",
                "  dosp user add alice --vip 7.10.0.20 --admin --group ops --append users.txt",
                "  echo \"$PW\" | dosp user add sensor1 --group devices >> users.txt",
                "  dosp user add robot --token --append users.txt"})
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The user name (1..64 bytes, no spaces, ',' or ':').")
        String name;

        @Option(names = "--vip", paramLabel = "VIP", description = "The user's fixed vIP: the same on every login.")
        String vip;

        @Option(names = "--admin", description = "Sessions of this user are admin (as after AUTH).")
        boolean admin;

        @Option(names = "--group", paramLabel = "GROUP", description = "A group grants name it by; repeat for several.")
        List<String> groups;

        @Option(names = "--packet-rate-limit", paramLabel = "N", description = "Packets per second its sessions may send.")
        long packetRateLimit;

        @Option(names = "--byte-rate-limit", paramLabel = "N", description = "Bytes per second its sessions may send.")
        long byteRateLimit;

        @Option(names = "--iterations", paramLabel = "N", description = "PBKDF2 iterations (default: ${DEFAULT-VALUE}).")
        int iterations = Scram.DEFAULT_ITERATIONS;

        @Option(names = "--token", description = "Make a random bearer token instead of reading a password; printed once"
                + " on standard error.")
        boolean token;

        @Option(names = "--append", paramLabel = "FILE", description = "Append the line to this users file (made"
                + " owner-only when new) instead of printing it.")
        Path append;

        @Mixin
        LoggingOptions logging;

        @Override
        public Integer call() {
            logging.apply(Level.WARN);
            if (!Login.validUser(name)) {
                System.err.println("dosp user add: the name must be 1..64 bytes without spaces, ',' or ':'");
                return Main.EXIT_USAGE;
            }
            if (iterations < Scram.MIN_ITERATIONS || iterations > Scram.MAX_ITERATIONS) {
                System.err.println("dosp user add: --iterations must be " + Scram.MIN_ITERATIONS + ".." + Scram.MAX_ITERATIONS);
                return Main.EXIT_USAGE;
            }
            Optional<Vip> fixed;
            try {
                fixed = vip == null ? Optional.empty() : Optional.of(Vip.parse(vip));
            } catch (IllegalArgumentException e) {
                System.err.println("dosp user add: --vip: " + e.getMessage());
                return Main.EXIT_USAGE;
            }
            char[] password;
            if (token) {
                byte[] raw = new byte[32];
                new SecureRandom().nextBytes(raw);
                password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw).toCharArray();
            } else {
                try {
                    password = Passwords.newPassword(name, System.in);
                } catch (Passwords.MissingPasswordException e) {
                    System.err.println("dosp user add: " + e.getMessage());
                    return Main.EXIT_USAGE;
                }
            }
            AdmissionConfig.User user;
            try {
                byte[] salt = new byte[Scram.SALT_LENGTH];
                new SecureRandom().nextBytes(salt);
                user = new AdmissionConfig.User(name, Scram.verifier(password, salt, iterations), fixed, admin,
                        groups == null ? java.util.Set.of() : new LinkedHashSet<>(groups), packetRateLimit, byteRateLimit);
                AdmissionConfig.User.parseLine(user.toLine()); // the groups are checked as the server will
            } catch (IllegalArgumentException e) {
                System.err.println("dosp user add: " + e.getMessage());
                return Main.EXIT_USAGE;
            } finally {
                if (!token) {
                    Arrays.fill(password, '\0');
                }
            }
            if (token) {
                System.err.println("Token for " + name + " (shown once; the client logs in with it as its password):");
                System.err.println(new String(password));
                Arrays.fill(password, '\0');
            }
            String line = user.toLine();
            if (append == null) {
                System.out.println(line);
                return Main.EXIT_OK;
            }
            try {
                if (Files.notExists(append)) {
                    Files.createFile(append);
                    AdminFiles.ownerOnly(append);
                }
                Files.writeString(append, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            } catch (IOException e) {
                System.err.println("dosp user add: cannot append to " + append + ": " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
            System.out.println("Added user " + name + " to " + append + " (a running server reads it at its next start).");
            return Main.EXIT_OK;
        }
    }
}
