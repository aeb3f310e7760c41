package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.net.HostPort;
import dev.facteur.server.Facteur;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.Patience;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * which {@code bin/test} installs), against a whole Facteur whose messages wait in the queue: its
 * relay refuses connections, so each message is tried once, deferred, and stays an hour. The page
 * takes the token, shows the queue, holds and releases a message through its own confirmation,
 * draws the activity, finds a message's path, refuses a wrong token, tells a read-only token that
 * it cannot act, loads nothing from elsewhere, and fits a phone's width.
 */
class DashboardIT {

    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    static Path dir;
    private static Facteur facteur;
    private static String base;
    private static String token;
    private static String readOnly;
    private static final List<String> queued = new ArrayList<>();

    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    static void startFacteurWithTwoWaitingMessages() throws Exception {
        assumeTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "the dashboard tests need Chromium and its driver: apt-get install chromium chromium-driver (bin/test does)");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // closed again below: the relay refuses every connection
        }
        Path tokens = Files.createDirectories(dir.resolve("data")).resolve("admin.token");
        token = TokenFile.add(tokens, false, "operator");
        readOnly = TokenFile.add(tokens, true, "a dashboard that only looks");
        facteur = TestConfig.in(dir.resolve("data")).dns(new HostPort("127.0.0.1", 9))
                .delivery(Map.of("smarthost", "[127.0.0.1]:" + closed, "retry_initial", "1h", "retry_max", "2h")).start();
        var admin = facteur.adminAddress().orElseThrow();
        base = "http://127.0.0.1:" + admin.getPort();
        for (String rcpt : List.of("bob@example.net", "carol@example.net")) {
            queued.add(WireClient.submit(facteur.smtpAddresses().getFirst(), "<alice@example.org>", List.of("<" + rcpt + ">"),
                    ("From: <alice@example.org>\r\nSubject: to " + rcpt + "\r\nMessage-ID: <" + rcpt.replace('@', '.')
                            + "@example.org>\r\n\r\nHello.\r\n").getBytes(StandardCharsets.US_ASCII)));
        }
        // the first attempt is over (deferred) before the page acts on them: an action never meets one in flight
        for (String id : queued) Patience.await(id + " deferred").until(() -> envelope(id).map(e -> e.schedule().attempts()).orElse(0) == 1);
    }

    @AfterAll
    static void stopFacteur() throws IOException {
        if (facteur != null) facteur.close();
    }

    private static Optional<Envelope> envelope(String id) {
        return facteur.spool().find(QueueId.parse(id)).map(StoredMessage::envelope);
    }

    private static boolean held(String id) {
        return envelope(id).orElseThrow().schedule().held();
    }

    private void open(int width, int height) {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString()); // Debian's driver: no Selenium Manager download
        var options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=" + width + "," + height);
        var service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString())).build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Patience.EVENT);
        browser.get(base + "/dashboard/");
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.quit();
    }

    private void signIn(String withToken) {
        WebElement field = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        field.sendKeys(withToken);
        browser.findElement(By.cssSelector("#login button[type=submit]")).click();
    }

    private WebElement row(String id) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#message-list tr[data-id='" + id + "']")));
    }

    private void openMessage(String id) {
        row(id).findElement(By.cssSelector("button[data-open]")).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), id));
    }

    /** Clicks an action of the message shown, then the dialog's button ({@code ok} or {@code cancel}). */
    private void act(String action, String answer) {
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#actions button[data-action=" + action + "]"))).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        browser.findElement(By.id("confirm-" + answer)).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
    }

    private String state(String id) {
        return row(id).findElement(By.cssSelector(".state")).getText();
    }

    @Test
    void theOperatorSeesTheQueueAndHoldsThenReleasesAMessageEachTimeAfterConfirming() {
        open(1280, 1800);
        signIn(token);
        long waiting = facteur.spool().messages().stream().filter(m -> !m.envelope().isComplete()).count();
        wait.until(ExpectedConditions.textToBe(By.id("total"), String.valueOf(waiting)));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#destinations tbody"), "example.net"));
        String id = queued.getFirst();
        assertThat(state(id)).isEqualTo("deferred");

        openMessage(id);
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#actions button[data-action=hold]"))).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        assertThat(browser.findElement(By.id("confirm-text")).getText()).startsWith("Hold message " + id + "?");
        assertThat(held(id)).as("nothing is done before the confirmation").isFalse();
        browser.findElement(By.id("confirm-ok")).click();

        Patience.await(id + " held in the spool").until(() -> held(id));
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#detail-fields dd[data-field=State]"), "held"));
        wait.until(d -> state(id).equals("held"));
        assertThat(browser.findElement(By.id("notice")).getText()).as("the server's answer").contains(id);

        act("release", "ok");
        Patience.await(id + " released in the spool").until(() -> !held(id));
        wait.until(d -> !state(id).equals("held"));
    }

    @Test
    void cancellingTheConfirmationDoesNothing() {
        open(1280, 1800);
        signIn(token);
        String id = queued.getLast();
        openMessage(id);

        act("delete", "cancel");

        assertThat(envelope(id)).as("still queued").isPresent();
        assertThat(browser.findElement(By.id("notice")).isDisplayed()).isFalse();
    }

    @Test
    void theActivityChartShowsTheAcceptedMessagesAndTheFailingDestinationWithItsReply() {
        open(1280, 1800);
        signIn(token);

        wait.until(ExpectedConditions.textToBe(By.id("sum-accepted"), String.valueOf(queued.size())));
        WebElement line = browser.findElement(By.cssSelector("#throughput-chart polyline.accepted"));
        List<Double> ys = new ArrayList<>();
        for (String point : line.getAttribute("points").split(" ")) ys.add(Double.parseDouble(point.split(",")[1]));
        assertThat(ys).as("one point per five minutes of the last 6 hours").hasSize(72);
        assertThat(Collections.min(ys)).as("the bucket of the arrivals stands above the empty ones (y grows downwards)")
                .isLessThan(Collections.max(ys));
        assertThat(browser.findElements(By.cssSelector("#outcome-chart rect.bar.deferred"))).isNotEmpty();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#failing tbody"), "example.net"));
        assertThat(browser.findElement(By.cssSelector("#failing tbody td.reply")).getText()).isNotBlank();
    }

    @Test
    void searchingAQueueIdShowsTheMessagesPathFromArrivalToEachAttempt() {
        open(1280, 1800);
        signIn(token);
        String id = queued.getLast();

        WebElement q = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("q")));
        q.sendKeys(id);
        browser.findElement(By.cssSelector("#search-form button[type=submit]")).click();

        String trace = "#search-results article[data-queue-id='" + id + "'] ";
        WebElement received = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(trace + "li.received")));
        assertThat(received.getText()).contains("alice@example.org", "carol@example.net");
        WebElement attempt = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(trace + "li.attempt")));
        assertThat(attempt.getText()).contains("Attempt 1 for carol@example.net: deferred");
    }

    @Test
    void aWrongTokenIsRefusedWithAClearMessageAndTheTokenIsAskedForAgain() {
        open(1280, 1800);
        signIn("x".repeat(43));

        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(error.getText()).contains("refused this token", "401");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        assertThat(browser.findElement(By.id("app")).isDisplayed()).isFalse();
    }

    @Test
    void aReadOnlyTokenSeesTheQueueButItsActionsAreRefusedWithAClearMessage() {
        open(1280, 1800);
        signIn(readOnly);
        String id = queued.getFirst();
        openMessage(id);

        act("hold", "ok");

        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(error.getText()).contains("may only read (403)");
        assertThat(held(id)).isFalse();
        assertThat(browser.findElement(By.id("app")).isDisplayed()).as("still signed in: reading is allowed").isTrue();
    }

    @Test
    void thePageLoadsNothingFromAnyOtherPlace() throws Exception {
        Set<String> files = new LinkedHashSet<>(List.of("/dashboard/"));
        String page = get("/dashboard/");
        Matcher link = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page);
        while (link.find()) files.add("/dashboard/" + link.group(1));
        assertThat(files).contains("/dashboard/app.js", "/dashboard/style.css");
        Pattern url = Pattern.compile("(?i)https?://[^\\s\"'<>)]*");
        for (String f : files) {
            Matcher m = url.matcher(get(f));
            List<String> elsewhere = new ArrayList<>();
            while (m.find()) if (!m.group().startsWith(base)) elsewhere.add(m.group());
            assertThat(elsewhere).as(f).isEmpty();
        }

        open(1280, 1800); // and what the browser fetched while working
        signIn(token);
        wait.until(ExpectedConditions.textToBe(By.id("sum-accepted"), String.valueOf(queued.size())));
        @SuppressWarnings("unchecked")
        List<String> fetched = (List<String>) ((JavascriptExecutor) browser)
                .executeScript("return performance.getEntriesByType('resource').map(e => e.name)");
        assertThat(fetched).isNotEmpty().allSatisfy(u -> assertThat(u).startsWith(base + "/"));
    }

    @Test
    void onAPhoneThePageFitsTheScreensWidth() {
        open(390, 844);
        signIn(token);
        row(queued.getFirst());

        var js = (JavascriptExecutor) browser;
        long width = ((Number) js.executeScript("return document.documentElement.scrollWidth")).longValue();
        long screen = ((Number) js.executeScript("return window.innerWidth")).longValue();
        assertThat(width).as("no sideways scrolling of the whole page (tables scroll in their box)").isLessThanOrEqualTo(screen);
    }

    private static String get(String path) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            return r.body();
        }
    }
}
