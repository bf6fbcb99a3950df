package io.tandem.onprem.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.config.SyncKind;
import io.tandem.core.config.SyncOverride;
import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.OverrideRewriter;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncSender;
import io.tandem.core.sync.SyncSink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files kind on real directories: the sender's manifest and content, the receiver's staging,
 * hash check and swap, wired directly (the HTTP transport is tested with two agents in app).
 */
class FileSyncEngineTest {

  @TempDir Path tmp;
  Path sender;
  Path receiver;

  @BeforeEach
  void trees() throws IOException {
    sender = tmp.resolve("a/etc/asterisk");
    receiver = tmp.resolve("b/etc/asterisk");
    Files.createDirectories(sender.resolve("pjsip.d"));
    Files.createDirectories(receiver);
    write(sender.resolve("extensions.conf"), "[default]\nexten => 100,1,Answer()\n");
    write(sender.resolve("pjsip.conf"), "[transport]\nexternal_signaling_address=192.0.2.10\n");
    write(sender.resolve("pjsip.d/trunk.conf"), "[carrier]\ntype=registration\n");
    write(sender.resolve("notes.swp"), "editor junk");
    Files.setPosixFilePermissions(
        sender.resolve("pjsip.conf"), PosixFilePermissions.fromString("rw-r-----"));
    Files.setLastModifiedTime(
        sender.resolve("extensions.conf"), FileTime.fromMillis(1_700_000_000_000L));
    Files.createSymbolicLink(sender.resolve("current.conf"), Path.of("extensions.conf"));
  }

  private static void write(Path p, String s) throws IOException {
    Files.writeString(p, s, StandardCharsets.UTF_8);
  }

  private SyncSource.Files source(Path root, List<SyncOverride> overrides) {
    SyncJobConfig.Builder b =
        SyncJobConfig.builder()
            .name("etc-asterisk")
            .kind(SyncKind.FILES)
            .path(root.toString())
            .exclude("*.swp");
    overrides.forEach(b::override);
    return b.build().files();
  }

  private FileSink sink(List<SyncOverride> overrides) {
    OverrideRewriter rw =
        new OverrideRewriter(
            overrides, "beta", Map.of("site", "beta", "publicAddress", "198.51.100.20"));
    return new FileSink(
        "etc-asterisk", source(receiver, overrides), "beta", rw, tmp.resolve("state-b"));
  }

  /** One run: manifest → plan → content → apply; returns the plan's needs and what was applied. */
  private record Run(List<String> need, SyncSink.Applied applied) {}

  private Run run(FileSink sink, InterceptData intercept) throws IOException {
    FileSender s = new FileSender("etc-asterisk", source(sender, List.of()), "alpha");
    try (SyncSender.Snapshot snap = s.snapshot()) {
      ByteArrayOutputStream manifest = new ByteArrayOutputStream();
      snap.writeManifest(manifest);
      SyncSink.Prepared plan = sink.prepare(new ByteArrayInputStream(manifest.toByteArray()));
      if (!plan.pending()) {
        plan.abandon();
        return new Run(List.of(), null);
      }
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      snap.writeData(plan.need(), data, () -> true);
      return new Run(plan.need(), plan.apply(intercept.apply(data.toByteArray())));
    }
  }

  interface InterceptData {
    InputStream apply(byte[] data);
  }

  private static final InterceptData AS_SENT = ByteArrayInputStream::new;

  @Test
  void aFirstSyncCopiesTheTreeWithModesTimesAndLinksButNotExcludedFiles() throws Exception {
    Run r = run(sink(List.of()), AS_SENT);
    assertThat(r.need())
        .containsExactly("0/extensions.conf", "0/pjsip.conf", "0/pjsip.d/trunk.conf");
    Map<String, String> want = Trees.snapshot(sender);
    want.remove("notes.swp");
    want.remove(""); // the directory's own mtime
    Map<String, String> got = Trees.snapshot(receiver);
    got.remove("");
    want.remove("pjsip.d");
    got.remove("pjsip.d");
    assertThat(got).isEqualTo(want);
    assertThat(r.applied().words()).startsWith("3 files written");
  }

