package io.tandem.onprem.sync;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The swap of one {@code files} run, written and forced to disk before the first rename, so a
 * receiver that crashes part-way finishes it on restart. Each step is idempotent: running the list
 * again after a crash at any point ends in the same tree.
 *
 * <p>Steps: {@code K} make a directory; {@code R} back up the target (hard link into {@code prev})
 * then rename the staged file over it; {@code L} replace with a symbolic link; {@code M} metadata;
 * {@code D} move the target into {@code prev}; {@code X} remove a directory if it is empty (it may
 * hold files this job excludes); {@code T} directory metadata.
 */
final class SwapJournal {

  /** One step; {@code entry} is the sender's entry (null for deletions). */
  record Step(char kind, String target, String staged, String prev, FileEntry entry) {}

  private final Path file;

  SwapJournal(Path file) {
    this.file = file;
  }

  void write(List<Step> steps) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    StringBuilder sb = new StringBuilder("tandem-swap 1\n");
    for (Step s : steps) {
      sb.append(s.kind())
          .append('\t')
          .append(ManifestCodec.encode(s.target()))
          .append('\t')
          .append(ManifestCodec.encode(s.staged()))
          .append('\t')
          .append(ManifestCodec.encode(s.prev()))
          .append('\t');
      if (s.entry() == null) {
        sb.append('-');
      } else {
        StringWriter w = new StringWriter();
        ManifestCodec.write(w, s.entry());
        sb.append(ManifestCodec.encode(w.toString().stripTrailing()));
      }
      sb.append('\n');
    }
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  List<Step> read() throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).equals("tandem-swap 1")) {
      throw new IOException(
          "swap journal " + file + " is damaged; check the job's directories by hand");
    }
    List<Step> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split("\t", -1);
      FileEntry e = null;
      if (!f[4].equals("-")) {
        BufferedReader r = new BufferedReader(new StringReader(ManifestCodec.decode(f[4]) + "\n"));
        e = ManifestCodec.read(r);
      }
      out.add(
          new Step(
              f[0].charAt(0),
              ManifestCodec.decode(f[1]),
              ManifestCodec.decode(f[2]),
              ManifestCodec.decode(f[3]),
              e));
    }
    return out;
  }

  void delete() throws IOException {
    Files.deleteIfExists(file);
  }

  /** Runs one step; returns whether it changed anything. */
  static boolean run(Step s, FileMeta meta) throws IOException {
    Path target = Path.of(s.target());
    Path prev = Path.of(s.prev());
    boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
    switch (s.kind()) {
      case 'K' -> {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(target);
          return true;
        }
        return false;
      }
      case 'R' -> {
        Path staged = Path.of(s.staged());
        if (!Files.exists(staged, LinkOption.NOFOLLOW_LINKS)) {
          return false; // renamed before a restart
        }
        Files.createDirectories(target.getParent());
        if (exists) {
          backUp(target, prev);
        }
        Files.move(
            staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
      }
      case 'L' -> {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tandem-link");
        Files.deleteIfExists(tmp);
        Files.createDirectories(target.getParent());
        Files.createSymbolicLink(tmp, Path.of(s.entry().link()));
        meta.apply(tmp, s.entry());
        if (exists) {
          backUp(target, prev);
        }
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
      }
      case 'M', 'T' -> {
        if (exists) {
          meta.apply(target, s.entry());
          return s.kind() == 'M';
        }
        return false;
      }
      case 'D' -> {
        if (!exists) {
          return false;
        }
        if (Files.exists(prev, LinkOption.NOFOLLOW_LINKS)) {
          FileSink.deleteTree(target);
        } else {
          Files.createDirectories(prev.getParent());
          Files.move(target, prev, StandardCopyOption.ATOMIC_MOVE);
        }
        return true;
      }
      case 'X' -> {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          return false;
        }
        try {
          Files.delete(target);
          return true;
        } catch (DirectoryNotEmptyException keep) {
          return false; // it holds files this job does not sync
        }
      }
      default -> throw new IOException("unknown swap step " + s.kind());
    }
  }

  /** Keeps the version being replaced: a hard link (no copy) into {@code prev}. */
  private static void backUp(Path target, Path prev) throws IOException {
    if (Files.exists(prev, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.createDirectories(prev.getParent());
    try {
      Files.createLink(prev, target);
    } catch (FileAlreadyExistsException done) {
      // a restart after the link was made
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(target, prev, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    }
  }
}
