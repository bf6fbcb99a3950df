package io.tandem.core.sync;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Port, receiving side of one job kind. {@link #prepare} reads the sender's manifest and works out
 * what differs; {@link Prepared#apply} takes the content, verifies every item against the
 * manifest's hashes and only then changes anything, atomically as the kind allows (files: staged
 * beside the target and renamed into place, previous version kept; sql: one transaction). A failure
 * at any point before the change leaves the receiver exactly as it was.
 */
public interface SyncSink {

  /** Reads a manifest and compares it with what this site has. */
  Prepared prepare(InputStream manifest) throws IOException;

  /** The receiver's plan for one run. */
  interface Prepared {

    /** Items whose content the sender must send, in order. */
    List<String> need();

    /** Whether anything differs at all (content, metadata or deletions). */
    boolean pending();

    /** Content bytes expected (before compression), for the size and disk-space checks. */
    long bytesExpected();

    /** Receives, verifies and applies; the PBX reload is the caller's. */
    Applied apply(InputStream data) throws IOException;

    /** Forgets the plan and removes anything staged. */
    void abandon();
  }

  /**
   * What an apply changed.
   *
   * @param files files (or keys) written, deleted or changed in metadata
   * @param rows rows written (sql)
   * @param bytes content bytes received
   * @param words a short sentence, e.g. {@code "2 files replaced, 1 deleted, 1 rewritten for this
   *     site"}
   */
  record Applied(long files, long rows, long bytes, String words) {}

  /** A sink for a run where nothing differs. */
  static Prepared nothing() {
    return new Prepared() {
      @Override
      public List<String> need() {
        return List.of();
      }

      @Override
      public boolean pending() {
        return false;
      }

      @Override
      public long bytesExpected() {
        return 0;
      }

      @Override
      public Applied apply(InputStream data) {
        return new Applied(0, 0, 0, "nothing to change");
      }

      @Override
      public void abandon() {}
    };
  }
}
