package io.tandem.core.sync;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Port, sending side of one job kind: takes a consistent snapshot, describes it in a manifest
 * (content hashes, not content) and streams the items the receiver asks for. Implementations never
 * hold a whole tree or a large file in memory.
 */
public interface SyncSender {

  /** Takes a snapshot to send from (a tree scan, a database read transaction). */
  Snapshot snapshot() throws IOException;

  /** One consistent view of the source; closed after the run. */
  interface Snapshot extends AutoCloseable {

    /** Writes the manifest: every item with its content hash and metadata. */
    void writeManifest(OutputStream out) throws IOException;

    /**
     * Writes the content of the items the receiver named, in that order. Stops with {@link
     * SyncFailedException} ({@link SyncReason#TICKET_LOST}) when {@code stillAllowed} turns false
     * between items.
     */
    void writeData(List<String> need, OutputStream out, BooleanSupplier stillAllowed)
        throws IOException;

    /** Items and bytes in the snapshot, in words, e.g. {@code "312 files, 4.1 MB"}. */
    String describe();

    @Override
    void close();
  }
}
