package io.tandem.app.console;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;

/**
 * Debian's headless Chromium driven through Debian's ChromeDriver, both at fixed paths.
 *
 * <p>Both paths are given explicitly: when the driver service has an executable, Selenium skips
 * Selenium Manager, so nothing is looked up or downloaded (the CI machine has no internet). The
 * browser gets a fresh profile and every background service that would reach out is switched off. A
 * missing binary fails the test with the install command; it never skips.
 */
final class HeadlessChromium {

  static final Path BROWSER = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final String INSTALL =
      " is missing: run ./scripts/install-peers (Debian packages chromium and chromium-driver)";

  private HeadlessChromium() {}

  /**
   * Starts a browser with a new profile under {@code profiles}. The caller quits the driver.
   *
   * @param profiles a directory the test owns (a new sub-directory is made per browser)
   */
  static ChromeDriver start(Path profiles) {
    if (!Files.isExecutable(BROWSER)) {
      throw new AssertionError(BROWSER + INSTALL);
    }
    if (!Files.isExecutable(DRIVER)) {
      throw new AssertionError(DRIVER + INSTALL);
    }
    Path profile;
    try {
      profile = Files.createTempDirectory(Files.createDirectories(profiles), "chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a Chromium profile directory", e);
    }
    // Belt and braces: the property is the documented way to pin the driver, too.
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, DRIVER.toString());
    var service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(DRIVER.toString()))
            .usingAnyFreePort()
            .withTimeout(Duration.ofSeconds(60))
            .build();
    var options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox", // tests run as root in CI containers
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1440,1400",
        "--user-data-dir=" + profile);
    // the page's console messages, so a test can fail on script errors
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    var driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    return driver;
  }
}