  @Test
  void theNextRunSendsOnlyTheChangedFileAndPropagatesADeletion() throws Exception {
    FileSink sink = sink(List.of());
    run(sink, AS_SENT);
    write(receiver.resolve("local-only.swp"), "excluded on both sides: stays");
    write(sender.resolve("extensions.conf"), "[default]\nexten => 200,1,Answer()\n");
    Files.delete(sender.resolve("pjsip.d/trunk.conf"));
    Run r = run(sink, AS_SENT);
    assertThat(r.need()).containsExactly("0/extensions.conf");
    assertThat(Files.readString(receiver.resolve("extensions.conf"))).contains("exten => 200");
    assertThat(receiver.resolve("pjsip.d/trunk.conf")).doesNotExist();
    assertThat(receiver.resolve("local-only.swp")).exists();
    assertThat(run(sink, AS_SENT).need()).as("nothing left to move").isEmpty();
  }

  @Test
  void anInterruptedTransferLeavesTheReceiverExactlyAsItWas() throws Exception {
    FileSink sink = sink(List.of());
    run(sink, AS_SENT);
    write(sender.resolve("extensions.conf"), "[default]\nexten => 300,1,Answer()\n".repeat(2000));
    write(sender.resolve("pjsip.d/new.conf"), "x".repeat(50_000));
    Map<String, String> before = Trees.snapshot(tmp.resolve("b"));
    // the link is cut half-way through the content
    assertThatThrownBy(
            () -> run(sink, d -> new ByteArrayInputStream(Arrays.copyOf(d, d.length / 2))))
        .isInstanceOfSatisfying(
            SyncFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(SyncReason.TRANSFER_FAILED));
    assertThat(Trees.snapshot(tmp.resolve("b"))).isEqualTo(before);
  }

  @Test
  void contentThatDoesNotMatchItsHashIsNeverApplied() throws Exception {
    FileSink sink = sink(List.of());
    Map<String, String> before = Trees.snapshot(tmp.resolve("b"));
    assertThatThrownBy(
            () ->
                run(
                    sink,
                    d -> {
                      byte[] bad = d.clone();
                      bad[bad.length - 3] ^= 1; // one bit flipped in the last file
                      return new ByteArrayInputStream(bad);
                    }))
        .isInstanceOfSatisfying(
            SyncFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(SyncReason.VERIFY_FAILED));
    assertThat(Trees.snapshot(tmp.resolve("b"))).isEqualTo(before);
  }

  @Test
  void overridesRewriteTheReceiversCopyOnlyAndDoNotCauseResends() throws Exception {
    List<SyncOverride> rules =
        List.of(
            SyncOverride.builder()
                .file("pjsip.conf")
                .regex("^external_signaling_address=.*$")
                .with("external_signaling_address={{publicAddress}}")
                .build());
    FileSink sink = sink(rules);
    run(sink, AS_SENT);
    assertThat(Files.readString(receiver.resolve("pjsip.conf")))
        .contains("external_signaling_address=198.51.100.20");
    assertThat(Files.readString(sender.resolve("pjsip.conf")))
        .contains("external_signaling_address=192.0.2.10");
    assertThat(run(sink, AS_SENT).need())
        .as("the rewritten file stands for the received one")
        .isEmpty();
    // a local edit on the receiver makes it differ again: the sender's version comes back
    write(receiver.resolve("pjsip.conf"), "edited by hand\n");
    assertThat(run(sink, AS_SENT).need()).containsExactly("0/pjsip.conf");
    assertThat(Files.readString(receiver.resolve("pjsip.conf"))).contains("=198.51.100.20");
  }

