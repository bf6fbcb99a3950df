package io.tandem.onprem.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.config.SyncKind;
import io.tandem.core.sync.OverrideRewriter;
import io.tandem.core.sync.SyncSender;
import io.tandem.core.sync.SyncSink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14.3, the disk-full case: the receiver's disk fills up while the content is being staged
 * (the free-space check before the transfer passed; something else filled the disk since). The
 * receiver's files stay exactly as they were, the staging is cleaned up, and the next run, once
 * there is room again, applies the change. The receiver's tree is on a small tmpfs the test mounts
 * (root, as CI runs the suite).
 */
class FileSyncDiskFullTest {

  @TempDir Path tmp;
  Path sender;
  Path disk;
  Path receiver;

  @BeforeEach
  void mount() throws Exception {
    disk = tmp.resolve("disk");
    Files.createDirectories(disk);
    if (!"0".equals(new String(run("id", "-u")).trim())) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("FileSyncDiskFullTest mounts a tmpfs and needs root (CI is root)");
      }
      Assumptions.abort("needs root to mount a small tmpfs (CI runs the suite as root)");
    }
    // room for the change plus the receiver's 64 MiB reserve, little more
    run("mount", "-t", "tmpfs", "-o", "size=72m,mode=0700", "tmpfs", disk.toString());
    sender = tmp.resolve("a/etc/asterisk");
    receiver = disk.resolve("etc/asterisk");
    Files.createDirectories(sender);
    Files.createDirectories(receiver);
    Files.writeString(sender.resolve("extensions.conf"), "[default]\nexten => 100,1,Answer()\n");
  }

  @AfterEach
  void unmount() throws Exception {
    run("umount", disk.toString());
  }

  private SyncJobConfig job(Path root) {
    return SyncJobConfig.builder()
        .name("sounds")
        .kind(SyncKind.FILES)
        .path(root.toString())
        .build();
  }

  private FileSink sink() {
    return new FileSink(
        "sounds",
        job(receiver).files(),
        "beta",
        new OverrideRewriter(List.of(), "beta", Map.of("site", "beta")),
        disk.resolve("state"));
  }

  private SyncSink.Applied run(FileSink sink, Runnable beforeContent) throws IOException {
    FileSender s = new FileSender("sounds", job(sender).files(), "alpha");
    try (SyncSender.Snapshot snap = s.snapshot()) {
      ByteArrayOutputStream manifest = new ByteArrayOutputStream();
      snap.writeManifest(manifest);
      SyncSink.Prepared plan = sink.prepare(new ByteArrayInputStream(manifest.toByteArray()));
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      snap.writeData(plan.need(), data, () -> true);
      beforeContent.run();
      return plan.apply(new ByteArrayInputStream(data.toByteArray()));
    }
  }

  @Test
  void aDiskThatFillsUpDuringStagingLeavesTheReceiverAsItWasAndTheNextRunApplies()
      throws Exception {
    FileSink sink = sink();
    run(sink, () -> {});
    Files.writeString(sender.resolve("extensions.conf"), "[default]\nexten => 200,1,Answer()\n");
    write(sender.resolve("welcome.wav"), 4 << 20);
    Map<String, String> before = Trees.snapshot(receiver);
    Path filler = disk.resolve("filler");

    assertThatThrownBy(() -> run(sink, () -> fill(filler)))
        .hasMessageContaining("No space left on device");
    assertThat(Trees.snapshot(receiver)).isEqualTo(before);
    try (Stream<Path> left = Files.walk(disk)) {
      assertThat(left.map(disk::relativize).map(Path::toString))
          .as("no staging left behind")
          .noneMatch(p -> p.contains("staging") || p.endsWith(".journal"));
    }

    Files.delete(filler);
    run(sink, () -> {});
    assertThat(Files.readString(receiver.resolve("extensions.conf"))).contains("exten => 200");
    assertThat(Files.size(receiver.resolve("welcome.wav"))).isEqualTo(4 << 20);
  }

  private static void write(Path p, int bytes) throws IOException {
    byte[] b = new byte[bytes];
    new SplittableRandom(1).nextBytes(b);
    Files.write(p, b);
  }

  /** Fills the disk up to its last block. */
  private static void fill(Path filler) {
    byte[] block = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      // no space left: what the test wants
    }
  }

  private static byte[] run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + new String(out));
    }
    return out;
  }
}
