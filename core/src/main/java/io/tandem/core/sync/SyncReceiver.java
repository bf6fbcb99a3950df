package io.tandem.core.sync;

import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.config.SyncSource;
import io.tandem.core.error.TandemException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of every job on this site: checks each request against the {@link
 * ReceiverGate} with this site's own facts, hands the manifest to the job's {@link SyncSink}, keeps
 * the plan between the offer and the content (one run per job at a time), applies, runs the job's
 * reload and records every outcome — refusals included — as a {@link SyncDecision}. Thread-safe.
 */
public final class SyncReceiver {

  private static final Logger log = LoggerFactory.getLogger(SyncReceiver.class);

  /** A job as this site receives it. */
  public record Job(SyncJobConfig config, SyncSink sink) {}

  private record Session(
      String id,
      String sender,
      long epoch,
      SyncSink.Prepared plan,
      long openedNanos,
      long startNanos) {}

  private final String site;
  private final Map<String, Job> jobs;
  private final Function<String, ReceiverGate.Facts> facts;
  private final EpochFloor floor;
  private final SyncLedger ledger;
  private final SyncReloader reloader;
  private final Clock clock;
  private final LongSupplier nanos;
  private final Map<String, Session> sessions = new HashMap<>();

  public SyncReceiver(
      String site,
      Map<String, Job> jobs,
      Function<String, ReceiverGate.Facts> facts,
      EpochFloor floor,
      SyncLedger ledger,
      SyncReloader reloader,
      Clock clock,
      LongSupplier nanos) {
    this.site = site;
    this.jobs = Map.copyOf(jobs);
    this.facts = facts;
    this.floor = floor;
    this.ledger = ledger;
    this.reloader = reloader;
    this.clock = clock;
    this.nanos = nanos;
  }

