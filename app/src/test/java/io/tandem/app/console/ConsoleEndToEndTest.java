package io.tandem.app.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.lab.LabCluster;
import io.tandem.app.lab.LabScenario;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web console end to end in Debian's headless Chromium, against one whole lab cluster (one per
 * class: the Spring contexts are the slow part). The page is the standby agent's own console (the
 * one that survives the primary's crash). Viewers read but cannot act; operator actions sit behind
 * a confirmation dialog; a primary crash shows up live on the page, and the run's report draws its
 * timeline; a switchover that must be approved ({@code before-switchover}) waits on the active
 * site's console with Approve / Deny. Screenshots go to {@code target/screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleEndToEndTest {

  static final Path SHOTS =
      Path.of(System.getProperty("basedir", ".")).resolve("target").resolve("screenshots");
  static final Duration FAILOVER = Duration.ofSeconds(150);

  @TempDir static Path dir;
  static LabCluster lab;
  static HttpClient http;
  static String standby;

  ChromeDriver browser;
  ConsolePage page;

  @RegisterExtension
  final AfterTestExecutionCallback failureArtifacts =
      ctx -> {
        if (ctx.getExecutionException().isPresent() && page != null) {
          String name = ctx.getRequiredTestMethod().getName();
          try {
            page.screenshot(SHOTS.resolve(name + "-failure.png"));
            page.saveSource(SHOTS.resolve(name + "-failure.html"));
          } catch (RuntimeException e) {
            // the browser may be what failed: keep the test's own failure in front
            System.err.println("no failure screenshot for " + name + ": " + e);
          }
        }
      };

  @BeforeAll
  static void startLab() {
    // a switchover must be approved (policies.approvalGates): the console shows what waits
    lab =
        new LabCluster(
                new LabCluster.Options(
                    dir.resolve("lab"), "127.0.0.1", 0, false, List.of("before-switchover")))
            .start();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stopLab() {
    if (lab != null) {
      long t0 = System.nanoTime();
      lab.close(); // open event streams must not hold the server's graceful shutdown
      System.out.printf("lab closed in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }
  }

  @AfterEach
  void quitBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private ConsolePage openAs(String user, String password) {
    return openAs(user, password, console());
  }

  private ConsolePage openAs(String user, String password, URI console) {
    browser = HeadlessChromium.start(dir.resolve("profiles"));
    page = new ConsolePage(browser, console);
    page.openExpectingLogin();
    page.logIn(user, password);
    return page;
  }

  @Test
  @Order(1)
  void viewerSeesTheClusterButCannotAct() {
    openAs("viewer", lab.viewerPassword());

    assertThat(page.byId("me").getText()).isEqualTo("viewer (viewer)");
    page.await(ConsolePage.PAGE, d -> page.siteCard(standby).isPresent());
    // the Sync panel shows each job's state on this site, with the last decision's words
    page.await(
        ConsolePage.PAGE,
        d ->
            page
                .byId("sync")
                .findElements(By.cssSelector("tbody tr[data-job='dialplan'] td"))
                .stream()
                .map(WebElement::getText)
                .toList()
                .containsAll(List.of("dialplan", "files", "CURRENT")));
    assertThat(page.byId("sync").findElement(By.cssSelector("tr[data-job='dialplan']")).getText())
        .contains("sync dialplan:");
    assertThat(page.byId("actions-section").isDisplayed()).isFalse();
    assertThat(page.byId("btn-switchover").isDisplayed()).isFalse();
    assertThat(browser.manage().getCookieNamed("XSRF-TOKEN")).as("CSRF cookie").isNotNull();

    int audited = auditEntries("requested");
    int refusals = auditEntries("refused");
    assertThat(page.postFromPage("/api/v1/commands/switchover", "{\"target\":\"" + standby + "\"}"))
        .isEqualTo(403L);
    assertThat(page.postFromPage("/api/v1/commands/drill", "{}")).isEqualTo(403L);
    assertThat(auditEntries("requested"))
        .as("refused before reaching a command")
        .isEqualTo(audited);
    assertThat(auditEntries("refused")).as("each refusal audited").isEqualTo(refusals + 2);

    assertThat(page.scriptErrors()).isEmpty();

    // logging out posts the form with the CSRF token; the console then asks for a login again
    browser.findElement(By.cssSelector("#logout-form button")).click();
    page.await(ConsolePage.PAGE, ExpectedConditions.urlContains("/login"));
  }

  @Test
  @Order(2)
  void operatorActionsAskForConfirmationFirst() {
    openAs("admin", lab.adminPassword());
    assertThat(page.byId("me").getText()).isEqualTo("admin (admin)");
    assertThat(page.byId("actions-section").isDisplayed()).isTrue();
    String active = awaitActiveSiteOnPage();
    int audited = auditEntries("requested");

    cancelAfterConfirmationOpens("btn-switchover", "Planned switchover to ");
    cancelAfterConfirmationOpens("btn-failover", "Fail over to ");
    cancelAfterConfirmationOpens("btn-drill", "Start a drill");

    // Confirming a switchover on the standby's console goes through the whole path (dialog,
    // CSRF, audit) but is refused by this agent (only the active one hands over), so nothing moves.
    new Select(page.byId("target-site")).selectByValue(active);
    page.byId("btn-switchover").click();
    page.await(ConsolePage.PAGE, d -> page.dialogOpen());
    page.byId("confirm-ok").click();
    page.await(
        ConsolePage.PAGE,
        d ->
            page.decisions().stream()
                .anyMatch(li -> li.getText().contains("send it to the active site's agent")));
    assertThat(auditEntries("requested"))
        .as("cancels sent nothing, confirm sent one")
        .isEqualTo(audited + 1);
    assertThat(page.scriptErrors()).isEmpty();
  }

  @Test
  @Order(3)
  void aGatedSwitchoverWaitsOnTheActiveConsoleUntilAnOperatorDeniesIt() {
    console(); // the lab is steady
    String active = lab.runtime(standby).status().activeSite();
    openAs("admin", lab.adminPassword(), lab.consoleUrl(active));
    assertThat(page.byId("approvals-section").isDisplayed()).isFalse();
    new Select(page.byId("target-site")).selectByValue(standby);
    page.byId("btn-switchover").click();
    page.await(ConsolePage.PAGE, d -> page.dialogOpen());
    page.byId("confirm-ok").click();

    // the request waits on the active site, which keeps serving
    WebElement waiting =
        page.await(
            ConsolePage.PAGE,
            d ->
                browser
                    .findElements(By.cssSelector("#approvals li[data-gate='before-switchover']"))
                    .stream()
                    .findFirst()
                    .orElse(null));
    assertThat(page.byId("approvals-section").isDisplayed()).isTrue();
    assertThat(waiting.getText()).startsWith("Approve the switchover to " + standby + "?");
    assertThat(waiting.getAttribute("data-run")).startsWith("switchover-to-" + standby + "-");
    assertThat(lab.runtime(active).status().activeSite()).isEqualTo(active);

    waiting.findElement(By.cssSelector("button[data-action='deny']")).click();
    page.await(ConsolePage.PAGE, d -> page.dialogOpen());
    assertThat(page.byId("confirm-text").getText())
        .startsWith("Deny " + waiting.getAttribute("data-run") + " at before-switchover?");
    page.byId("confirm-ok").click();
    page.await(ConsolePage.PAGE, d -> !page.byId("approvals-section").isDisplayed());
    page.await(
        ConsolePage.PAGE,
        d ->
            page.decisions().stream()
                .anyMatch(li -> li.getText().contains("deny: denied switchover-to-" + standby)));
    assertThat(lab.runtime(active).status().activeSite()).isEqualTo(active);
    assertThat(lab.runtime(active).status().approvals()).isEmpty();
    assertThat(page.scriptErrors()).isEmpty();
  }

  @Test
  @Order(4)
  void primaryCrashShowsLiveAndTheReportDrawsItsTimeline()
      throws InterruptedException, ExecutionException, TimeoutException {
    openAs("admin", lab.adminPassword());
    String before = awaitActiveSiteOnPage();
    assertThat(page.byId("lab-badge").isDisplayed()).isTrue();
    assertThat(page.byId("lab-badge").getText()).isEqualTo("SIMULATED LAB");
    assertThat(page.cardMarkedActive(before)).isTrue();
    assertThat(page.cardState(before)).isEqualTo("ACTIVE");
    assertThat(page.healthRows()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(page.healthRows().get(0).findElements(By.tagName("td"))).hasSize(3);
    // 18.5: the grid's first row is each site's health level, with the cluster's two thresholds
    WebElement levels = page.healthRows().get(0);
    assertThat(levels.getAttribute("class")).isEqualTo("health-level");
    assertThat(levels.findElements(By.tagName("td")).get(0).getText())
        .matches("level \\(warn < \\d+%, fail < \\d+%\\)");
    for (String site : lab.siteNames()) {
      WebElement cell = levels.findElement(By.cssSelector("td[data-site='" + site + "']"));
      assertThat(cell.getAttribute("data-level")).as(site).isEqualTo("OK");
      assertThat(cell.getText()).isEqualTo("OK");
      assertThat(cell.getAttribute("class")).isEqualTo("cell-ok");
    }
    assertThat(browser.findElements(By.cssSelector("#health td.cell-ok"))).isNotEmpty();
    assertThat(page.decisions()).isNotEmpty();
    page.screenshot(SHOTS.resolve("console-before-failover.png"));
    int loaded = page.decisions().size();

    var out = new ByteArrayOutputStream();
    var scenarioThread = Executors.newSingleThreadExecutor();
    CompletableFuture<LabScenario.Result> scenario =
        CompletableFuture.supplyAsync(
            () ->
                LabScenario.PRIMARY_CRASH.run(
                    lab, new PrintStream(out, true, StandardCharsets.UTF_8)),
            scenarioThread);
    try {
      String after =
          page.await(
              FAILOVER,
              d -> {
                String now = page.activeSite();
                return page.siteCard(now).isPresent()
                        && !now.equals(before)
                        && page.cardMarkedActive(now)
                    ? now
                    : null;
              });
      LabScenario.Result result = scenario.get(FAILOVER.toSeconds(), TimeUnit.SECONDS);
      System.out.println(out.toString(StandardCharsets.UTF_8));
      assertThat(result.ok()).as(result.verdict()).isTrue();
      assertThat(after).isEqualTo(result.to());
      assertThat(page.cardMarkedActive(before)).isFalse();

      List<String> run =
          page.await(
              ConsolePage.PAGE,
              d ->
                  page.runs().stream()
                      .filter(r -> r.get(1).equals("FAILOVER"))
                      .filter(r -> r.get(2).equals(before + " → " + after))
                      .filter(r -> !r.get(3).equals("RUNNING"))
                      .findFirst()
                      .orElse(null));
      assertThat(run.get(4)).as("RTO column").endsWith(" s");
      // the standby cannot tell a lost site from a cut link: the card shows it unreachable
      page.await(
          ConsolePage.PAGE,
          d ->
              page.siteCard(before)
                  .map(c -> c.getAttribute("class").contains("down"))
                  .orElse(false));
      assertThat(page.decisions().size()).as("decisions streamed in").isGreaterThan(loaded);
      // 18.5: a site the standby cannot hear from has no level it could vouch for
      page.await(
          ConsolePage.PAGE,
          d ->
              page.healthRows()
                  .get(0)
                  .findElement(By.cssSelector("td[data-site='" + before + "']"))
                  .getAttribute("data-level")
                  .equals("UNKNOWN"));
      // 18.3: the lost site is offered as a target only with its warning, repeated in the dialog
      page.await(
          ConsolePage.PAGE,
          d ->
              new Select(page.byId("target-site"))
                  .getOptions().stream()
                      .anyMatch(
                          o ->
                              o.getAttribute("value").equals(before)
                                  && o.getText()
                                      .startsWith(before + " (UNREACHABLE: last seen ACTIVE ")));
      new Select(page.byId("target-site")).selectByValue(before);
      page.byId("btn-switchover").click();
      page.await(ConsolePage.PAGE, d -> page.dialogOpen());
      assertThat(page.byId("confirm-text").getText())
          .startsWith("WARNING: " + before + " is UNREACHABLE: last seen ACTIVE ")
          .contains(
              "the move will most likely be refused or fail. Planned switchover to " + before);
      browser.findElement(By.cssSelector("#confirm button[value=cancel]")).click();
      page.await(ConsolePage.PAGE, d -> !page.dialogOpen());

      page.clickRun(run.get(0));
      page.await(ConsolePage.PAGE, d -> page.byId("report").isDisplayed());
      page.await(
          ConsolePage.PAGE,
          d -> browser.findElements(By.cssSelector("#timeline rect")).size() >= 3);
      assertThat(page.byId("report-title").getText()).isEqualTo("Report " + run.get(0));
      assertThat(page.byId("report-text").getText()).contains(run.get(0));
      assertThat(browser.findElements(By.cssSelector("#timeline text")))
          .extracting(e -> e.getText())
          .anyMatch(t -> !t.isBlank() && !t.startsWith("0 …"));
      page.screenshot(SHOTS.resolve("console-failover.png"));
      assertThat(page.scriptErrors()).isEmpty();
    } finally {
      scenarioThread.shutdownNow();
    }
  }

  private void cancelAfterConfirmationOpens(String button, String question) {
    page.byId(button).click();
    page.await(ConsolePage.PAGE, d -> page.dialogOpen());
    assertThat(page.byId("confirm-text").getText()).startsWith(question);
    browser.findElement(By.cssSelector("#confirm button[value=cancel]")).click();
    page.await(ConsolePage.PAGE, d -> !page.dialogOpen());
  }

  /** Waits until the page names an active site that the lab agrees with, and returns it. */
  private String awaitActiveSiteOnPage() {
    return page.await(
        Duration.ofSeconds(90),
        d -> {
          String shown = page.activeSite();
          String real = lab.runtime(standby).status().activeSite();
          return real != null && real.equals(shown) && page.cardMarkedActive(shown) ? shown : null;
        });
  }

  /**
   * The console of the site that stands by once the lab is steady: the page that survives the
   * active site's crash.
   */
  private static URI console() {
    if (standby == null) {
      String active = LabScenario.awaitSteady(lab, System.out);
      standby = lab.siteNames().stream().filter(s -> !s.equals(active)).findFirst().orElseThrow();
    }
    return lab.consoleUrl(standby);
  }

  /**
   * Audit entries with this result, read with the admin's basic credentials (as a script would);
   * {@code requested} is written once per command, {@code refused} once per refusal.
   */
  private int auditEntries(String result) {
    String basic =
        Base64.getEncoder()
            .encodeToString(("admin:" + lab.adminPassword()).getBytes(StandardCharsets.UTF_8));
    var request =
        HttpRequest.newBuilder(URI.create(console() + "/api/v1/audit?limit=10000"))
            .header("Authorization", "Basic " + basic)
            .header("Accept", "application/json")
            .timeout(Duration.ofSeconds(10))
            .build();
    try {
      var response = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      int n = 0;
      for (var e : JsonMapper.shared().readTree(response.body())) {
        n += result.equals(e.path("result").asString()) ? 1 : 0;
      }
      return n;
    } catch (IOException e) {
      throw new AssertionError("cannot read the audit log", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted reading the audit log", e);
    }
  }
}
