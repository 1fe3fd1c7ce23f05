package io.dosp.it.monitor;

import static io.dosp.it.monitor.MonitorHttp.json;
import static io.dosp.it.monitor.MonitorHttp.sample;
import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.monitor.DospMonitor;
import io.dosp.monitor.MonitorConfig;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring listener over real HTTP (java.net.http.HttpClient, raw sockets for what it must refuse) in
 * front of a real server with real clients: metrics move with traffic, /healthz flips, /api/clients matches
 * GCL, the auth rule, and the bounds.
 */
class MonitorIT {
    @TempDir
    Path tmp;
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    private DospServer server() {
        return keep(TestServers.start(tmp));
    }

    private DospMonitor monitor(DospServer server, MonitorConfig.Builder b) {
        return keep(DospMonitor.start(server, b.build()));
    }

    private DospMonitor loopbackMonitor(DospServer server) {
        return monitor(server, MonitorConfig.builder().port(0));
    }

    private DospClient client(DospServer server) {
        return keep(TestServers.client(server));
    }

    @Test
    void networkMetricsFollowTheDirectoryAndGroupMessages() {
        io.dosp.testkit.Mesh mesh = keep(new io.dosp.testkit.Mesh(tmp, 2));
        mesh.link(0, 1);
        mesh.awaitFullRoutes();
        MonitorHttp http = new MonitorHttp(loopbackMonitor(mesh.server(0)));
        DospClient a = mesh.client(0);
        DospClient b = mesh.client(1);
        a.network().join("ops");
        b.network().join("ops");
        await().atMost(Duration.ofSeconds(60)).until(() -> a.network().members("ops").size() == 2);
        assertThat(a.network().sendToGroup("ops", "deploy done")).isEqualTo(1);
        assertThat(b.network().sendToGroup("ops", "ack")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            String page = http.get("/metrics").body();
            return sample(page, "dosp_network_group_messages_total") == 2
                    && sample(page, "dosp_network_group_delivered_total") == 1;
        });
        String page = http.get("/metrics").body();
        io.dosp.server.NetworkStats net = mesh.server(0).stats().network();
        assertThat(sample(page, "dosp_network_origins")).isEqualTo(2).isEqualTo(net.origins());
        assertThat(sample(page, "dosp_network_origins_reachable")).isEqualTo(2);
        assertThat(sample(page, "dosp_network_clients")).isGreaterThanOrEqualTo(2);
        assertThat(sample(page, "dosp_network_entries")).isGreaterThanOrEqualTo(4); // two clients, two memberships
        assertThat(sample(page, "dosp_network_updates_total")).isGreaterThanOrEqualTo(1).isEqualTo(net.updates());
        assertThat(sample(page, "dosp_network_group_missed_total")).isZero();
        assertThat(sample(page, "dosp_network_malformed_total")).isZero();
        assertThat(sample(page, "dosp_network_remote_contacts")).isZero();
        assertThat(sample(page, "dosp_ext_peer_gone_sent_total")).isZero();
        assertThat(net.groupMessages()).isEqualTo(2);
        assertThat(net.groupDelivered()).isEqualTo(1);
    }

    @Test
    void metricsCountTrafficDropsAndTheJvm() {
        DospServer server = server();
        MonitorHttp http = new MonitorHttp(loopbackMonitor(server));
        HttpResponse<String> first = http.get("/metrics");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        String page = first.body();
        double packetsBefore = sample(page, "dosp_packets_in_total");
        double bytesBefore = sample(page, "dosp_bytes_in_total");
        assertThat(sample(page, "dosp_clients_connected")).isZero();
        assertThat(sample(page, "dosp_drops_total{reason=\"no_route\"}")).isZero();
        assertThat(sample(page, "dosp_listening")).isEqualTo(1);
        assertThat(page).contains("jvm_memory_used_bytes{", "jvm_threads_live_threads", "process_uptime_seconds");

        DospClient a = client(server);
        DospClient b = client(server);
        int n = 25;
        for (int i = 0; i < n; i++) {
            a.send(b.vip(), "hello " + i);
        }
        for (int i = 0; i < n; i++) {
            Incoming in = b.receive(AWAIT);
            assertThat(in).isNotNull();
        }
        a.send(Vip.parse("7.10.0.200"), "nobody holds this vIP");

        await().atMost(AWAIT).untilAsserted(() -> {
            String now = http.get("/metrics").body();
            assertThat(sample(now, "dosp_packets_in_total")).isGreaterThanOrEqualTo(packetsBefore + n + 1);
            assertThat(sample(now, "dosp_bytes_in_total")).isGreaterThan(bytesBefore + n * 8);
            assertThat(sample(now, "dosp_packets_out_total")).isGreaterThanOrEqualTo(n);
            assertThat(sample(now, "dosp_clients_connected")).isEqualTo(2);
            assertThat(sample(now, "dosp_drops_total{reason=\"no_route\"}")).isEqualTo(1);
            assertThat(sample(now, "dosp_connections_accepted_total")).isGreaterThanOrEqualTo(2);
        });
        // the counters are the server's own: the metric equals the stats the API reports
        String now = http.get("/metrics").body();
        assertThat((long) sample(now, "dosp_drops_total{reason=\"no_route\"}"))
                .isEqualTo(server.stats().drops(io.dosp.server.DropReason.NO_ROUTE));
    }

    @Test
    void healthzIsReadyWhileListeningAndFlipsWhenTheServerStops() {
        DospServer server = server();
        DospMonitor monitor = loopbackMonitor(server);
        MonitorHttp http = new MonitorHttp(monitor);
        HttpResponse<String> ready = http.get("/healthz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).get("status").asText()).isEqualTo("ready");

        server.close();
        HttpResponse<String> stopped = http.get("/healthz");
        assertThat(stopped.statusCode()).isEqualTo(503);
        assertThat(json(stopped).get("status").asText()).isEqualTo("not ready");
        assertThat(json(stopped).get("reason").asText()).isEqualTo("not listening");
        assertThat(sample(http.get("/metrics").body(), "dosp_listening")).isZero();
    }

    @Test
    void healthzIsNotReadyWhileAConfiguredPeerIsNotLinked() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        int port = closedPort;
        DospServer server = keep(TestServers.start(tmp, b -> b.federation(f -> f.meshKey("monitor-test-mesh-key-0123")
                .peer(PeerSpec.of("127.0.0.1", port)))));
        MonitorHttp http = new MonitorHttp(loopbackMonitor(server));
        HttpResponse<String> r = http.get("/healthz");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).get("reason").asText()).startsWith("peer links not up: 127.0.0.1:" + port);
        JsonNode peers = json(http.get("/api/peers"));
        assertThat(peers.get("federation").asBoolean()).isTrue();
        assertThat(peers.get("peers")).hasSize(1);
        assertThat(peers.get("peers").get(0).get("address").asText()).isEqualTo("127.0.0.1:" + port);
        assertThat(json(http.get("/api/routes")).get("own").asText()).isEqualTo("7.10.0.x");
    }

    @Test
    void apiClientsMatchesGclAndPagesAndFilters() {
        DospServer server = server();
        MonitorHttp http = new MonitorHttp(loopbackMonitor(server));
        DospClient a = client(server);
        client(server);
        client(server);
        a.admin().authenticate(TOKEN);

        List<Vip> gcl = a.clients();
        JsonNode page = json(http.get("/api/clients"));
        assertThat(page.get("total").asInt()).isEqualTo(3);
        assertThat(vips(page)).isEqualTo(vips(gcl));
        JsonNode first = page.get("clients").get(0);
        assertThat(first.get("vip").asText()).isEqualTo("7.10.0.2");
        assertThat(first.get("admin").asBoolean()).isTrue();
        assertThat(first.get("hash").asText()).isEqualTo("ab".repeat(32));
        assertThat(first.get("remote").asText()).startsWith("127.0.0.1:");

        JsonNode p1 = json(http.get("/api/clients?offset=0&limit=2"));
        JsonNode p2 = json(http.get("/api/clients?offset=2&limit=2"));
        assertThat(p1.get("clients")).hasSize(2);
        assertThat(p2.get("clients")).hasSize(1);
        Set<String> both = new HashSet<>(vips(p1));
        both.addAll(vips(p2));
        assertThat(both).isEqualTo(vips(page));

        assertThat(vips(json(http.get("/api/clients?admin=true")))).containsExactly("7.10.0.2");
        assertThat(vips(json(http.get("/api/clients?admin=false")))).containsExactlyInAnyOrder("7.10.0.3", "7.10.0.4");
        assertThat(vips(json(http.get("/api/clients?vip=7.10.0.4")))).containsExactly("7.10.0.4");
        assertThat(vips(json(http.get("/api/clients?compression=true")))).isEmpty();
        assertThat(json(http.get("/api/clients?limit=100000")).get("limit").asInt())
                .isEqualTo(MonitorConfig.DEFAULT_MAX_PAGE_SIZE);
        assertThat(http.get("/api/clients?limit=abc").statusCode()).isEqualTo(400);
        assertThat(http.get("/api/clients?offset=-1").statusCode()).isEqualTo(400);
        assertThat(http.get("/api/clients?admin=maybe").statusCode()).isEqualTo(400);
        assertThat(http.get("/api/clients?vip=%3Cscript%3E").statusCode()).isEqualTo(400);

        JsonNode s = json(http.get("/api/server"));
        assertThat(s.get("clients").asInt()).isEqualTo(3);
        assertThat(s.get("template").asText()).isEqualTo("7.10.0.x");
        assertThat(s.get("drops").get("no_route").asLong()).isZero();
        assertThat(s.get("listening").asBoolean()).isTrue();
    }

    private static Set<String> vips(JsonNode page) {
        Set<String> out = new HashSet<>();
        StreamSupport.stream(page.get("clients").spliterator(), false).forEach(c -> out.add(c.get("vip").asText()));
        return out;
    }

    private static Set<String> vips(List<Vip> gcl) {
        Set<String> out = new HashSet<>();
        gcl.forEach(v -> out.add(v.toString()));
        return out;
    }

    @Test
    void viewsNeedTheTokenWhenNotBoundToLoopback() {
        DospServer server = server();
        DospMonitor monitor = monitor(server, MonitorConfig.builder().host("0.0.0.0").port(0).maxAuthFailures(20));
        assertThat(monitor.config().loopback()).isFalse();
        MonitorHttp http = new MonitorHttp(monitor);
        for (String view : List.of("/metrics", "/api/server", "/api/clients", "/api/peers", "/api/routes", "/api/events")) {
            HttpResponse<String> none = http.get(view);
            assertThat(none.statusCode()).as(view).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"dosp-monitor\"");
            assertThat(http.get(view, "not-the-token").statusCode()).as(view).isEqualTo(403);
        }
        assertThat(http.get("/api/server", TOKEN).statusCode()).isEqualTo(200);
        assertThat(http.get("/metrics", TOKEN).body()).contains("dosp_packets_in_total");
        // readiness and the dashboard's files carry no data: open
        assertThat(http.get("/healthz").statusCode()).isEqualTo(200);
        HttpResponse<String> page = http.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
        assertThat(json(http.get("/api/server", TOKEN)).get("monitor").get("wrongTokens").asLong()).isEqualTo(6);
    }

    @Test
    void kickAndBanAlwaysNeedTheToken() {
        DospServer server = server();
        MonitorHttp http = new MonitorHttp(loopbackMonitor(server));
        DospClient victim = client(server);
        DospClient other = keep(DospClient.connect(TestServers.options(server).machineHash("cd".repeat(32)).build()));
        String vip = victim.vip().toString();

        assertThat(http.post("/api/clients/" + vip + "/kick", null).statusCode()).isEqualTo(401);
        assertThat(http.post("/api/clients/" + vip + "/kick", "wrong").statusCode()).isEqualTo(403);
        assertThat(http.post("/api/clients/" + vip + "/ban", null).statusCode()).isEqualTo(401);
        assertThat(http.get("/api/clients/" + vip + "/kick", TOKEN).statusCode()).isEqualTo(405);
        TestServers.awaitExactly(server, victim.vip(), other.vip());

        HttpResponse<String> kicked = http.post("/api/clients/" + vip + "/kick", TOKEN);
        assertThat(kicked.statusCode()).isEqualTo(200);
        assertThat(json(kicked).get("kicked").asBoolean()).isTrue();
        TestServers.awaitExactly(server, other.vip());
        assertThat(http.post("/api/clients/7.10.0.250/kick", TOKEN).statusCode()).isEqualTo(404);
        assertThat(http.post("/api/clients/not-a-vip/kick", TOKEN).statusCode()).isEqualTo(400);

        HttpResponse<String> banned = http.post("/api/clients/" + other.vip() + "/ban", TOKEN);
        assertThat(banned.statusCode()).isEqualTo(200);
        TestServers.awaitExactly(server);
        // the hash is banned: a new connection with it is refused
        ClientOptions again = TestServers.options(server).machineHash("cd".repeat(32))
                .reconnect(r -> r.enabled(false)).build();
        long bannedBefore = server.stats().drops(io.dosp.server.DropReason.BANNED);
        try (DospClient c = DospClient.connect(again)) {
            await().atMost(AWAIT).until(() -> !c.isConnected());
        } catch (RuntimeException refused) {
            // refused during the handshake: just as good
        }
        await().atMost(AWAIT).untilAsserted(() -> assertThat(server.stats().drops(io.dosp.server.DropReason.BANNED))
                .isEqualTo(bannedBefore + 1));
        TestServers.awaitExactly(server);
    }

    @Test
    void wrongTokensAreThrottledPerAddress() {
        DospServer server = server();
        MonitorHttp http = new MonitorHttp(monitor(server, MonitorConfig.builder().port(0).maxAuthFailures(3)
                .authBackoff(Duration.ofMinutes(5))));
        for (int i = 0; i < 3; i++) {
            assertThat(http.post("/api/clients/7.10.0.2/kick", "guess-" + i).statusCode()).isEqualTo(403);
        }
        HttpResponse<String> throttled = http.post("/api/clients/7.10.0.2/kick", TOKEN);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).hasValue("300");
        JsonNode m = json(http.get("/api/server")).get("monitor");
        assertThat(m.get("wrongTokens").asLong()).isEqualTo(3);
        assertThat(m.get("throttledTokens").asLong()).isEqualTo(1);
    }

    @Test
    void aForeignHostHeaderNeedsTheTokenEvenOnLoopback() {
        DospServer server = server();
        MonitorHttp http = new MonitorHttp(loopbackMonitor(server));
        String foreign = http.raw("GET /api/server HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
        assertThat(foreign).startsWith("HTTP/1.1 401");
        String local = http.raw("GET /api/server HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(local).startsWith("HTTP/1.1 200");
        String withToken = http.raw("GET /api/server HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer " + TOKEN
                + "\r\nConnection: close\r\n\r\n");
        assertThat(withToken).startsWith("HTTP/1.1 200");
    }

    @Test
    void requestsAndConnectionsAreBounded() throws Exception {
        DospServer server = server();
        DospMonitor monitor = monitor(server, MonitorConfig.builder().port(0).maxConnections(2).maxHeaderBytes(1024)
                .idleTimeout(Duration.ofSeconds(2)).eventInterval(Duration.ofMillis(500)));
        MonitorHttp http = new MonitorHttp(monitor);
        String huge = http.raw("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "x".repeat(4000) + "\r\n\r\n");
        assertThat(huge).startsWith("HTTP/1.1 431");
        String body = http.raw("POST /api/clients/7.10.0.2/kick HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(body).startsWith("HTTP/1.1 413");
        assertThat(http.raw("BREW /coffee HTCPCP/1.0\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(http.raw("GET /nothing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 404");

        // two idle connections fill the listener; the third is answered 503; idle ones are closed after the timeout
        try (Socket s1 = new Socket(); Socket s2 = new Socket()) {
            s1.connect(new InetSocketAddress("127.0.0.1", monitor.port()));
            s2.connect(new InetSocketAddress("127.0.0.1", monitor.port()));
            String third = http.raw("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(third).startsWith("HTTP/1.1 503");
            s1.setSoTimeout(15_000);
            s2.setSoTimeout(15_000);
            assertThat(s1.getInputStream().read()).isEqualTo(-1); // closed by the listener's idle timeout
            assertThat(s2.getInputStream().read()).isEqualTo(-1);
        }
        await().atMost(AWAIT).untilAsserted(() -> {
            JsonNode m = json(http.get("/api/server")).get("monitor");
            assertThat(m.get("refusedConnections").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(m.get("timedOut").asLong()).isEqualTo(2);
        });
    }

    @Test
    void connectionsPerAddressAreBounded() throws Exception {
        DospServer server = server();
        DospMonitor monitor = monitor(server, MonitorConfig.builder().port(0).maxConnectionsPerAddress(1));
        MonitorHttp http = new MonitorHttp(monitor);
        try (Socket held = new Socket()) {
            held.connect(new InetSocketAddress("127.0.0.1", monitor.port()));
            // the same address again: refused, while another address of this machine is served
            await().atMost(AWAIT).until(() -> http.raw("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .startsWith("HTTP/1.1 503"));
            try (Socket other = new Socket()) {
                other.bind(new InetSocketAddress("127.0.0.2", 0));
                other.connect(new InetSocketAddress("127.0.0.1", monitor.port()));
                other.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                other.setSoTimeout(10_000);
                assertThat(new String(other.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                        .startsWith("HTTP/1.1 200");
            }
        }
    }

    @Test
    void aClientThatSendsRequestsWithoutReadingTheAnswersIsClosed() throws Exception {
        DospServer server = server();
        DospMonitor monitor = loopbackMonitor(server);
        MonitorHttp http = new MonitorHttp(monitor);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", monitor.port()));
            OutputStream out = s.getOutputStream();
            byte[] request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            try {
                for (int i = 0; i < 20_000; i++) {
                    out.write(request);
                }
            } catch (IOException closedByTheListener) {
                // the listener closed the connection while we were still writing
            }
            await().atMost(AWAIT).untilAsserted(() -> assertThat(
                    json(http.get("/api/server")).get("monitor").get("badRequests").asLong()).isEqualTo(1));
        }
    }

    @Test
    void eventStreamSendsSnapshotsToABoundedNumberOfSubscribers() throws Exception {
        DospServer server = server();
        DospMonitor monitor = monitor(server, MonitorConfig.builder().port(0).maxEventSubscribers(1)
                .eventInterval(Duration.ofMillis(200)));
        MonitorHttp http = new MonitorHttp(monitor);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", monitor.port()));
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String head = readUntil(in, "\"clients\":0", 1);
            assertThat(head).startsWith("HTTP/1.1 200").contains("text/event-stream", "event: snapshot\ndata: {");
            HttpResponse<String> second = http.get("/api/events");
            assertThat(second.statusCode()).isEqualTo(503);
            client(server);
            readUntil(in, "\"clients\":1", 1); // a later snapshot shows the new client
            assertThat(json(http.get("/api/server")).get("monitor").get("refusedSubscribers").asLong()).isEqualTo(1);
        }
    }

    /** Reads until {@code marker} has been seen {@code times} times; returns all that was read. */
    private static String readUntil(InputStream in, String marker, int times) throws IOException {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[4096];
        while (count(sb, marker) < times) {
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("stream ended before '" + marker + "':\n" + sb);
            }
            sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private static int count(CharSequence s, String marker) {
        int c = 0;
        for (int i = s.toString().indexOf(marker); i >= 0; i = s.toString().indexOf(marker, i + 1)) {
            c++;
        }
        return c;
    }
}
