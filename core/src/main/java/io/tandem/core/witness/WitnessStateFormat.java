package io.tandem.core.witness;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.io.StringReader;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text format of the built-in witness's state ({@link FileWitnessStateStore}): one record per
 * line, {@code <crc32c> cluster=<c> holder=<h> epoch=<e> holderEpoch=<he> expiry=<instant>
 * ttl=<duration>}, names percent-encoded, the CRC-32C (8 hex digits) over everything after it.
 * Readable and greppable by an operator; any edit breaks the checksum. Stateless.
 */
final class WitnessStateFormat {

  private static final Logger log = LoggerFactory.getLogger(WitnessStateFormat.class);
  static final String LEGACY_SUFFIX = ".ticket";
  private static final Pattern LOG_NAME = Pattern.compile("witness\\.(\\d{1,18})\\.log");
  private static final Pattern FIELD = Pattern.compile("([a-zA-Z]+)=(\\S*)");

  private WitnessStateFormat() {}

  static String logName(long generation) {
    return "witness." + generation + ".log";
  }

  /** The generation of a log file name, or null if it is not one. */
  static Long generationOf(String fileName) {
    Matcher m = LOG_NAME.matcher(fileName);
    return m.matches() ? Long.parseLong(m.group(1)) : null;
  }

  /** One record as a checksummed line. */
  static String line(PersistedTicket t) {
    String body =
        "cluster="
            + enc(t.cluster())
            + " holder="
            + (t.holder() == null ? "" : enc(t.holder()))
            + " epoch="
            + t.epoch()
            + " holderEpoch="
            + t.holderEpoch()
            + " expiry="
            + t.expiry()
            + " ttl="
            + t.ttl();
    return crc(body) + " " + body + "\n";
  }

  /** The snapshot's last line: how many records it holds, checksummed. */
  static String end(int count) {
    String body = "end records=" + count;
    return crc(body) + " " + body + "\n";
  }

  /**
   * Reads a snapshot into {@code into}; returns the generation of the first log to replay.
   *
   * @throws ConfigException naming the file and line when anything does not verify
   */
  static long readSnapshot(Path file, String header, Map<String, PersistedTicket> into) {
    String[] lines = readLines(file);
    if (lines.length < 2 || !lines[0].startsWith(header)) {
      throw damaged(file, 1, "not a witness snapshot (header missing)");
    }
    long next;
    try {
      next = Long.parseLong(lines[0].substring(header.length()));
    } catch (NumberFormatException e) {
      throw damaged(file, 1, "the header does not name the next log");
    }
    int count = 0;
    for (int i = 1; i < lines.length; i++) {
      String body = verified(file, i + 1, lines[i]);
      if (body.startsWith("end records=")) {
        if (i != lines.length - 1 || !body.equals("end records=" + count)) {
          throw damaged(file, i + 1, "the record count does not match (truncated or edited)");
        }
        return next;
      }
      PersistedTicket t = parse(file, i + 1, body);
      into.put(t.cluster(), t);
      count++;
    }
    throw damaged(file, lines.length, "no end line (truncated)");
  }

