package io.tandem.core.runbook.journal;

import io.tandem.core.error.ProtocolException;
import java.nio.file.Path;

/**
 * A journal record that is not the last one fails its checksum or does not parse: the file was
 * damaged, not merely cut short by a crash. The run cannot be resumed automatically.
 */
public class JournalCorruptException extends ProtocolException {

  public JournalCorruptException(Path file, int line, long offset, String what) {
    super(
        "journal "
            + file
            + " is corrupt at line "
            + line
            + " (byte "
            + offset
            + "): "
            + what
            + "; records after it exist, so this is not a torn last write. Keep the file for"
            + " analysis and check the run's resources by hand");
  }
}
