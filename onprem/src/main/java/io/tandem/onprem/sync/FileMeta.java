package io.tandem.onprem.sync;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Puts a manifest entry's metadata on a receiver's file: mode, owner and group (by name when the
 * name exists here, as rsync maps them, else by number), modification time. Owner changes need
 * root; without it they are skipped and the first refusal is remembered for the run's words.
 */
final class FileMeta {

  private final boolean preserveOwner;
  private final Map<String, Integer> uids = new ConcurrentHashMap<>();
  private final Map<String, Integer> gids = new ConcurrentHashMap<>();
  private final AtomicReference<String> ownerProblem = new AtomicReference<>();

  FileMeta(boolean preserveOwner) {
    this.preserveOwner = preserveOwner;
  }

  /** Why owners could not be kept in this run, if they could not. */
  String ownerProblem() {
    return ownerProblem.get();
  }

  void apply(Path p, FileEntry e) throws IOException {
    if (preserveOwner) {
      int uid = localUid(e);
      int gid = localGid(e);
      try {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
      } catch (FileSystemException denied) {
        ownerProblem.compareAndSet(
            null, "owners not kept (" + denied.getReason() + "; the agent needs root for that)");
      }
    }
    if (!e.isLink()) {
      Files.setAttribute(p, "unix:mode", e.mode(), LinkOption.NOFOLLOW_LINKS);
    }
    Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setTimes(FileTime.fromMillis(e.mtimeMillis()), null, null);
  }

  /** Whether {@code ours} already carries {@code theirs}' metadata. */
  boolean same(FileEntry ours, FileEntry theirs) {
    if (!theirs.isLink() && ours.mode() != theirs.mode()) {
      return false;
    }
    if (!theirs.isDirectory() && ours.mtimeMillis() != theirs.mtimeMillis()) {
      return false;
    }
    if (!preserveOwner) {
      return true;
    }
    return ours.uid() == localUid(theirs) && ours.gid() == localGid(theirs);
  }

  private int localUid(FileEntry e) {
    return theirs(e.owner(), e.uid(), uids, true);
  }

  private int localGid(FileEntry e) {
    return theirs(e.group(), e.gid(), gids, false);
  }

  private static int theirs(String name, int number, Map<String, Integer> cache, boolean user) {
    if (name.isEmpty()) {
      return number;
    }
    return cache.computeIfAbsent(
        name, n -> NssFiles.id(Path.of(user ? "/etc/passwd" : "/etc/group"), n).orElse(number));
  }
}
