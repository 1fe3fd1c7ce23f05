package io.dosp.it.web;

import io.dosp.testkit.Browser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web chat page in a real browser, seen as a person sees it: what the page shows (status, vIP, who is
 * online, messages with their encryption mark, errors) and what a person does (pick a peer, type, press Send,
 * press Encrypt). Every wait is a condition on the page, never a fixed delay.
 */
final class ChatPage implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Path SCREENSHOTS = Path.of(System.getProperty("project.build.directory", "target"), "browser-screenshots");

    private static final java.util.concurrent.atomic.AtomicBoolean WARNED = new java.util.concurrent.atomic.AtomicBoolean();

    private final Browser browser;

    /** Skips the calling test, with the reason in the report and once on the console, where chromium is missing. */
    static void assumeBrowser() {
        Browser.unavailable().ifPresent(reason -> {
            if (WARNED.compareAndSet(false, true)) {
                System.out.println("[WARNING] " + reason);
            }
            org.junit.jupiter.api.Assumptions.abort(reason);
        });
    }

    private ChatPage(Browser browser) {
        this.browser = browser;
    }

    /** Opens the chat page at {@code url} (served by the DoSP server's WebSocket port) in a new browser. */
    static ChatPage open(Path tmp, String url) {
        Browser b = Browser.start(tmp);
        try {
            b.open(url);
            return new ChatPage(b);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** Waits until the page says it is connected, and returns the vIP it shows. */
    String awaitConnected() {
        browser.waiting(WAIT).until(d -> "open".equals(d.findElement(By.id("status")).getAttribute("data-state")));
        return browser.waiting(WAIT).until(d -> {
            String v = d.findElement(By.id("my-vip")).getText();
            return v.matches("\\d+\\.\\d+\\.\\d+\\.\\d+") ? v : null;
        });
    }

    /** The connection state the page shows ({@code open}, {@code reconnecting}, {@code closed}, ...). */
    String status() {
        return browser.driver().findElement(By.id("status")).getAttribute("data-state");
    }

    /** Waits until {@code vip} is in the page's list of clients online. */
    void awaitOnline(String vip) {
        browser.waiting(WAIT).until(d -> !d.findElements(By.cssSelector("#peers li[data-vip='" + vip + "'][data-online='true']")).isEmpty());
    }

    /** The vIPs the page lists as online. */
    List<String> online() {
        return browser.driver().findElements(By.cssSelector("#peers li[data-online='true']")).stream()
                .map(e -> e.getAttribute("data-vip")).collect(Collectors.toList());
    }

    /** Opens the conversation with {@code vip} by typing it into the "other vIP" box (as for a peer on another server). */
    void chatWith(String vip) {
        WebElement box = browser.driver().findElement(By.id("direct-vip"));
        box.clear();
        box.sendKeys(vip);
        browser.driver().findElement(By.cssSelector("#direct-form button")).click();
        awaitConversation(vip);
    }

    /** Opens the conversation with {@code vip} by clicking it in the list. */
    void select(String vip) {
        // the list is re-rendered on every refresh: find and click in one try, again if the element went stale
        browser.waiting(WAIT).until(d -> {
            d.findElement(By.cssSelector("#peers li[data-vip='" + vip + "']")).click();
            return true;
        });
        awaitConversation(vip);
    }

    private void awaitConversation(String vip) {
        browser.waiting(WAIT).until(d -> vip.equals(d.findElement(By.id("conversation")).getAttribute("data-peer")));
    }

    /** Types {@code text} and presses Send. */
    void send(String text) {
        WebElement input = browser.driver().findElement(By.id("text"));
        input.sendKeys(text);
        browser.driver().findElement(By.id("send")).click();
    }

    /** Presses Encrypt and waits until the conversation says it is end-to-end encrypted. */
    void encrypt() {
        browser.driver().findElement(By.id("encrypt")).click();
        awaitSecureConversation();
    }

    /** Presses Encrypt without waiting for the tunnel (it may fail). */
    void browserEncrypt() {
        browser.driver().findElement(By.id("encrypt")).click();
    }

    void awaitSecureConversation() {
        browser.waiting(WAIT).until(d -> "true".equals(d.findElement(By.id("conversation")).getAttribute("data-secure")));
    }

    /** What the conversation's badge says. */
    String badge() {
        return browser.driver().findElement(By.id("e2e-badge")).getText();
    }

    /**
     * Waits until the open conversation shows a message of direction {@code dir} ("in" or "out") with this
     * text, and returns whether the page marks it end-to-end encrypted. (Read in one script: the page
     * re-renders the list on every change.)
     */
    boolean awaitMessage(String dir, String text) {
        // the wait's value must not be Boolean.FALSE (that reads as "not yet"): the mark's text is returned
        String secure = browser.waiting(WAIT).until(d -> (String) browser.script(
                "const m = [...document.querySelectorAll('#messages .msg.' + arguments[0])]"
                        + ".find((e) => e.querySelector('.text').textContent === arguments[1]);"
                        + "return m ? m.dataset.secure : null;", dir, text));
        return "true".equals(secure);
    }

    /** Waits until the open conversation shows an outgoing message with this text marked as not delivered. */
    void awaitFailed(String text) {
        browser.waiting(WAIT).until(d -> (Boolean) browser.script("return [...document.querySelectorAll('#messages .msg.out.failed')]"
                + ".some((e) => e.querySelector('.text').textContent === arguments[0]);", text));
    }

    /** Waits until an error containing {@code part} is shown to the person, and returns it. */
    String awaitError(String part) {
        return browser.waiting(WAIT).until(d -> (String) browser.script("const e = [...document.querySelectorAll('#errors .error span')]"
                + ".map((s) => s.textContent).find((t) => t.includes(arguments[0])); return e === undefined ? null : e;", part));
    }

    /** How many incoming messages the open conversation shows. */
    int incomingCount() {
        return browser.driver().findElements(By.cssSelector("#messages .msg.in")).size();
    }

    /** The page's own counters (dosp.js client stats). */
    long stat(String name) {
        Object v = browser.script("return window.dospChat.client.stats[arguments[0]];", name);
        return ((Number) v).longValue();
    }

    /** Saves a screenshot under target/browser-screenshots. */
    Path screenshot(String name) {
        return browser.screenshot(SCREENSHOTS.resolve(name + ".png"));
    }

    @Override
    public void close() {
        try {
            browser.console().forEach(line -> System.out.println("[browser console] " + line));
        } finally {
            browser.close();
        }
    }
}
