package io.tandem.onprem.sensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Parsed {@code /proc/meminfo}: field name → kB. */
record MemInfo(Map<String, Long> kb) {

  static MemInfo parse(List<String> lines) {
    Map<String, Long> out = new HashMap<>();
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String[] rest = line.substring(colon + 1).strip().split("\\s+");
      try {
        out.put(line.substring(0, colon).strip(), Long.parseLong(rest[0]));
      } catch (NumberFormatException e) {
        // a field we do not use
      }
    }
    return new MemInfo(out);
  }

  long get(String field) {
    Long v = kb.get(field);
    if (v == null) {
      throw new IllegalStateException("/proc/meminfo has no " + field);
    }
    return v;
  }
}
