package io.tandem.app.sync;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tandem.core.config.SyncJobConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Sync metrics per job: {@code tandem_sync_age_seconds{job}} (age of the last success; NaN before
 * the first) and {@code tandem_sync_bytes_total{job}} (bytes this site moved for the job), read
 * from the freshness ledger at scrape time.
 */
@Component
public class SyncMetrics implements MeterBinder {

  private final ObjectProvider<SyncAgent> agent;

  public SyncMetrics(ObjectProvider<SyncAgent> agent) {
    this.agent = agent;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    SyncAgent a = agent.getIfUnique();
    if (a == null) {
      return;
    }
    for (SyncJobConfig j : a.service().jobs()) {
      String job = j.name();
      Gauge.builder(
              "tandem_sync_age_seconds",
              a,
              x -> {
                double lag = x.service().status(job).lagSeconds();
                return lag < 0 ? Double.NaN : lag;
              })
          .description("Seconds since the sites' copies of the job were last made equal")
          .tag("job", job)
          .register(registry);
      FunctionCounter.builder(
              "tandem_sync_bytes_total", a, x -> x.service().status(job).bytesTotal())
          .description("Bytes this site moved for the job (sent or received)")
          .tag("job", job)
          .register(registry);
    }
  }
}
