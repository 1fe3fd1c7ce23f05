package io.dosp.it.monitor;

import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.monitor.DospMonitor;
import io.dosp.monitor.MonitorConfig;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser (Debian's chromium through chromedriver, headless): a client that connects
 * appears in the table, the live numbers follow the traffic, and a kick asks for confirmation, needs the
 * token entered in the page, and disconnects the client. Keeps a screenshot in
 * {@code target/dashboard.png}. Skipped, saying why, when chromium or chromedriver is not installed
 * ({@code .ci/run} installs both).
 */
class DashboardIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path tmp;
    DospServer server;
    DospMonitor monitor;
    ChromeDriver browser;

    @BeforeEach
    void start() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium or chromedriver missing (apt-get install chromium chromium-driver): dashboard test skipped");
        server = TestServers.start(tmp);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1100", "--user-data-dir=" + tmp.resolve("profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (monitor != null) {
            monitor.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private List<WebElement> row(Vip vip) {
        return browser.findElements(By.cssSelector("#clients tbody tr[data-vip='" + vip + "']"));
    }

    /** The text of one cell of a client's row, read in one go (the table is redrawn with every snapshot); null without the row. */
    private String cell(Vip vip, int column) {
        return (String) browser.executeScript("const r = document.querySelector(\"#clients tbody tr[data-vip='\" + arguments[0]"
                + " + \"']\"); return r ? r.cells[arguments[1]].textContent : null;", vip.toString(), column);
    }

    /** Clicks a client's button, again if the table was redrawn between finding and clicking it. */
    private void click(Vip vip, String button) {
        await().atMost(AWAIT).ignoreExceptions().until(() -> {
            row(vip).get(0).findElement(By.cssSelector("button." + button)).click();
            return true;
        });
    }

    private void startMonitor(MonitorConfig.Builder b) {
        monitor = DospMonitor.start(server, b.eventInterval(Duration.ofMillis(500)).build());
    }

    private String status() {
        return browser.findElement(By.id("status")).getText();
    }

    private String message() {
        return browser.findElement(By.id("message")).getText();
    }

    @Test
    void notOnLoopbackThePageAsksForTheTokenAndShowsTheClientsWithIt() {
        startMonitor(MonitorConfig.builder().host("0.0.0.0").port(0));
        try (DospClient a = TestServers.client(server)) {
            browser.get("http://127.0.0.1:" + monitor.port() + "/");
            await().atMost(AWAIT).until(() -> status().equals("no access") && message().contains("admin token"));
            assertThat(row(a.vip())).isEmpty();
            browser.findElement(By.id("token")).sendKeys(TOKEN);
            browser.findElement(By.id("token-apply")).click();
            await().atMost(AWAIT).until(() -> row(a.vip()).size() == 1);
            assertThat(status()).isEqualTo("listening");
            assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN);
        }
    }

    @Test
    void withoutRoomOnTheEventStreamThePagePolls() {
        startMonitor(MonitorConfig.builder().port(0).maxEventSubscribers(0));
        try (DospClient a = TestServers.client(server)) {
            browser.get("http://127.0.0.1:" + monitor.port() + "/");
            await().atMost(AWAIT).until(() -> message().contains("polling") && row(a.vip()).size() == 1);
            try (DospClient b = TestServers.client(server)) {
                await().atMost(AWAIT).until(() -> row(b.vip()).size() == 1);
            }
            await().atMost(AWAIT).until(() -> browser.findElement(By.id("stat-clients")).getText().equals("1"));
        }
    }

    @Test
    void aClientAppearsTrafficShowsAndAKickWithTheTokenDisconnectsIt() throws IOException {
        startMonitor(MonitorConfig.builder().port(0));
        try (DospClient a = TestServers.client(server)) {
            browser.get("http://127.0.0.1:" + monitor.port() + "/");
            await().atMost(AWAIT).until(() -> row(a.vip()).size() == 1);
            assertThat(browser.findElement(By.id("status")).getText()).isEqualTo("listening");

            try (DospClient b = TestServers.client(server)) {
                // the new client appears while the page is open
                await().atMost(AWAIT).until(() -> row(b.vip()).size() == 1);
                await().atMost(AWAIT).until(() -> browser.findElement(By.id("stat-clients")).getText().equals("2"));
                // traffic in rounds, each one seen by the page before the next (so the charts show a few samples)
                int rounds = 6;
                int perRound = 40;
                for (int r = 1; r <= rounds; r++) {
                    for (int i = 0; i < perRound * r; i++) {
                        a.send(b.vip(), "message " + r + "." + i);
                    }
                    for (int i = 0; i < perRound * r; i++) {
                        assertThat(b.receive(AWAIT)).isNotNull();
                    }
                    int sent = perRound * r * (r + 1) / 2;
                    await().atMost(AWAIT).until(() -> cell(a.vip(), 6) != null && Double.parseDouble(cell(a.vip(), 6)) > sent);
                }
                a.send(Vip.parse("7.10.0.99"), "to nobody");
                await().atMost(AWAIT).until(() -> !browser.findElements(
                        By.cssSelector("#drops tbody tr[data-reason='no_route']")).isEmpty());
                // packets in: a sent 841 (and its handshake), b only its handshake (and maybe a heartbeat PING)
                await().atMost(AWAIT).until(() -> Double.parseDouble(cell(a.vip(), 6)) > 841);
                assertThat(Double.parseDouble(cell(b.vip(), 6))).isLessThan(10);

                // kick without a token: the page says it needs one and sends nothing
                click(b.vip(), "kick");
                await().atMost(AWAIT).until(() -> browser.findElement(By.id("message")).getText().contains("admin token"));
                assertThat(server.client(b.vip())).isPresent();

                Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
                Path kept = Path.of("target", "dashboard.png");
                Files.createDirectories(kept.getParent());
                Files.copy(shot, kept, StandardCopyOption.REPLACE_EXISTING);
                assertThat(Files.size(kept)).isGreaterThan(10_000);

                // with the token: confirm, then the client is gone from the server and the table
                browser.findElement(By.id("token")).sendKeys(TOKEN);
                browser.findElement(By.id("token-apply")).click();
                assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN);
                await().atMost(AWAIT).until(() -> browser.findElement(By.id("message")).getText().contains("Token set"));
                await().atMost(AWAIT).until(() -> row(b.vip()).size() == 1);
                click(b.vip(), "kick");
                Alert confirm = await().atMost(AWAIT).ignoreExceptions().until(() -> browser.switchTo().alert(),
                        alert -> alert != null);
                assertThat(confirm.getText()).contains("Kick " + b.vip());
                confirm.accept();
                TestServers.awaitExactly(server, a.vip());
                await().atMost(AWAIT).until(() -> row(b.vip()).isEmpty());
                assertThat(browser.findElement(By.id("message")).getText()).isEqualTo("Kicked " + b.vip() + ".");
                assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN);
                assertThat(new File(kept.toString())).exists();
            }
        }
    }
}
