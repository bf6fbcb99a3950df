package io.tandem.onprem.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Numeric ids of user and group names from {@code /etc/passwd} and {@code /etc/group}. The JDK
 * resolves names to principals but exposes no numeric id; names from other NSS sources (LDAP) fall
 * back to the sender's number, as {@code rsync --numeric-ids} would.
 */
final class NssFiles {

  private NssFiles() {}

  static Optional<Integer> id(Path file, String name) {
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.split(":", -1);
        if (f.length > 2 && f[0].equals(name)) {
          return Optional.of(Integer.parseInt(f[2]));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
