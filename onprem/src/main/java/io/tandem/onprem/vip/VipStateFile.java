package io.tandem.onprem.vip;

import io.tandem.core.error.ConfigException;
import io.tandem.core.witness.FencingToken;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * The epoch of the last move, in a small properties file ({@code epoch}, {@code site}, {@code
 * cluster}, {@code host}, {@code address}) written atomically <em>before</em> the address is
 * touched, so a mover acting under an older ticket afterwards finds the newer epoch and refuses.
 */
final class VipStateFile {

  /** What the file says: the epoch (0 when none was recorded) and the site that recorded it. */
  record Recorded(long epoch, Optional<String> site) {}

  private final Path file;

  VipStateFile(Path file) {
    this.file = file;
  }

  Recorded read() {
    Properties p = new Properties();
    if (Files.exists(file)) {
      try (Reader in = Files.newBufferedReader(file)) {
        p.load(in);
      } catch (IOException e) {
        throw new ConfigException("vip: cannot read state file " + file + ": " + e.getMessage(), e);
      }
    }
    long epoch;
    try {
      epoch = Long.parseLong(p.getProperty("epoch", "0").strip());
    } catch (NumberFormatException e) {
      throw new ConfigException("vip: state file " + file + " has a bad epoch");
    }
    return new Recorded(epoch, Optional.ofNullable(p.getProperty("site")));
  }

  void write(FencingToken token, String host, String address) {
    Properties p = new Properties();
    p.setProperty("epoch", Long.toString(token.epoch()));
    p.setProperty("site", token.site());
    p.setProperty("cluster", token.cluster());
    p.setProperty("host", host);
    p.setProperty("address", address);
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try (Writer out = Files.newBufferedWriter(tmp)) {
        p.store(out, "Tandem VIP state: the epoch of the last move");
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new ConfigException("vip: cannot write state file " + file + ": " + e.getMessage(), e);
    }
  }
}