  /**
   * Replays a log into {@code into}; returns its number of records. In the newest log a last line
   * without its line end is a torn, never-acknowledged save: it is cut off (and logged).
   */
  static long replayLog(Path file, boolean newest, BiConsumer<String, PersistedTicket> into) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw damaged(file, 0, "cannot read it (" + e.getMessage() + ")");
    }
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;
    }
    if (end < bytes.length) {
      if (!newest) {
        throw damaged(file, -1, "its last line is incomplete, but a newer log exists");
      }
      log.warn(
          "witness state: cutting a torn last line ({} bytes) off {}: a save interrupted by a"
              + " crash before it was durable, so never answered",
          bytes.length - end,
          file);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(end);
        ch.force(true);
      } catch (IOException e) {
        throw damaged(file, -1, "cannot cut its torn last line (" + e.getMessage() + ")");
      }
    }
    if (end == 0) {
      return 0;
    }
    // every line ends with '\n' here; split drops only the empty string after the last one
    String[] lines = new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n");
    for (int i = 0; i < lines.length; i++) {
      PersistedTicket t = parse(file, i + 1, verified(file, i + 1, lines[i]));
      into.accept(t.cluster(), t);
    }
    return lines.length;
  }

  /** A per-cluster {@code .ticket} file of an earlier version (checksum required). */
  static PersistedTicket readLegacy(Path file) {
    String text = String.join("\n", readLines(file)) + "\n";
    int at = text.lastIndexOf("\ncrc32c=");
    if (at < 0) {
      throw damaged(file, 0, "no checksum line (truncated, or written by hand)");
    }
    String body = text.substring(0, at + 1);
    String recorded = text.substring(at + 8, text.length() - 1);
    if (!crc(body).equals(recorded)) {
      throw damaged(file, 0, "checksum mismatch: the file was edited or corrupted");
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(body));
      String holder = p.getProperty("holder", "");
      PersistedTicket t =
          new PersistedTicket(
              p.getProperty("cluster"),
              holder.isEmpty() ? null : holder,
              Long.parseLong(p.getProperty("epoch")),
              Instant.parse(p.getProperty("expiry")),
              Duration.parse(p.getProperty("ttl")),
              Long.parseLong(p.getProperty("holderEpoch")));
      String expected =
          Base64.getUrlEncoder()
                  .withoutPadding()
                  .encodeToString(t.cluster().getBytes(StandardCharsets.UTF_8))
              + LEGACY_SUFFIX;
      if (!file.getFileName().toString().equals(expected)) {
        throw damaged(file, 0, "it records another cluster than its name says");
      }
      return t;
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException c) {
        throw c;
      }
      throw damaged(file, 0, "a field does not parse (" + e.getMessage() + ")");
    }
  }

  private static String verified(Path file, int lineNo, String line) {
    if (line.length() < 10 || line.charAt(8) != ' ') {
      throw damaged(file, lineNo, "not a checksummed record");
    }
    String recorded = line.substring(0, 8);
    String body = line.substring(9);
    String actual = crc(body);
    if (!actual.equals(recorded)) {
      throw damaged(
          file,
          lineNo,
          "checksum mismatch (recorded "
              + printable(recorded)
              + ", content gives "
              + actual
              + "): the file was edited or corrupted");
    }
    return body;
  }

  private static PersistedTicket parse(Path file, int lineNo, String body) {
    Map<String, String> f = new HashMap<>();
    Matcher m = FIELD.matcher(body);
    while (m.find()) {
      f.put(m.group(1), m.group(2));
    }
    try {
      String holder = dec(f.get("holder"));
      return new PersistedTicket(
          dec(f.get("cluster")),
          holder.isEmpty() ? null : holder,
          Long.parseLong(f.get("epoch")),
          Instant.parse(f.get("expiry")),
          Duration.parse(f.get("ttl")),
          Long.parseLong(f.get("holderEpoch")));
    } catch (RuntimeException e) {
      throw damaged(file, lineNo, "a field does not parse (" + e.getMessage() + ")");
    }
  }

  private static String[] readLines(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).split("\n");
    } catch (IOException e) {
      throw damaged(file, 0, "cannot read it (" + e.getMessage() + ")");
    }
  }

  static String crc(String body) {
    CRC32C crc = new CRC32C();
    crc.update(body.getBytes(StandardCharsets.UTF_8));
    return String.format("%08x", crc.getValue());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String dec(String s) {
    if (s == null) {
      throw new IllegalArgumentException("missing field");
    }
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String printable(String s) {
    return s.codePoints()
        .mapToObj(c -> c >= 0x20 && c < 0x7f ? Character.toString(c) : "?")
        .collect(java.util.stream.Collectors.joining());
  }

  static ConfigException damaged(Path file, int line, String cause) {
    return new ConfigException(
        "witness state file "
            + file
            + (line > 0 ? " line " + line : "")
            + " is damaged: "
            + cause
            + ". The witness does not start on damaged state, because it could issue an epoch"
            + " twice: restore the directory from a backup (see docs/witness-protocol.md, \"The"
            + " state file and damaged state\").");
  }
}
