package io.tandem.onprem.sip;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import io.tandem.onprem.sip.internal.SipRequests;
import java.text.ParseException;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.sip.InvalidArgumentException;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Health sensor: sends a SIP OPTIONS to a target and reports the response code and round-trip time
 * in milliseconds.
 *
 * <p>Verdict: a 2xx is OK; a slower 2xx than {@code warnAfter} is WARN; any other final response
 * proves the target's SIP stack is alive but not happy with us, so 3xx/4xx are WARN and 5xx/6xx
 * FAIL; a transport error is FAIL; no answer within the spec's timeout is TIMEOUT (silence is not
 * an answer that the target is down; the health monitor judges it over a longer window). The
 * reading's value is the round-trip time (NaN without an answer).
 *
 * <p>Not thread-safe per instance (the aggregator never reads one sensor concurrently); many probes
 * may share one {@link SipEndpoint}.
 */
public final class SipOptionsProbe implements HealthSensor {

  private final SensorSpec spec;
  private final SipEndpoint endpoint;
  private final SipTarget target;
  private final long warnAfterNanos;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final AtomicLong cseq = new AtomicLong();

  /**
   * @param spec sensor spec; its timeout bounds each probe
   * @param endpoint the shared SIP endpoint that sends the request
   * @param target where to send OPTIONS
   * @param warnAfterMillis round-trip time above which a 2xx counts as WARN
   * @param clock wall clock for reading timestamps
   * @param nanoTime monotonic ticker for the round-trip time (e.g. {@code System::nanoTime})
   */
  public SipOptionsProbe(
      SensorSpec spec,
      SipEndpoint endpoint,
      SipTarget target,
      long warnAfterMillis,
      Clock clock,
      LongSupplier nanoTime) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.target = Objects.requireNonNull(target, "target");
    if (warnAfterMillis <= 0) {
      throw new ConfigException("sip-options warnAfterMillis must be > 0, was " + warnAfterMillis);
    }
    this.warnAfterNanos = warnAfterMillis * 1_000_000L;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** A probe with the system clocks and a WARN threshold of half the spec's timeout. */
  public static SipOptionsProbe of(SensorSpec spec, SipEndpoint endpoint, SipTarget target) {
    return new SipOptionsProbe(
        spec,
        endpoint,
        target,
        Math.max(1, spec.timeout().toMillis() / 2),
        Clock.systemUTC(),
        System::nanoTime);
  }

  @Override
  public SensorSpec spec() {
    return spec;
  }

  @Override
  public SensorReading read() {
    Request request;
    try {
      request =
          SipRequests.build(
              endpoint,
              Request.OPTIONS,
              SipRequests.uri(endpoint, null, target.hostPort(), target.transport()),
              "tandem-probe",
              endpoint.host(),
              endpoint.newCallId(),
              cseq.incrementAndGet(),
              target);
      request.addHeader(endpoint.headers().createAcceptHeader("application", "sdp"));
    } catch (ParseException | InvalidArgumentException e) {
      return SensorReading.fail(
          "cannot build OPTIONS for " + target + ": " + e.getMessage(), now());
    }
    long start = nanoTime.getAsLong();
    Response response;
    try {
      response = endpoint.send(request, target, spec.timeout());
    } catch (TransientException e) {
      if (e.getCause() instanceof java.util.concurrent.TimeoutException) {
        // silence is not an error answer: TIMEOUT (core.health.Hysteresis judges it longer)
        return new SensorReading(SensorStatus.TIMEOUT, Double.NaN, "", e.getMessage(), now());
      }
      return SensorReading.fail(e.getMessage(), now());
    }
    long elapsed = nanoTime.getAsLong() - start;
    double millis = elapsed / 1_000_000.0;
    int code = response.getStatusCode();
    String detail =
        String.format(
            Locale.ROOT,
            "%d %s in %.1f ms from %s",
            code,
            response.getReasonPhrase(),
            millis,
            target);
    SensorStatus status;
    if (code >= 200 && code < 300) {
      status = elapsed > warnAfterNanos ? SensorStatus.WARN : SensorStatus.OK;
    } else if (code < 500) {
      status = SensorStatus.WARN;
    } else {
      status = SensorStatus.FAIL;
    }
    return new SensorReading(status, millis, "ms", detail, now());
  }

  private java.time.Instant now() {
    return clock.instant();
  }
}
