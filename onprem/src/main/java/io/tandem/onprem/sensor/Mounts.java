package io.tandem.onprem.sensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Parsed {@code /proc/mounts} lines. */
record Mounts(List<Mount> all) {

  /** Pseudo and in-memory file systems that never fill a disk. */
  private static final Set<String> VIRTUAL =
      Set.of(
          "proc",
          "sysfs",
          "devtmpfs",
          "devpts",
          "tmpfs",
          "cgroup",
          "cgroup2",
          "mqueue",
          "debugfs",
          "tracefs",
          "securityfs",
          "pstore",
          "bpf",
          "autofs",
          "hugetlbfs",
          "configfs",
          "fusectl",
          "binfmt_misc",
          "rpc_pipefs",
          "nsfs",
          "overlay",
          "squashfs",
          "ramfs",
          "efivarfs",
          "selinuxfs");

  record Mount(String device, String mountPoint, String type, Set<String> options) {
    boolean readOnly() {
      return options.contains("ro");
    }

    boolean real() {
      return !VIRTUAL.contains(type);
    }
  }

  static Mounts parse(List<String> lines) {
    List<Mount> out = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split("\\s+");
      if (f.length >= 4) {
        out.add(new Mount(f[0], unescape(f[1]), f[2], Set.of(f[3].split(","))));
      }
    }
    return new Mounts(List.copyOf(out));
  }

  /** The last mount on a mount point wins, as in the kernel's view. */
  java.util.Optional<Mount> at(String mountPoint) {
    Mount found = null;
    for (Mount m : all) {
      if (m.mountPoint().equals(mountPoint)) {
        found = m;
      }
    }
    return java.util.Optional.ofNullable(found);
  }

  /** {@code /proc/mounts} escapes space, tab, newline and backslash as octal. */
  private static String unescape(String s) {
    return s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\");
  }
}
