package io.tandem.app.cli;

import picocli.CommandLine.Option;

/** {@code --output human|json}, shared by every command that prints results. */
public final class OutputOptions {

  /** Output formats. */
  public enum Format {
    human,
    json
  }

  @Option(
      names = {"-o", "--output"},
      defaultValue = "human",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Format format;

  public boolean json() {
    return format == Format.json;
  }
}
