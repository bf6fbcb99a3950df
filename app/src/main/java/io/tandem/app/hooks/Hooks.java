package io.tandem.app.hooks;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.config.HookConfig;
import io.tandem.core.config.HookEvent;
import io.tandem.core.health.HealthLevel;
import io.tandem.core.health.HealthListener;
import io.tandem.core.health.SensorState;
import io.tandem.core.health.SensorStatus;
import io.tandem.core.runbook.StageHook;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Operators' hook programs ({@code hooks:} in the cluster file, issue 18.4), run on this site's
 * events as keepalived's {@code notify} scripts are: on entering ACTIVE / STANDBY / FENCED /
 * MAINTENANCE, before and after each runbook stage, on a sensor reading going to WARN or FAIL, on
 * the health entering its warning level, and before a planned switchover away from this site.
 *
 * <p>Every program gets the facts in environment variables: {@code TANDEM_EVENT}, {@code
 * TANDEM_CLUSTER}, {@code TANDEM_SITE}, {@code TANDEM_HOOK}, {@code TANDEM_EPOCH} (0 when none),
 * {@code TANDEM_REASON} (the sentence), and per event {@code TANDEM_STATE}, {@code
 * TANDEM_PREVIOUS_STATE}, {@code TANDEM_REASON_CODE} (states); {@code TANDEM_RUN_ID}, {@code
 * TANDEM_RUN_KIND}, {@code TANDEM_RUNBOOK}, {@code TANDEM_STAGE}, {@code TANDEM_STAGE_NUMBER},
 * {@code TANDEM_STAGE_KIND}, {@code TANDEM_DRILL} (stages); {@code TANDEM_SENSOR}, {@code
 * TANDEM_SENSOR_KIND}, {@code TANDEM_SENSOR_STATUS} (sensors); {@code TANDEM_HEALTH_LEVEL}, {@code
 * TANDEM_HEALTH_SCORE} (health); {@code TANDEM_TARGET} (switchover). docs/operations.md lists them.
 *
 * <p>Threads: state, sensor and health hooks run one at a time, in order, on one thread of their
 * own (never the decision loop's; at most {@link #QUEUE} waiting, then dropped with a warning);
 * stage hooks run on the run's thread, between its stages, and their outcome goes into the run's
 * report; switchover hooks run on the caller's thread and a non-zero exit refuses the switchover.
 * Nothing else is ever vetoed: a failover never waits for a program's answer.
 */
public final class Hooks implements StageHook, AutoCloseable {

  /** Asynchronous hook runs that may wait; beyond this they are dropped (and logged). */
  static final int QUEUE = 64;

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Hooks.class);

  private final String cluster;
  private final String site;
  private final List<HookConfig> hooks;
  private final HookRunner runner;
  private final ThreadPoolExecutor async;
  private volatile long epoch;

  public Hooks(String cluster, String site, List<HookConfig> hooks, HookRunner runner) {
    this.cluster = cluster;
    this.site = site;
    this.hooks = List.copyOf(hooks);
    this.runner = runner;
    this.async =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "tandem-hooks-" + site);
              t.setDaemon(true);
              return t;
            });
  }

  /** Whether any hook is configured. */
  public boolean any() {
    return !hooks.isEmpty();
  }

  // ---- states (subscribed to the event bus: must not block) ----

  /**
   * Called for every decision (the event bus's {@code DecisionMade}, on the bus's thread); runs
   * state hooks on a state change. Never blocks: the programs run on this object's own thread.
   */
  public void onDecision(Decision d) {
    if (d.epoch() > 0) {
      epoch = d.epoch();
    }
    if (d.from() == d.to()) {
      return;
    }
    HookEvent event =
        switch (d.to()) {
          case ACTIVE -> HookEvent.ACTIVE;
          case STANDBY -> HookEvent.STANDBY;
          case FENCED -> HookEvent.FENCED;
          case MAINTENANCE -> HookEvent.MAINTENANCE;
          default -> null;
        };
    if (event == null) {
      return;
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TANDEM_STATE", d.to().name());
    env.put("TANDEM_PREVIOUS_STATE", d.from().name());
    env.put("TANDEM_REASON_CODE", d.reason().name());
    env.put("TANDEM_REASON", d.words());
    env.put("TANDEM_EPOCH", Long.toString(d.epoch()));
    later(event, env);
  }

  // ---- sensors and health ----

  /** Sensor readings going to WARN or FAIL, and the health entering its warning level. */
  public HealthListener healthListener() {
    return (previous, current) -> {
      Map<String, SensorState> before = new LinkedHashMap<>();
      previous.sensors().forEach(s -> before.put(s.spec().name(), s));
      for (SensorState s : current.sensors()) {
        SensorState was = before.get(s.spec().name());
        HookEvent event = sensorEvent(was == null ? null : was.last().status(), s.last().status());
        if (event != null) {
          Map<String, String> env = new LinkedHashMap<>();
          env.put("TANDEM_SENSOR", s.spec().name());
          env.put("TANDEM_SENSOR_KIND", s.spec().kind());
          env.put("TANDEM_SENSOR_STATUS", s.last().status().name());
          env.put("TANDEM_REASON", s.last().detail());
          env.put("TANDEM_HEALTH_LEVEL", current.level().name());
          later(event, env);
        }
      }
      if (current.level() == HealthLevel.WARN && previous.level() != HealthLevel.WARN) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TANDEM_HEALTH_LEVEL", current.level().name());
        env.put("TANDEM_HEALTH_SCORE", Integer.toString(current.score()));
        env.put("TANDEM_REASON", current.summary());
        later(HookEvent.HEALTH_WARN, env);
      }
    };
  }

  private static HookEvent sensorEvent(SensorStatus was, SensorStatus now) {
    boolean bad = now == SensorStatus.FAIL || now == SensorStatus.TIMEOUT;
    boolean wasBad = was == SensorStatus.FAIL || was == SensorStatus.TIMEOUT;
    if (bad && !wasBad) {
      return HookEvent.SENSOR_FAIL;
    }
    if (now == SensorStatus.WARN && was != SensorStatus.WARN) {
      return HookEvent.SENSOR_WARN;
    }
    return null;
  }

  // ---- runbook stages (the engine's hook point; on the run's thread) ----

  @Override
  public List<String> at(StageEvent e) {
    HookEvent event = e.before() ? HookEvent.STAGE_BEFORE : HookEvent.STAGE_AFTER;
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TANDEM_RUN_ID", e.context().runId());
    env.put("TANDEM_RUN_KIND", e.context().kind().name());
    env.put("TANDEM_DRILL", Boolean.toString(e.context().drill()));
    env.put("TANDEM_RUNBOOK", e.runbook());
    env.put("TANDEM_STAGE", e.stage());
    env.put("TANDEM_STAGE_NUMBER", Integer.toString(e.stageNumber()));
    env.put("TANDEM_STAGE_KIND", e.kind().name());
    env.put("TANDEM_EPOCH", Long.toString(e.context().token().epoch()));
    env.put(
        "TANDEM_REASON",
        (e.before() ? "before" : "after") + " stage " + e.stageNumber() + " " + e.stage());
    List<String> words = new ArrayList<>();
    for (HookConfig h : hooks) {
      if (h.runsOn(event)) {
        words.add(runner.run(h, env(h, event, env)).words());
      }
    }
    return words;
  }

  // ---- planned switchover (on the caller's thread) ----

  /**
   * Runs the {@code switchover} hooks before a planned switchover away from this site to {@code
   * target} is accepted.
   *
   * @return the refusal in words when one of them exits non-zero (or is killed at its timeout),
   *     else empty
   */
  public Optional<String> vetoSwitchover(String target) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TANDEM_TARGET", target);
    env.put("TANDEM_STATE", AgentState.ACTIVE.name());
    env.put("TANDEM_EPOCH", Long.toString(epoch));
    env.put("TANDEM_REASON", "planned switchover from " + site + " to " + target + " requested");
    for (HookConfig h : hooks) {
      if (h.runsOn(HookEvent.SWITCHOVER)) {
        HookRunner.Result r = runner.run(h, env(h, HookEvent.SWITCHOVER, env));
        if (!r.succeeded()) {
          return Optional.of("switchover to " + target + " vetoed by hook " + r.words());
        }
      }
    }
    return Optional.empty();
  }

  // ---- plumbing ----

  private Map<String, String> env(HookConfig h, HookEvent event, Map<String, String> facts) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TANDEM_EVENT", event.configName());
    env.put("TANDEM_CLUSTER", cluster);
    env.put("TANDEM_SITE", site);
    env.put("TANDEM_HOOK", h.name());
    env.put("TANDEM_EPOCH", Long.toString(epoch));
    env.putAll(facts);
    return env;
  }

  private void later(HookEvent event, Map<String, String> facts) {
    for (HookConfig h : hooks) {
      if (!h.runsOn(event)) {
        continue;
      }
      Map<String, String> env = env(h, event, facts);
      try {
        async.execute(() -> runner.run(h, env));
      } catch (RejectedExecutionException e) {
        log.warn(
            "hook {} on {} dropped: {} runs already waiting", h.name(), event.configName(), QUEUE);
      }
    }
  }

  @Override
  public void close() {
    async.shutdownNow();
  }
}
