package io.tandem.app.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console as a test sees it: the few elements the end-to-end test reads and clicks, by the ids
 * in {@code static/index.html}. Not thread-safe (one browser, one test thread).
 */
final class ConsolePage {

  static final Duration PAGE = Duration.ofSeconds(30);

  private final WebDriver driver;
  private final URI base;

  ConsolePage(WebDriver driver, URI base) {
    this.driver = driver;
    this.base = base;
  }

  WebDriver driver() {
    return driver;
  }

  /** Waits up to {@code timeout} for {@code condition} to return a non-null, non-false value. */
  <T> T await(Duration timeout, Function<WebDriver, T> condition) {
    var wait = new WebDriverWait(driver, timeout, Duration.ofMillis(200));
    wait.ignoring(StaleElementReferenceException.class); // the page re-renders every 2 s
    return wait.until(condition);
  }

  /** Opens the console without a session: its script finds out and sends the browser to login. */
  void openExpectingLogin() {
    driver.get(base.resolve("/").toString());
    await(PAGE, ExpectedConditions.urlContains("/login"));
  }

  /** Fills in the login form and waits until the console shows who is logged in. */
  void logIn(String user, String password) {
    await(PAGE, ExpectedConditions.visibilityOfElementLocated(By.name("username"))).sendKeys(user);
    driver.findElement(By.name("password")).sendKeys(password);
    driver.findElement(By.cssSelector("form button[type=submit], form input[type=submit]")).click();
    await(PAGE, ExpectedConditions.textToBePresentInElementLocated(By.id("me"), user + " ("));
  }

  WebElement byId(String id) {
    return driver.findElement(By.id(id));
  }

  String activeSite() {
    return byId("active-site").getText().trim();
  }

  Optional<WebElement> siteCard(String site) {
    return driver.findElements(By.cssSelector(".site[data-site='" + site + "']")).stream()
        .findFirst();
  }

  boolean cardMarkedActive(String site) {
    return siteCard(site).map(c -> c.getAttribute("class").contains("active")).orElse(false);
  }

  String cardState(String site) {
    return siteCard(site).map(c -> c.findElement(By.className("state")).getText()).orElse("");
  }

  List<WebElement> healthRows() {
    return driver.findElements(By.cssSelector("#health tbody tr"));
  }

  List<WebElement> decisions() {
    return driver.findElements(By.cssSelector("#decisions li"));
  }

  /** The runs table's rows as cell texts: id, kind, from → to, state, RTO. */
  List<List<String>> runs() {
    return driver.findElements(By.cssSelector("#runs tbody tr")).stream()
        .map(r -> r.findElements(By.tagName("td")).stream().map(WebElement::getText).toList())
        .toList();
  }

  void clickRun(String runId) {
    driver.findElement(By.cssSelector("#runs tr[data-run='" + runId + "']")).click();
  }

  boolean dialogOpen() {
    return byId("confirm").getAttribute("open") != null;
  }

  /**
   * POSTs a JSON body from the page, with the console's own CSRF handling, and returns the HTTP
   * status (or the error text if the request could not be made).
   */
  Object postFromPage(String path, String jsonBody) {
    return ((JavascriptExecutor) driver)
        .executeAsyncScript(
            "const [path, body, done] = arguments;"
                + "fetch(path, {method: 'POST', credentials: 'same-origin', body,"
                + " headers: {'Content-Type': 'application/json',"
                + " 'X-Requested-With': 'XMLHttpRequest', 'X-XSRF-TOKEN': csrfToken()}})"
                + ".then((r) => done(r.status), (e) => done(String(e)));",
            path,
            jsonBody);
  }

  /**
   * Errors the page's scripts logged since the last call. Failed requests are left out: the
   * console's own 401 before login and the 403s a test provokes show up as such.
   */
  List<String> scriptErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .filter(m -> !m.contains("Failed to load resource"))
        .toList();
  }

  /** Saves a screenshot of the whole page (the window grows to the page's height first). */
  Path screenshot(Path file) {
    // The window includes (emulated) browser chrome: grow it by what the viewport lacks.
    Number missing =
        (Number)
            ((JavascriptExecutor) driver)
                .executeScript(
                    "return document.documentElement.scrollHeight - window.innerHeight;");
    if (missing.intValue() > 0) {
      var size = driver.manage().window().getSize();
      int wanted = Math.min(4000, size.getHeight() + missing.intValue());
      driver.manage().window().setSize(new Dimension(size.getWidth(), wanted));
    }
    try {
      Files.createDirectories(file.getParent());
      Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
      Files.copy(shot, file, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write screenshot " + file, e);
    }
  }

  /** Saves the page's current DOM next to a failure screenshot. */
  void saveSource(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, driver.getPageSource(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write page source " + file, e);
    }
  }
}