  /**
   * An offer: checks the gate, compares the manifest, and answers what to send.
   *
   * @throws SyncRefusedException when the gate is closed, the job unknown, busy or too large
   * @throws SyncFailedException when the manifest cannot be read
   */
  public SyncChannel.OfferReply offer(
      String sender, String jobName, long epoch, InputStream manifest) {
    long start = nanos.getAsLong();
    Job job = job(sender, jobName, epoch);
    check(job, sender, epoch);
    Session previous;
    synchronized (this) {
      previous = sessions.get(jobName);
      if (previous != null
          && nanos.getAsLong() - previous.openedNanos() < job.config().timeout().toNanos()) {
        throw refuse(
            jobName,
            sender,
            epoch,
            SyncReason.BUSY,
            "sync "
                + jobName
                + ": refused, a run from "
                + previous.sender()
                + " is still in progress");
      }
      sessions.remove(jobName);
    }
    if (previous != null) {
      previous.plan().abandon();
    }
    SyncSink.Prepared plan;
    try {
      plan = job.sink().prepare(manifest);
    } catch (SyncRefusedException e) {
      // the sink's own refusals (an empty sender, too many deletions, no room) are refusals
      throw refuse(jobName, sender, epoch, e.reason(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      throw fail(
          jobName,
          sender,
          epoch,
          SyncReason.TRANSFER_FAILED,
          "cannot read the manifest: " + e.getMessage(),
          e,
          start);
    }
    long max = job.config().source() instanceof SyncSource.Files f ? f.maxBytes() : Long.MAX_VALUE;
    if (plan.bytesExpected() > max) {
      plan.abandon();
      throw refuse(
          jobName,
          sender,
          epoch,
          SyncReason.TOO_LARGE,
          "sync "
              + jobName
              + ": refused, the change is "
              + plan.bytesExpected()
              + " bytes, more than maxBytes "
              + max);
    }
    if (!plan.pending()) {
      plan.abandon();
      record(
          new SyncDecision(
              jobName,
              sender,
              site,
              SyncDecision.Outcome.UP_TO_DATE,
              SyncReason.UP_TO_DATE,
              "sync "
                  + jobName
                  + ": "
                  + site
                  + " already has what "
                  + sender
                  + " has (epoch "
                  + epoch
                  + ")",
              epoch,
              0,
              0,
              0,
              millis(start),
              clock.instant()));
      return new SyncChannel.OfferReply("", java.util.List.of(), false, 0);
    }
    String id = UUID.randomUUID().toString();
    synchronized (this) {
      sessions.put(jobName, new Session(id, sender, epoch, plan, nanos.getAsLong(), start));
    }
    return new SyncChannel.OfferReply(id, plan.need(), true, plan.bytesExpected());
  }

  /**
   * The content of an offered run: re-checks the gate, applies, reloads.
   *
   * @throws SyncRefusedException when the gate closed since the offer or the session is unknown
   * @throws SyncFailedException when receiving, verifying or applying failed (nothing changed, or
   *     the previous version was restored)
   */
  public SyncSink.Applied data(
      String sender, String jobName, long epoch, String sessionId, InputStream data) {
    Job job = job(sender, jobName, epoch);
    Session s;
    synchronized (this) {
      s = sessions.get(jobName);
      if (s == null
          || !s.id().equals(sessionId)
          || !s.sender().equals(sender)
          || s.epoch() != epoch) {
        throw refuse(
            jobName,
            sender,
            epoch,
            SyncReason.BUSY,
            "sync " + jobName + ": refused, no such run in progress");
      }
    }
    try {
      check(job, sender, epoch);
    } catch (SyncRefusedException e) {
      drop(jobName, s);
      throw e;
    }
    SyncSink.Applied applied;
    try {
      applied = s.plan().apply(data);
    } catch (SyncRefusedException e) {
      drop(jobName, s);
      throw refuse(jobName, sender, epoch, e.reason(), e.getMessage());
    } catch (SyncFailedException e) {
      drop(jobName, s);
      throw fail(jobName, sender, epoch, e.reason(), e.getMessage(), e, s.startNanos());
    } catch (IOException | RuntimeException e) {
      drop(jobName, s);
      String why =
          e instanceof java.io.EOFException || e.getMessage() == null
              ? "the content ended early (sender stopped or link cut: " + e + ")"
              : e.getMessage();
      throw fail(jobName, sender, epoch, SyncReason.TRANSFER_FAILED, why, e, s.startNanos());
    } finally {
      synchronized (this) {
        sessions.remove(jobName, s);
      }
    }
    String words = applied.words();
    SyncReason reason = SyncReason.APPLIED;
    Optional<io.tandem.core.config.SyncReload> reload = job.config().reload();
    if (reload.isPresent() && (applied.files() > 0 || applied.rows() > 0)) {
      try {
        words += "; " + reload.get().describe() + ": " + reloader.reload(reload.get());
      } catch (TandemException | UnsupportedOperationException e) {
        reason = SyncReason.RELOAD_FAILED;
        words += "; " + reload.get().describe() + " FAILED: " + e.getMessage();
      }
    }
    SyncDecision d =
        new SyncDecision(
            jobName,
            sender,
            site,
            SyncDecision.Outcome.RECEIVED,
            reason,
            "sync " + jobName + ": received from " + sender + " (epoch " + epoch + "): " + words,
            epoch,
            applied.files(),
            applied.rows(),
            applied.bytes(),
            millis(s.startNanos()),
            clock.instant());
    record(d);
    return new SyncSink.Applied(applied.files(), applied.rows(), applied.bytes(), words);
  }

  private void drop(String jobName, Session s) {
    synchronized (this) {
      sessions.remove(jobName, s);
    }
    s.plan().abandon();
  }

  private Job job(String sender, String jobName, long epoch) {
    Job job = jobs.get(jobName);
    if (job == null) {
      throw refuse(
          jobName,
          sender,
          epoch,
          SyncReason.REFUSED_BY_PEER,
          "sync " + jobName + ": refused, no such job in " + site + "'s configuration");
    }
    return job;
  }

  private void check(Job job, String sender, long epoch) {
    ReceiverGate.Facts f = facts.apply(sender);
    GateVerdict v = ReceiverGate.check(job.config().name(), sender, epoch, f);
    if (!v.open()) {
      throw refuse(job.config().name(), sender, epoch, v.reason(), v.words());
    }
    floor.raise(epoch);
  }

  private SyncRefusedException refuse(
      String job, String sender, long epoch, SyncReason reason, String words) {
    record(
        SyncDecision.of(
            job,
            sender,
            site,
            SyncDecision.Outcome.REFUSED,
            reason,
            words,
            epoch,
            clock.instant()));
    log.info("{}", words);
    return new SyncRefusedException(reason, words);
  }

  private SyncFailedException fail(
      String job,
      String sender,
      long epoch,
      SyncReason reason,
      String why,
      Throwable cause,
      long start) {
    String words =
        why.startsWith("sync " + job)
            ? why
            : "sync " + job + ": failed, " + why + "; " + site + " is unchanged";
    record(
        new SyncDecision(
            job,
            sender,
            site,
            SyncDecision.Outcome.FAILED,
            reason,
            words,
            epoch,
            0,
            0,
            0,
            millis(start),
            clock.instant()));
    log.warn("{}", words);
    return new SyncFailedException(reason, words, cause);
  }

  private void record(SyncDecision d) {
    ledger.record(d, site);
  }

  private long millis(long start) {
    return (nanos.getAsLong() - start) / 1_000_000;
  }

  /** When the last run of {@code job} was received, if any (for tests and the API). */
  public Optional<Instant> lastReceived(String job) {
    return ledger
        .last(job)
        .filter(d -> d.to().equals(site) && d.outcome().success())
        .map(SyncDecision::at);
  }
}
