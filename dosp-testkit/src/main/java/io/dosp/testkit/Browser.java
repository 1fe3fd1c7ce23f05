package io.dosp.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless browser for tests: Debian's chromium driven through its chromedriver by Selenium, with a
 * fresh profile, no network services of its own and no downloads (the driver and browser are the ones
 * installed by {@code apt-get install chromium chromium-driver}; Selenium Manager is never asked for one).
 * Needs selenium-chrome-driver and selenium-support on the class path (optional dependencies of this module).
 *
 * <p>One browser per instance; not thread-safe (WebDriver is not). Closing quits the browser and deletes
 * its profile.
 */
public final class Browser implements AutoCloseable {
    /** The browser binary ({@code -Ddosp.chromium=...} to override). */
    public static final Path CHROMIUM = Path.of(System.getProperty("dosp.chromium", "/usr/bin/chromium"));
    /** Its driver ({@code -Ddosp.chromedriver=...} to override). */
    public static final Path CHROMEDRIVER = Path.of(System.getProperty("dosp.chromedriver", "/usr/bin/chromedriver"));

    /**
     * Selenium looks for a DevTools (CDP) binding matching the browser's version and warns on every start when
     * it has none; these tests use WebDriver only. Held strongly, or java.util.logging forgets the level.
     */
    private static final java.util.logging.Logger CDP_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools");

    static {
        CDP_LOG.setLevel(Level.SEVERE);
    }

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /**
     * Why browser tests cannot run here, or empty when they can: chromium and chromedriver must be
     * executable files.
     *
     * @return the reason, for a skip message
     */
    public static Optional<String> unavailable() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) {
            missing.add(CHROMIUM.toString());
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            missing.add(CHROMEDRIVER.toString());
        }
        return missing.isEmpty() ? Optional.empty()
                : Optional.of("browser tests SKIPPED: " + String.join(" and ", missing)
                        + " not found (apt-get install chromium chromium-driver; .ci/run does)");
    }

    /**
     * Starts a headless chromium with a fresh profile under {@code tmp}.
     *
     * @param tmp a directory for the profile
     * @return the browser
     */
    public static Browser start(Path tmp) {
        Path profile;
        try {
            profile = Files.createTempDirectory(tmp, "chromium-profile");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,800", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        options.setExperimentalOption("prefs", Map.of("credentials_enable_service", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        return new Browser(driver, profile);
    }

    /** The WebDriver, for finding elements and running scripts. */
    public WebDriver driver() {
        return driver;
    }

    /** Loads a page and waits for its load event. */
    public void open(String url) {
        driver.get(url);
    }

    /**
     * A wait on this browser of at most {@code timeout}. A page that re-renders replaces elements while a
     * condition looks at them: a stale element only means "look again".
     */
    public WebDriverWait waiting(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(driver, timeout);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** Runs a script in the page. */
    public Object script(String js, Object... args) {
        return driver.executeScript(js, args);
    }

    /**
     * Saves a PNG of the visible page.
     *
     * @param file where (its directory is created)
     * @return the file
     */
    public Path screenshot(Path file) {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The page's console lines so far (errors, warnings, logs), for a failing test's report. */
    public List<String> console() {
        List<String> out = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            out.add(e.getLevel() + " " + e.getMessage());
        }
        return out;
    }

    /** Quits the browser and deletes its profile. */
    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a file chromium still held: left in the test's temporary directory
                }
            });
        } catch (IOException ignored) {
            // nothing to delete
        }
    }
}
