package io.tandem.sim.peer.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records each peer's start-to-ready time: logs it and rewrites {@code target/peer-startup.json}
 * (relative to the module directory Surefire runs in) after every start. Thread-safe.
 */
public final class StartupTimes {

  private static final Logger LOG = LoggerFactory.getLogger(StartupTimes.class);
  private static final Map<String, List<Long>> MILLIS = new TreeMap<>();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private StartupTimes() {}

  public static synchronized void record(String peer, Duration startToReady, String where) {
    LOG.info("{} ready in {} ms at {}", peer, startToReady.toMillis(), where);
    MILLIS.computeIfAbsent(peer, k -> new ArrayList<>()).add(startToReady.toMillis());
    Path target = Path.of(System.getProperty("user.dir"), "target");
    if (!Files.isDirectory(target)) {
      return;
    }
    Map<String, Object> report = new LinkedHashMap<>();
    MILLIS.forEach(
        (name, runs) -> {
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("starts", runs.size());
          entry.put("minMs", runs.stream().mapToLong(Long::longValue).min().orElse(0));
          entry.put("maxMs", runs.stream().mapToLong(Long::longValue).max().orElse(0));
          entry.put("runsMs", List.copyOf(runs));
          report.put(name, entry);
        });
    try {
      Files.writeString(
          target.resolve("peer-startup.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not write peer-startup.json: {}", e.toString());
    }
  }
}
