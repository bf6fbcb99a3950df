package io.tandem.onprem.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The content-hash cache a sender keeps between runs and restarts. */
class HashCacheTest {

  @TempDir Path dir;

  private static final long NOW = 1_800_000_000_000L;
  private static final long MS = 1_000_000L;

  /** A file last changed {@code agoMillis} before {@link #NOW}. */
  private static HashCache.Stat stat(long size, long agoMillis, long inode) {
    long t = (NOW - agoMillis) * MS;
    return new HashCache.Stat(size, t, t, inode);
  }

  @Test
  void aHashIsTrustedOnlyWhileSizeTimesAndInodeAreUnchangedAndAcrossARestart() {
    Path file = dir.resolve("hashes.tsv");
    HashCache c = new HashCache(Optional.of(file));
    c.put("/etc/asterisk/a b\tc.conf", stat(10, 60_000, 7), "aa", NOW);
    assertThat(c.get("/etc/asterisk/a b\tc.conf", stat(10, 60_000, 7))).isEqualTo("aa");
    assertThat(c.get("/etc/asterisk/a b\tc.conf", stat(11, 60_000, 7))).isNull();
    assertThat(c.get("/etc/asterisk/a b\tc.conf", stat(10, 59_000, 7))).isNull();
    assertThat(c.get("/etc/asterisk/a b\tc.conf", stat(10, 60_000, 8))).as("replaced").isNull();
    c.retainAndSave(List.of("/etc/asterisk/a b\tc.conf"));

    HashCache again = new HashCache(Optional.of(file));
    assertThat(again.get("/etc/asterisk/a b\tc.conf", stat(10, 60_000, 7))).isEqualTo("aa");
  }

  @Test
  void aHashTakenRightAfterAChangeIsNotTrustedTheNextTime() {
    HashCache c = new HashCache(Optional.empty());
    // written 500 ms before it was read: a second write in the same timestamp tick, same size,
    // would leave the same stat with other content (git's "racy" entries)
    c.put("/x", stat(10, 500, 1), "aa", NOW);
    assertThat(c.get("/x", stat(10, 500, 1))).isNull();
    assertThat(c.matches("/x", stat(10, 500, 1)))
        .as("still the file that was read, for the check around sending it")
        .isTrue();
    c.put("/x", stat(10, HashCache.RACY_MILLIS + 1, 1), "aa", NOW);
    assertThat(c.get("/x", stat(10, HashCache.RACY_MILLIS + 1, 1))).isEqualTo("aa");
  }

  @Test
  void pathsNoLongerSeenAreDroppedAndADamagedCacheFileOnlyCostsAReread() throws Exception {
    Path file = dir.resolve("hashes.tsv");
    HashCache c = new HashCache(Optional.of(file));
    c.put("/a", stat(1, 60_000, 1), "aa", NOW);
    c.put("/b", stat(1, 60_000, 2), "bb", NOW);
    c.retainAndSave(List.of("/b"));
    HashCache reread = new HashCache(Optional.of(file));
    assertThat(reread.get("/a", stat(1, 60_000, 1))).isNull();
    assertThat(reread.get("/b", stat(1, 60_000, 2))).isEqualTo("bb");

    Files.writeString(file, "tandem-hash-cache 1\nnot\ta\tline\n");
    HashCache damaged = new HashCache(Optional.of(file));
    assertThat(damaged.get("/b", stat(1, 60_000, 2))).isNull();
    Files.writeString(file, "something else\n");
    assertThat(new HashCache(Optional.of(file)).get("/b", stat(1, 60_000, 2))).isNull();
  }
}