  @Test
  void anEmptySenderNeverWipesTheReceiverAndMassDeletionsNeedAnOperator() throws Exception {
    FileSink sink = sink(List.of());
    run(sink, AS_SENT);
    Map<String, String> before = Trees.snapshot(tmp.resolve("b"));
    // the sender's disk is not mounted: its directory is empty
    for (String f :
        List.of(
            "extensions.conf", "pjsip.conf", "pjsip.d/trunk.conf", "current.conf", "notes.swp")) {
      Files.delete(sender.resolve(f));
    }
    assertThatThrownBy(() -> run(sink, AS_SENT))
        .isInstanceOfSatisfying(
            io.tandem.core.sync.SyncRefusedException.class,
            e ->
                assertThat(e.getMessage())
                    .isEqualTo(
                        "sync etc-asterisk: refused, the sender has no files under the job's paths"
                            + " and this run would delete all 4 here (empty or unmounted source?);"
                            + " fix the sender, or make this site the active one"));
    assertThat(Trees.snapshot(tmp.resolve("b"))).isEqualTo(before);
    // three of four files gone at the sender: more than the default maxDelete of 50%
    write(sender.resolve("extensions.conf"), "[default]\n");
    assertThatThrownBy(() -> run(sink, AS_SENT))
        .hasMessageContaining("would delete 3 of 4 files here, more than maxDelete 50%");
    assertThat(Trees.snapshot(tmp.resolve("b"))).isEqualTo(before);
  }

  @Test
  void aSenderWithAsManyFilesReplacesAStandbysStaleFilesWhateverTheirShare() throws Exception {
    // a standby that only ever had its own sample file: the first run deletes 1 of its 1 file,
    // which is not a sender emptying it (the sender has more)
    write(receiver.resolve("sample.conf"), "; from the package\n");
    run(sink(List.of()), AS_SENT);
    assertThat(receiver.resolve("sample.conf")).doesNotExist();
    assertThat(receiver.resolve("extensions.conf")).exists();
  }

  @Test
  void aSwapInterruptedByACrashIsFinishedOnRestart() throws Exception {
    FileSink sink = sink(List.of());
    run(sink, AS_SENT);
    write(sender.resolve("extensions.conf"), "[default]\nexten => 400,1,Answer()\n");
    write(sender.resolve("pjsip.conf"), "changed too\n");
    // stage and journal, then "crash" before the renames: simulate by running the journal's
    // first step only
    FileSender s = new FileSender("etc-asterisk", source(sender, List.of()), "alpha");
    try (SyncSender.Snapshot snap = s.snapshot()) {
      ByteArrayOutputStream manifest = new ByteArrayOutputStream();
      snap.writeManifest(manifest);
      SyncSink.Prepared plan = sink.prepare(new ByteArrayInputStream(manifest.toByteArray()));
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      snap.writeData(plan.need(), data, () -> true);
      plan.apply(new ByteArrayInputStream(data.toByteArray()));
    }
    assertThat(Files.readString(receiver.resolve("pjsip.conf"))).isEqualTo("changed too\n");
    // the previous version was kept beside the job's directory
    try (var prev = Files.walk(receiver.getParent().resolve(".tandem-sync"))) {
      assertThat(prev.filter(p -> p.getFileName().toString().equals("pjsip.conf")).toList())
          .isNotEmpty();
    }
  }

  @Test
  void aStandbyFileDamagedInPlaceWithItsSizeAndTimeKeptIsReplacedOnceTouched() throws Exception {
    FileSink sink = sink(List.of());
    run(sink, AS_SENT);
    Path file = receiver.resolve("extensions.conf");
    FileTime time = Files.getLastModifiedTime(file);
    byte[] damaged = Files.readAllBytes(file);
    damaged[3] ^= 1; // bit rot, or an edit that put the time back: same size, same time
    Files.write(file, damaged);
    Files.setLastModifiedTime(file, time);
    assertThat(run(sink, AS_SENT).need())
        .as("rsync's quick check trusts size and time, as docs/sync.md says")
        .isEmpty();
    // docs/sync.md, recovering a diverged standby: touch the standby's files
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
    assertThat(run(sink, AS_SENT).need()).containsExactly("0/extensions.conf");
    assertThat(Files.readString(file))
        .isEqualTo(Files.readString(sender.resolve("extensions.conf")));
    assertThat(run(sink, AS_SENT).need()).isEmpty();
  }
}
