package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tandem version}. */
@Command(name = "version", description = "Print the version.")
public final class VersionCommand implements Callable<Integer> {

  @CommandLine.Mixin OutputOptions output;

  /** Reads the version from the jar manifest. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"tandem " + version(), "java " + Runtime.version()};
    }
  }

  static String version() {
    String v = VersionCommand.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public Integer call() {
    if (output.json()) {
      System.out.println(
          "{\"version\":\"" + version() + "\",\"java\":\"" + Runtime.version() + "\"}");
    } else {
      System.out.println("tandem " + version() + " (java " + Runtime.version() + ")");
    }
    return ExitCodes.OK;
  }
}
