package io.tandem.app;

import io.tandem.app.cli.TandemCommand;

/** Entry point of the {@code tandem} executable. */
public final class TandemMain {

  private TandemMain() {}

  public static void main(String[] args) {
    // The AWS SDK's HTTP client is the JDK's HttpURLConnection, whose keep-alive cache drops an
    // idle connection after 5 s unless the server names a time; the agent calls every provider
    // every 20 s (ProviderWarmUp) so that a failover finds an open connection: keep them 30 s.
    if (System.getProperty("http.keepAlive.time.server") == null) {
      System.setProperty("http.keepAlive.time.server", "30");
    }
    int code = TandemCommand.commandLine(args).execute(args);
    if (code != ExitCodes.RUNNING) {
      System.exit(code);
    }
  }
}
