package io.tandem.core.sync;

import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.error.TandemException;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.SyncStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of every job on this site: runs each job on its interval and soon after a change
 * is signalled, from this site to every other site, each run through the {@link SenderGate}
 * (re-checked between phases), and records what happened as a {@link SyncDecision}. A site that is
 * not the holder only records why it did not send (once per change of reason, so a standby's log is
 * not a list of identical skips). Exposes each job through the {@link SyncJob} port for the
 * switchover runbook. One run per job at a time; runs happen on virtual threads.
 */
public final class SyncService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SyncService.class);

  /** How long a change signal waits for more changes before it starts a run. */
  public static final Duration DEBOUNCE = Duration.ofMillis(500);

  private final String site;
  private final List<String> peers;
  private final Map<String, SyncJobConfig> jobs = new LinkedHashMap<>();
  private final Map<String, SyncRunner> runners;
  private final Function<String, SenderGate.Facts> facts;
  private final SyncLedger ledger;
  private final Clock clock;
  private final LongSupplier nanos;
  private final Map<String, ReentrantLock> locks = new LinkedHashMap<>();
  private final Map<String, ScheduledFuture<?>> pendingTriggers =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private final ExecutorService runs = Executors.newVirtualThreadPerTaskExecutor();
  private volatile boolean running;
  private final Map<String, String> lastSkip = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param site this site
   * @param peers the other sites (receivers while this site holds the ticket)
   * @param jobs the configured jobs
   * @param runners the runner of each job
   * @param facts this site's gate facts for sending to a given peer, taken fresh on each call
   * @param ledger where decisions and freshness go
   * @param clock wall clock
   * @param nanos monotonic clock
   */
  public SyncService(
      String site,
      List<String> peers,
      List<SyncJobConfig> jobs,
      Map<String, SyncRunner> runners,
      Function<String, SenderGate.Facts> facts,
      SyncLedger ledger,
      Clock clock,
      LongSupplier nanos) {
    this.site = site;
    this.peers = List.copyOf(peers);
    jobs.forEach(
        j -> {
          this.jobs.put(j.name(), j);
          locks.put(j.name(), new ReentrantLock());
        });
    this.runners = Map.copyOf(runners);
    this.facts = facts;
    this.ledger = ledger;
    this.clock = clock;
    this.nanos = nanos;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tandem-sync-" + site);
              t.setDaemon(true);
              return t;
            });
  }

  /** Schedules every job: first soon after start, then on its interval. */
  public void start() {
    running = true;
    for (SyncJobConfig j : jobs.values()) {
      long first = Math.min(j.interval().toMillis(), 2000);
      timer.scheduleWithFixedDelay(
          () -> runInBackground(j.name()), first, j.interval().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  public String site() {
    return site;
  }

  public List<SyncJobConfig> jobs() {
    return List.copyOf(jobs.values());
  }

  public SyncLedger ledger() {
    return ledger;
  }

  /** Signals a change in {@code job}'s source: a run starts after {@link #DEBOUNCE} of quiet. */
  public void trigger(String job) {
    if (!running || !jobs.containsKey(job)) {
      return;
    }
    ScheduledFuture<?> previous =
        pendingTriggers.put(
            job,
            timer.schedule(
                () -> {
                  pendingTriggers.remove(job);
                  runInBackground(job);
                },
                DEBOUNCE.toMillis(),
                TimeUnit.MILLISECONDS));
    if (previous != null) {
      previous.cancel(false);
    }
  }

  private void runInBackground(String job) {
    if (!running) {
      return;
    }
    try {
      runs.execute(() -> runNow(job));
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      // closing
    }
  }

  /**
   * Runs {@code job} to every peer now and returns the decisions. Waits for a run already in
   * progress (bounded by the job's timeout), then runs again: the caller sees a run that started
   * after its call.
   */
  public List<SyncDecision> runNow(String job) {
    SyncJobConfig config = jobs.get(job);
    if (config == null) {
      throw new IllegalArgumentException("no sync job " + job);
    }
    ReentrantLock lock = locks.get(job);
    try {
      if (!lock.tryLock(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        return List.of();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
    try {
      List<SyncDecision> out = new ArrayList<>();
      for (String peer : peers) {
        out.add(runTo(config, peer));
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  private SyncDecision runTo(SyncJobConfig job, String peer) {
    long start = nanos.getAsLong();
    GateVerdict gate = SenderGate.check(job.name(), peer, facts.apply(peer));
    if (!gate.open()) {
      SyncDecision d =
          SyncDecision.of(
              job.name(),
              site,
              peer,
              SyncDecision.Outcome.SKIPPED,
              gate.reason(),
              gate.words(),
              gate.epoch(),
              clock.instant());
      // once per change of reason towards this peer, whatever the receiving side recorded since
      boolean repeat = gist(d).equals(lastSkip.put(job.name() + " " + peer, gist(d)));
      if (!repeat) {
        ledger.record(d, site);
        log.info("{}", d.words());
      }
      return d;
    }
    lastSkip.remove(job.name() + " " + peer);
    long epoch = gate.epoch();
    // Between files the run needs the same ticket and epoch, this site healthy, and no report
    // of the receiver being unhealthy; a report merely late (a busy host, the transfer itself
    // loading the link) does not stop a run already authenticated at its start.
    BooleanSupplier stillAllowed =
        () -> {
          GateVerdict g = SenderGate.check(job.name(), peer, facts.apply(peer));
          return g.epoch() == epoch && (g.open() || g.reason() == SyncReason.LINK_UNAUTHENTICATED);
        };
    SyncDecision d;
    try {
      SyncRunner.Result r = runners.get(job.name()).push(job.name(), peer, epoch, stillAllowed);
      long ms = (nanos.getAsLong() - start) / 1_000_000;
      d =
          new SyncDecision(
              job.name(),
              site,
              peer,
              r.upToDate() ? SyncDecision.Outcome.UP_TO_DATE : SyncDecision.Outcome.SENT,
              r.upToDate() ? SyncReason.UP_TO_DATE : SyncReason.APPLIED,
              "sync "
                  + job.name()
                  + ": "
                  + (r.upToDate() ? "up to date on " + peer : "sent to " + peer)
                  + " under epoch "
                  + epoch
                  + " ("
                  + seconds(ms)
                  + "): "
                  + r.words(),
              epoch,
              r.files(),
              r.rows(),
              r.bytes(),
              ms,
              clock.instant());
    } catch (SyncRefusedException e) {
      d =
          failed(
              job,
              peer,
              epoch,
              SyncDecision.Outcome.REFUSED,
              e.reason(),
              peer + " refused: " + e.getMessage(),
              start);
    } catch (SyncFailedException e) {
      d = failed(job, peer, epoch, SyncDecision.Outcome.FAILED, e.reason(), e.getMessage(), start);
    } catch (TandemException | java.io.UncheckedIOException e) {
      d =
          failed(
              job,
              peer,
              epoch,
              SyncDecision.Outcome.FAILED,
              SyncReason.TRANSFER_FAILED,
              e.getMessage(),
              start);
    } catch (RuntimeException e) {
      log.warn("sync {}: run to {} failed unexpectedly", job.name(), peer, e);
      d =
          failed(
              job,
              peer,
              epoch,
              SyncDecision.Outcome.FAILED,
              SyncReason.TRANSFER_FAILED,
              e.toString(),
              start);
    }
    ledger.record(d, site);
    log.info("{}", d.words());
    return d;
  }

  /**
   * What makes a skip worth recording again: its reason, and for a site that is not the holder also
   * the state it names (a standby that started as STARTING must not keep saying so once it is
   * STANDBY). Words that carry ages or sensor readings are not compared, or every skip would be
   * new.
   */
  private static String gist(SyncDecision d) {
    return d.reason() == SyncReason.NOT_HOLDER ? d.words() : d.reason().name();
  }

  private SyncDecision failed(
      SyncJobConfig job,
      String peer,
      long epoch,
      SyncDecision.Outcome outcome,
      SyncReason reason,
      String why,
      long start) {
    String words =
        why != null && why.startsWith("sync " + job.name())
            ? why
            : "sync " + job.name() + ": " + why;
    return new SyncDecision(
        job.name(),
        site,
        peer,
        outcome,
        reason,
        words,
        epoch,
        0,
        0,
        0,
        (nanos.getAsLong() - start) / 1_000_000,
        clock.instant());
  }

  private static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  /** The job's freshness as this site knows it. */
  public SyncStatus status(String job) {
    return ledger.status(job);
  }

  /** Every job's freshness, in configuration order. */
  public List<SyncStatus> statuses() {
    return jobs.keySet().stream().map(ledger::status).toList();
  }

  /** The {@link SyncJob} port of one job (for the switchover runbook and the freshness sensor). */
  public SyncJob job(String name) {
    if (!jobs.containsKey(name)) {
      throw new IllegalArgumentException("no sync job " + name);
    }
    return new SyncJob() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public SyncStatus status() {
        return ledger.status(name);
      }

      @Override
      public SyncStatus runOnce() {
        runNow(name);
        return ledger.status(name);
      }

      @Override
      public boolean checkedBeforeHandover() {
        return true; // SwitchoverReadiness on the old active
      }
    };
  }

  /** Every job's port. */
  public List<SyncJob> ports() {
    return jobs.keySet().stream().map(this::job).toList();
  }

  @Override
  public void close() {
    running = false;
    timer.shutdownNow();
    runs.shutdownNow();
  }
}
