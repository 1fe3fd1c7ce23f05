package io.dosp.bench;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.protocol.Ext;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.DospServer;
import io.dosp.server.RouteInfo;
import io.dosp.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The memory and traffic cost of the network directory (docs/network.md): three servers of this project in a line
 * (S0 - S1 - S2, each link through a {@link CountingRelay} that counts its bytes; S0 and S1 dial out only, so each
 * link is one two-way connection through its relay), {@code --members} group memberships and {@code --names} names
 * spread over clients on the three servers. Reports, per phase, the heap after GC (all three servers hold every
 * entry: the delta is divided by 3 and by the entries), the link bytes per join or registration, the time until the
 * three directories agree, and a full sync: the link S1 - S2 cut at its relay, S2's entries withdrawn at S0 and S1, then
 * the relay let through again (S1 re-dials within its backoff) and the link's bytes counted until the directories agree again.
 *
 * <p>The clients send raw JOIN and REGISTER frames ({@link DospClient#send(io.dosp.protocol.Packet)}), so the
 * client library's own memory of its groups and names is not in the heap delta; convergence is read with the network
 * views of one probe client per server. Clients, servers and relays share this JVM; the clients are connected before
 * the baseline heap is taken.
 *
 * <p>Run: {@code java -Xmx2g -cp dosp-bench/target/benchmarks.jar io.dosp.bench.NetworkCost}.
 */
@Command(name = "network-cost", mixinStandardHelpOptions = true,
        description = "Memory and link traffic of groups and names over 3 federated servers.")
public final class NetworkCost implements Callable<Integer> {
    private static final String KEY = "bench-mesh-key-0123456789";
    private static final String SERVER_HOST = "127.0.0.2";
    private static final String RELAY_HOST = "127.0.0.1";

    @Option(names = "--members", description = "Group memberships in total (default ${DEFAULT-VALUE}).")
    int members = 10_000;

    @Option(names = "--groups-per-client", description = "Groups each member client joins (default ${DEFAULT-VALUE};"
            + " the server allows 64).")
    int groupsPerClient = 50;

    @Option(names = "--names", description = "Names in total (default ${DEFAULT-VALUE}).")
    int names = 10_000;

    @Option(names = "--names-per-client", description = "Names each client registers (default ${DEFAULT-VALUE};"
            + " the server allows 8).")
    int namesPerClient = 8;

    @Option(names = "--timeout", description = "How long to wait for each convergence (default ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofMinutes(5);

    private final List<DospServer> servers = new ArrayList<>();
    private final List<DospClient> clients = new ArrayList<>();
    private final List<DospClient> probes = new ArrayList<>();
    private final List<CountingRelay> relays = new ArrayList<>();

    /** Runs the measurement and prints the figures. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new NetworkCost()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path tmp = Files.createTempDirectory("dosp-network-cost");
        try {
            return run(tmp);
        } finally {
            probes.forEach(DospClient::close);
            clients.forEach(DospClient::close);
            servers.forEach(DospServer::close);
            for (CountingRelay r : relays) {
                r.close();
            }
        }
    }

    private int run(Path tmp) throws Exception {
        for (int i = 0; i < 3; i++) {
            int n = i;
            // Each server listens on 127.0.0.2 and tells peers 127.0.0.1 (advertised), where its relay listens on the
            // same port: the link handshake's dialed address is then the server's own, as without a relay.
            servers.add(DospServer.start(ServerConfig.builder().host(SERVER_HOST).port(0)
                    .template("10." + (i + 1) + ".x.x")
                    .limits(l -> l.maxConnectionsPerAddress(100_000))
                    .access(a -> a.adminToken("admin-token-for-bench-0123").adminTokenFile(tmp.resolve("token" + n)))
                    .federation(f -> f.meshKey(KEY).reachable(n == 2).advertisedHost(RELAY_HOST).peerHeartbeat(Duration.ofSeconds(1), 5)
                            .peerReconnect(Duration.ofMillis(50), Duration.ofMillis(500)))
                    .build()));
        }
        CountingRelay r01 = relay(1);
        CountingRelay r12 = relay(2);
        servers.get(0).addPeer(PeerSpec.of(RELAY_HOST, r01.port()));
        servers.get(1).addPeer(PeerSpec.of(RELAY_HOST, r12.port()));
        await("routes", this::fullRoutes);
        for (int i = 0; i < 3; i++) {
            probes.add(connect(i, probes.size() + 1_000_000));
        }

        int memberClients = (members + groupsPerClient - 1) / groupsPerClient;
        int nameClients = (names + namesPerClient - 1) / namesPerClient;
        long t = System.nanoTime();
        for (int i = 0; i < memberClients + nameClients; i++) {
            clients.add(connect(i % 3, i + 1));
        }
        int totalClients = clients.size() + probes.size();
        await("clients in every directory", () -> allProbes(p -> p.network().clients().size() == totalClients));
        System.out.printf(Locale.ROOT, "%d clients connected over 3 servers in %.1f s%n", clients.size(),
                seconds(System.nanoTime() - t));

        // Memberships.
        long heap0 = heapAfterGc();
        long bytes0 = r01.bytes() + r12.bytes();
        t = System.nanoTime();
        int sent = 0;
        for (int c = 0; c < memberClients && sent < members; c++) {
            for (int g = 0; g < groupsPerClient && sent < members; g++, sent++) {
                clients.get(c).send(ext(0x50, sent, str("group-" + g)));
            }
        }
        int joins = sent;
        await("memberships in every directory", () -> allProbes(p -> memberships(p) == joins));
        double joinSeconds = seconds(System.nanoTime() - t);
        long heap1 = heapAfterGc();
        long bytes1 = r01.bytes() + r12.bytes();
        report("group memberships", joins, heap1 - heap0, bytes1 - bytes0, joinSeconds);

        // Names.
        t = System.nanoTime();
        sent = 0;
        for (int c = memberClients; c < clients.size() && sent < names; c++) {
            for (int k = 0; k < namesPerClient && sent < names; k++, sent++) {
                clients.get(c).send(ext(0x60, sent, str("name-" + sent)));
            }
        }
        int registered = sent;
        await("names in every directory", () -> allProbes(p -> p.network().names().size() == registered));
        double nameSeconds = seconds(System.nanoTime() - t);
        long heap2 = heapAfterGc();
        long bytes2 = r01.bytes() + r12.bytes();
        report("names", registered, heap2 - heap1, bytes2 - bytes1, nameSeconds);

        // Full sync of the link S1 - S2: cut, S2's origin withdrawn at S0 and S1, let through again.
        long ownNamesS2 = probes.get(2).network().names().values().stream()
                .filter(v -> v.toString().startsWith("10.3.")).count();
        r12.cut(); // as a network failure: the dialer keeps trying, the relay refuses

        await("S2 withdrawn at S0 and S1", () -> probes.subList(0, 2).stream().allMatch(p -> p.network().clients()
                .stream().noneMatch(c -> c.vip().toString().startsWith("10.3."))));
        long b12 = r12.bytes();
        long b01 = r01.bytes();
        t = System.nanoTime();
        r12.restore(); // the dialer's next attempt (backoff at most 500 ms) gets through
        await("directories after the sync", () -> allProbes(p -> p.network().names().size() == registered
                && memberships(p) == joins && p.network().clients().size() == totalClients));
        double syncSeconds = seconds(System.nanoTime() - t);
        long syncBytes = r12.bytes() - b12;
        System.out.printf(Locale.ROOT, "full sync over the restored link S1-S2: %,d bytes on it (%,d entries:"
                + " %d clients, %d memberships, %d names; %.1f bytes per entry), %,d bytes on S0-S1 meanwhile,"
                + " converged in %.2f s (S2's own: %d names; S1 sent it S0's and its own origins, it sent S1 its own)%n",
                syncBytes, totalClients + joins + registered, totalClients, joins, registered,
                (double) syncBytes / (totalClients + joins + registered), r01.bytes() - b01, syncSeconds, ownNamesS2);
        return 0;
    }

    private CountingRelay relay(int to) throws Exception {
        int port = servers.get(to).port();
        CountingRelay r = new CountingRelay(RELAY_HOST, port, SERVER_HOST, port);
        relays.add(r);
        return r;
    }

    private DospClient connect(int server, int n) {
        return DospClient.connect(ClientOptions.builder().server(SERVER_HOST, servers.get(server).port())
                .machineHash(String.format("%064x", n)).heartbeat(h -> h.interval(Duration.ZERO)).build());
    }

    private boolean fullRoutes() {
        for (int i = 0; i < 3; i++) {
            List<String> have = servers.get(i).routes().stream().map(RouteInfo::template).toList();
            for (int j = 0; j < 3; j++) {
                if (i != j && !have.contains("10." + (j + 1) + ".x.x")) {
                    return false;
                }
            }
        }
        return true;
    }

    private interface Check {
        boolean test(DospClient probe);
    }

    private boolean allProbes(Check c) {
        for (DospClient p : probes) {
            if (!c.test(p)) {
                return false;
            }
        }
        return true;
    }

    private static long memberships(DospClient probe) {
        return probe.network().groups().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Polls {@code done} every 100 ms up to the timeout: the directories converge in the background. */
    private void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder state = new StringBuilder();
                for (DospServer srv : servers) {
                    state.append("\n  server :").append(srv.port()).append(" routes ").append(srv.routes())
                            .append(" peers ").append(srv.peers());
                }
                throw new IllegalStateException(what + ": not reached within " + timeout + state);
            }
            Thread.sleep(100); // polling interval of a measurement, not synchronization of a test
        }
    }

    private void report(String what, int entries, long heap, long bytes, double seconds) {
        System.out.printf(Locale.ROOT, "%,d %s: heap +%,d bytes after GC over 3 servers = %.0f bytes per entry per"
                + " server; link bytes %,d (2 links) = %.1f per entry; converged on all 3 in %.2f s%n",
                entries, what, heap, (double) heap / 3 / entries, bytes, (double) bytes / entries, seconds);
    }

    private static long heapAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[1 + b.length];
        out[0] = (byte) b.length;
        System.arraycopy(b, 0, out, 1, b.length);
        return out;
    }

    /** An EXT request frame: {@code kind req(4) body}. */
    private static SimplePacket ext(int kind, int req, byte[] body) {
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        w.write(req >>> 24);
        w.write(req >>> 16);
        w.write(req >>> 8);
        w.write(req);
        w.writeBytes(body);
        return Ext.frame(kind, w.toByteArray());
    }
}
