package io.tandem.onprem.sync;

import java.util.Objects;

/**
 * One item of a {@code files} job's tree, as the manifest describes it: no content, only what
 * decides whether the content must move (its SHA-256) and the metadata copied with it.
 *
 * @param key {@code <index of the job's path>/<path relative to it>}, e.g. {@code 0/pjsip.conf}
 * @param type {@code f} file, {@code d} directory, {@code l} symbolic link
 * @param mode permission bits (including setuid, setgid, sticky)
 * @param uid numeric owner
 * @param gid numeric group
 * @param owner owner name ("" if unknown)
 * @param group group name ("" if unknown)
 * @param mtimeMillis modification time
 * @param size bytes (files)
 * @param sha256 content hash in hex (files), else ""
 * @param link link target (links), else ""
 */
public record FileEntry(
    String key,
    char type,
    int mode,
    int uid,
    int gid,
    String owner,
    String group,
    long mtimeMillis,
    long size,
    String sha256,
    String link) {

  public FileEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(link, "link");
  }

  public boolean isFile() {
    return type == 'f';
  }

  public boolean isDirectory() {
    return type == 'd';
  }

  public boolean isLink() {
    return type == 'l';
  }

  /** The index of the job's path this entry belongs to. */
  public int root() {
    return Integer.parseInt(key.substring(0, key.indexOf('/')));
  }

  /** The path relative to the job's path. */
  public String relative() {
    return key.substring(key.indexOf('/') + 1);
  }

  /** Whether owner, group or mode differ (content aside). */
  boolean sameOwnership(FileEntry o, boolean byName) {
    boolean owners =
        byName && !owner.isEmpty() && !o.owner.isEmpty()
            ? owner.equals(o.owner) && group.equals(o.group)
            : uid == o.uid && gid == o.gid;
    return owners && mode == o.mode;
  }
}
