package io.tandem.core.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a site's {@link HealthSensor}s, each on its own interval, and publishes an immutable {@link
 * SiteHealth} after every change.
 *
 * <ul>
 *   <li><b>Never blocks the decision loop.</b> {@link #snapshot()} reads one atomic reference.
 *       Readings run on the {@code readers} executor (virtual threads in production); timers run on
 *       the {@link TaskScheduler}.
 *   <li><b>Hung sensors.</b> A reading not answered within the sensor's timeout counts as {@link
 *       SensorStatus#TIMEOUT} at that moment; nobody waits for it. While it still hangs, each
 *       further due reading counts as TIMEOUT too and no second read starts (sensors are never read
 *       concurrently). Its late answer is discarded.
 *   <li><b>Hysteresis, weights, veto:</b> see {@link Hysteresis} and {@link HealthAggregation}.
 *   <li><b>Listeners</b> run on the {@code notifier} executor, one change at a time, in order (a
 *       serial queue on top of it), never on the caller's or the decision loop's thread unless the
 *       notifier is a direct executor (tests); a direct notifier runs them under the monitor's
 *       lock, so they may read {@link #snapshot()} but must not wait for anything.
 * </ul>
 *
 * <p>Thread-safe. State changes happen under one short lock with no I/O inside.
 */
public final class SiteHealthMonitor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SiteHealthMonitor.class);

  private final String site;
  private final Clock clock;
  private final TaskScheduler scheduler;
  private final Executor readers;
  private final SerialExecutor notifier;
  private final int minimumPercent;
  private final int warningPercent;
  private final List<Slot> slots;
  private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicReference<SiteHealth> current = new AtomicReference<>();
  private final Object lock = new Object();
  private final List<AutoCloseable> owned;
  private boolean started;
  private boolean closed;

  private SiteHealthMonitor(Builder b) {
    this.site = Objects.requireNonNull(b.site, "site");
    this.clock = Objects.requireNonNull(b.clock, "clock");
    List<AutoCloseable> own = new ArrayList<>();
    if (b.scheduler == null) {
      ExecutorTaskScheduler timer = ExecutorTaskScheduler.singleThread("health-" + site);
      own.add(timer);
      this.scheduler = timer;
    } else {
      this.scheduler = b.scheduler;
    }
    if (b.readers == null) {
      ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
      own.add(virtual::shutdownNow);
      this.readers = virtual;
    } else {
      this.readers = b.readers;
    }
    this.owned = List.copyOf(own);
    this.notifier = new SerialExecutor(b.notifier != null ? b.notifier : this.readers);
    this.minimumPercent = b.minimumPercent;
    this.warningPercent = b.warningPercent;
    Instant now = clock.instant();
    List<Slot> list = new ArrayList<>();
    for (Builder.Entry e : b.sensors) {
      list.add(
          new Slot(
              e.sensor(), e.hysteresis(), e.hysteresis().initial(e.spec(), b.initiallyUp, now)));
    }
    this.slots = List.copyOf(list);
    current.set(aggregate(now));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The latest snapshot; never blocks, never null. */
  public SiteHealth snapshot() {
    return current.get();
  }

  /** Adds a listener for later changes. */
  public void addListener(HealthListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Schedules every sensor's first reading now. Idempotent. */
  public void start() {
    synchronized (lock) {
      if (started || closed) {
        return;
      }
      started = true;
      for (Slot s : slots) {
        s.next = scheduler.schedule(Duration.ZERO, () -> due(s));
      }
    }
  }

  /**
   * Stops scheduling readings; a reading in progress is ignored when it ends (and interrupted if
   * the monitor owns the readers' executor). Shuts down only the executors it created. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      for (Slot s : slots) {
        if (s.next != null) {
          s.next.cancel();
        }
        if (s.timeout != null) {
          s.timeout.cancel();
        }
      }
    }
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing health executor of {}: {}", site, e.toString());
      }
    }
  }

  /** A sensor's reading is due: start it unless the previous one still hangs. */
  private void due(Slot s) {
    long id;
    synchronized (lock) {
      if (closed) {
        return;
      }
      s.next = scheduler.schedule(s.spec.interval(), () -> due(s));
      if (s.inFlight != 0) {
        record(
            s,
            timeoutReading(
                s,
                "still no answer after " + format(Duration.between(s.startedAt, clock.instant()))));
        return;
      }
      id = ++s.sequence;
      s.inFlight = id;
      s.timedOut = false;
      s.startedAt = clock.instant();
      s.timeout = scheduler.schedule(s.spec.timeout(), () -> timeout(s, id));
    }
    try {
      readers.execute(() -> read(s, id));
    } catch (RejectedExecutionException e) {
      complete(
          s,
          id,
          SensorReading.fail("could not start reading: executor rejected it", clock.instant()));
    }
  }

  private void read(Slot s, long id) {
    SensorReading r;
    try {
      r = s.sensor.read();
      if (r == null) {
        r = SensorReading.fail("sensor returned no reading", clock.instant());
      }
    } catch (RuntimeException | LinkageError e) {
      // The contract says sensors report failures as readings; a throw is still a failure.
      // LinkageError: an adapter whose optional library is missing fails, it does not hang.
      r =
          SensorReading.fail(
              "sensor threw "
                  + e.getClass().getSimpleName()
                  + (e.getMessage() == null ? "" : ": " + e.getMessage()),
              clock.instant());
    }
    complete(s, id, r);
  }

  private void complete(Slot s, long id, SensorReading r) {
    synchronized (lock) {
      if (s.inFlight != id) {
        return;
      }
      s.inFlight = 0;
      if (s.timeout != null) {
        s.timeout.cancel();
        s.timeout = null;
      }
      if (s.timedOut || closed) {
        return; // already counted as TIMEOUT; the late answer says nothing about now
      }
      record(s, r);
    }
  }

  private void timeout(Slot s, long id) {
    synchronized (lock) {
      if (closed || s.inFlight != id || s.timedOut) {
        return;
      }
      s.timedOut = true;
      record(s, timeoutReading(s, "no answer within " + format(s.spec.timeout())));
    }
  }

  private SensorReading timeoutReading(Slot s, String detail) {
    return new SensorReading(SensorStatus.TIMEOUT, Double.NaN, "", detail, clock.instant());
  }

  /**
   * The interval between readings while a sensor is between states — bad readings counted but not
   * yet down, or good ones counted but not yet up: a fifth of its interval. HAProxy's health checks
   * do the same ({@code fastinter}, "the interval between checks when the server is transitioning
   * UP or DOWN"): a crashed PBX is confirmed one short re-read after the first failed reading
   * instead of a whole interval later (issue 17: PBX crash p50 ≤ 2 s). Timeouts gain nothing from
   * it: a run of timeouts alone must last {@code fall} whole intervals ({@link Hysteresis}).
   */
  static Duration fastInterval(SensorSpec spec) {
    return spec.interval().dividedBy(5);
  }

  /** Applies a reading and publishes a new snapshot; caller holds the lock. */
  private void record(Slot s, SensorReading r) {
    SensorState before = s.state;
    s.state = s.hysteresis.next(before, r);
    boolean between = s.state.up() ? s.state.consecutiveBad() > 0 : s.state.consecutiveGood() > 0;
    if (between && !closed && s.inFlight == 0 && s.next != null) {
      s.next.cancel();
      s.next = scheduler.schedule(fastInterval(s.spec), () -> due(s));
    }
    SiteHealth previous = current.get();
    SiteHealth next = aggregate(clock.instant());
    current.set(next);
    if (before.up() != s.state.up()
        || previous.healthy() != next.healthy()
        || previous.level() != next.level()
        || verdict(before.last().status()) != verdict(s.state.last().status())) {
      for (HealthListener l : listeners) {
        try {
          notifier.execute(
              () -> {
                try {
                  l.changed(previous, next);
                } catch (RuntimeException e) {
                  LOG.warn("health listener failed on {}: {}", site, e.toString());
                }
              });
        } catch (RejectedExecutionException e) {
          // The snapshot is published regardless; only the notification is lost (shutdown).
          LOG.warn("health listener of {} not notified: executor rejected the task", site);
        }
      }
    }
  }

  /** OK, WARN or bad (FAIL and TIMEOUT alike): a change between them is worth telling. */
  private static int verdict(SensorStatus status) {
    return switch (status) {
      case OK -> 0;
      case WARN -> 1;
      case FAIL, TIMEOUT -> 2;
    };
  }

  private SiteHealth aggregate(Instant at) {
    List<SensorState> states = new ArrayList<>(slots.size());
    for (Slot s : slots) {
      states.add(s.state);
    }
    return HealthAggregation.aggregate(site, states, minimumPercent, warningPercent, at);
  }

  private static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  /** One sensor's mutable bookkeeping; guarded by {@code lock}. */
  private static final class Slot {
    final HealthSensor sensor;
    final SensorSpec spec;
    final Hysteresis hysteresis;
    SensorState state;
    long sequence;
    long inFlight;
    boolean timedOut;
    Instant startedAt;
    TaskScheduler.Cancellable next;
    TaskScheduler.Cancellable timeout;

    Slot(HealthSensor sensor, Hysteresis hysteresis, SensorState initial) {
      this.sensor = sensor;
      this.spec = initial.spec();
      this.hysteresis = hysteresis;
      this.state = initial;
    }
  }

  /** Builds a {@link SiteHealthMonitor}. */
  public static final class Builder {
    record Entry(HealthSensor sensor, SensorSpec spec, Hysteresis hysteresis) {}

    private String site;
    private Clock clock = Clock.systemUTC();
    private TaskScheduler scheduler;
    private Executor readers;
    private Executor notifier;
    private int minimumPercent = 75;
    private int warningPercent;
    private boolean initiallyUp;
    private final List<Entry> sensors = new ArrayList<>();

    public Builder site(String v) {
      site = v;
      return this;
    }

    public Builder clock(Clock v) {
      clock = v;
      return this;
    }

    /** Timers (due readings, timeouts); default: an own single daemon thread. */
    public Builder scheduler(TaskScheduler v) {
      scheduler = v;
      return this;
    }

    /** Where readings run; default: an own virtual-thread-per-task executor. */
    public Builder readers(Executor v) {
      readers = v;
      return this;
    }

    /** Where listeners run (serially); defaults to the readers executor. */
    public Builder notifier(Executor v) {
      notifier = v;
      return this;
    }

    /** Weighted score (percent) needed to be healthy; default 75. */
    public Builder minimumHealthPercent(int v) {
      if (v < 0 || v > 100) {
        throw new IllegalArgumentException("minimumHealthPercent must be 0..100, was " + v);
      }
      minimumPercent = v;
      return this;
    }

    /**
     * Weighted score (percent) below which a healthy site is {@link HealthLevel#WARN} (reported,
     * not failed over); default 0, no warning level.
     */
    public Builder warningHealthPercent(int v) {
      if (v < 0 || v > 100) {
        throw new IllegalArgumentException("warningHealthPercent must be 0..100, was " + v);
      }
      warningPercent = v;
      return this;
    }

    /**
     * Whether sensors count as up before their first readings (default false: a site must earn its
     * health with {@code rise} good readings before it may take over).
     */
    public Builder initiallyUp(boolean v) {
      initiallyUp = v;
      return this;
    }

    public Builder sensor(HealthSensor sensor, Hysteresis hysteresis) {
      SensorSpec spec = Objects.requireNonNull(sensor, "sensor").spec();
      if (sensors.stream().anyMatch(e -> e.spec().name().equals(spec.name()))) {
        throw new IllegalArgumentException("duplicate sensor name " + spec.name());
      }
      if (spec.timeout().compareTo(spec.interval()) >= 0) {
        throw new IllegalArgumentException(
            "sensor " + spec.name() + ": timeout must be shorter than interval");
      }
      sensors.add(new Entry(sensor, spec, Objects.requireNonNull(hysteresis, "hysteresis")));
      return this;
    }

    public SiteHealthMonitor build() {
      return new SiteHealthMonitor(this);
    }
  }
}
