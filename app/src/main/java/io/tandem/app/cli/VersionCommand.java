package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tandem version}. */
@Command(name = "version", description = "Print the version.")
public final class VersionCommand implements Callable<Integer> {

  @CommandLine.Mixin OutputOptions output;

  /** The version for {@code tandem --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"tandem " + version(), "java " + Runtime.version()};
    }
  }

  /**
   * The version the build wrote into {@code io/tandem/app/version.properties} (a filtered resource,
   * so it is right in the jar and on a class path alike), else the jar manifest's.
   */
  static String version() {
    try (var in = VersionCommand.class.getResourceAsStream("/io/tandem/app/version.properties")) {
      if (in != null) {
        var p = new java.util.Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (!v.isBlank() && !v.startsWith("${")) {
          return v;
        }
      }
    } catch (java.io.IOException e) {
      // fall through to the manifest
    }
    String v = VersionCommand.class.getPackage().getImplementationVersion();
    return v == null ? "unknown (not built by Maven)" : v;
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
