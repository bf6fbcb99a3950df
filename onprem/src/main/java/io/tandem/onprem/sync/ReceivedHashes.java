package io.tandem.onprem.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * For files this site rewrote with its overrides: the hash received from the sender and the hash
 * after rewriting. While a file still has the rewritten hash, it stands for the received one, so
 * the override does not make it differ from the sender's; a local edit (another hash) makes it
 * differ again. Tagged with the rules' fingerprint: changed rules forget every record, which has
 * each rewritten file sent and rewritten again. Not thread-safe (one run at a time).
 */
final class ReceivedHashes {

  record Record(String received, String applied) {}

  private final Path file;
  private final String fingerprint;
  private final Map<String, Record> records;

  private ReceivedHashes(Path file, String fingerprint, Map<String, Record> records) {
    this.file = file;
    this.fingerprint = fingerprint;
    this.records = records;
  }

  static ReceivedHashes load(Path file, String fingerprint) throws IOException {
    Map<String, Record> records = new TreeMap<>();
    if (Files.exists(file)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      if (!lines.isEmpty() && lines.get(0).equals("rules " + fingerprint)) {
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.split("\t", -1);
          if (f.length == 3) {
            records.put(ManifestCodec.decode(f[0]), new Record(f[1], f[2]));
          }
        }
      }
    }
    return new ReceivedHashes(file, fingerprint, records);
  }

  Record get(String key) {
    return records.get(key);
  }

  void put(String key, String received, String applied) {
    records.put(key, new Record(received, applied));
  }

  void remove(String key) {
    records.remove(key);
  }

  void save() throws IOException {
    Files.createDirectories(file.getParent());
    StringBuilder sb = new StringBuilder("rules " + fingerprint + "\n");
    records.forEach(
        (k, r) ->
            sb.append(ManifestCodec.encode(k))
                .append('\t')
                .append(r.received())
                .append('\t')
                .append(r.applied())
                .append('\n'));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, sb, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
