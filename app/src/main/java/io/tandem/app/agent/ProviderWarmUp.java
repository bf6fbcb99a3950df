package io.tandem.app.agent;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.port.DnsRecord;
import io.tandem.onprem.vip.LinuxVipMover;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every provider client a failover could use warm, so that a decision is followed by the
 * runbook's first step at once (issue 17.2: 1.0–3.6 s passed between a decision and the first step
 * while SDK clients resolved credentials, loaded their marshallers and opened TLS connections on
 * first use).
 *
 * <p>At {@link #start} and then every {@link #KEEP_WARM} it makes, in parallel, the read-only call
 * the runbook's first step of each resource makes anyway: {@code observe} of every service address
 * (Elastic IP, Azure public IP), every site's fence target and every DNS record. That resolves and
 * refreshes credentials (an STS role, an Azure token), resolves lookups the adapters cache (a Route
 * 53 zone id), loads the SDK's classes and keeps a pooled connection open; it also tells the
 * operator at start, not during an outage, that a permission or an endpoint is wrong. Pacemaker
 * does the same with its periodic {@code monitor} operation on fence devices.
 *
 * <p>Never fatal: a failed call is logged when a resource's state changes (ok → failing → ok) and
 * shown by {@link #outcomes()}; the agent runs on (the provider may be the very thing that is
 * down). A virtual IP's hosts of other sites are reached over ssh: each is asked for its addresses
 * ({@link LinuxVipMover#reach}), which opens the host's shared OpenSSH connection at start and
 * keeps it from going idle ({@code ControlPersist} outlasts {@link #KEEP_WARM}); a host down at
 * start is logged once and asked again every round. The agent's own host needs nothing.
 *
 * <p>Thread-safe. Each call is bounded by its adapter's own timeouts and a round by {@link
 * #ROUND_LIMIT}.
 */
final class ProviderWarmUp implements AutoCloseable {

  /**
   * How often the calls are repeated: below the 5 s idle limit of the JDK's HTTP keep-alive cache
   * it would not be affordable (Route 53 allows 5 requests per second per account), so the launcher
   * keeps idle connections for 30 s ({@code http.keepAlive.time.server}) and a call every 20 s
   * keeps each open. Credentials (STS: 15 min, Azure AD tokens: about an hour) are renewed well
   * before they lapse.
   */
  static final Duration KEEP_WARM = Duration.ofSeconds(20);

  /** The longest a round waits for its calls before reporting the rest as too slow. */
  static final Duration ROUND_LIMIT = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(ProviderWarmUp.class);

  /** One read-only call that warms one adapter. */
  record Target(String what, Runnable call) {}

  /**
   * The last result for one target.
   *
   * @param what e.g. {@code fence cloud i-0abc (aws-ec2)}
   * @param ok whether the call succeeded
   * @param detail the error in words when not
   * @param millis how long the call took
   * @param at when it ended
   */
  record Outcome(String what, boolean ok, String detail, long millis, Instant at) {}

  private final String site;
  private final List<Target> targets;
  private final Duration every;
  private final Clock clock;
  private final LongSupplier nanos;
  private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService calls;

  ProviderWarmUp(
      String site, List<Target> targets, Duration every, Clock clock, LongSupplier nanos) {
    this.site = site;
    this.targets = List.copyOf(targets);
    this.every = every;
    this.clock = clock;
    this.nanos = nanos;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("tandem-warm-up-" + site).factory());
    this.calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());
  }

  /**
   * The targets of one agent: every cloud service address, fence target and DNS record of the
   * cluster, through the adapters the agent's runbooks use ({@code providers} returns the same
   * adapter for the same configuration).
   */
  static List<Target> targets(ClusterConfig config, Providers.Adapters providers) {
    List<Target> out = new ArrayList<>();
    java.util.Set<String> sshHosts = new java.util.HashSet<>();
    for (SiteConfig s : config.sites()) {
      for (ServiceAddress a : s.serviceAddresses()) {
        if (a instanceof ServiceAddress.VirtualIp vip
            && providers.address(s, a) instanceof LinuxVipMover mover) {
          // one target per host reached over ssh: it opens the host's shared connection and keeps
          // it in use, so the first command after a fault finds it open
          for (String host : mover.remoteHosts()) {
            if (sshHosts.add(vip.name() + " " + host)) {
              out.add(
                  new Target(
                      "ssh " + host + " for vip " + vip.name() + " (linux-vip)",
                      () -> mover.reach(host)));
            }
          }
        }
        String id =
            switch (a) {
              case ServiceAddress.ElasticIp eip -> eip.allocationId();
              case ServiceAddress.AzurePublicIp ip -> ip.resourceId();
              case ServiceAddress.VirtualIp vip -> null;
            };
        if (id != null) {
          var mover = providers.address(s, a);
          out.add(
              new Target(
                  "address " + s.name() + " " + id + " (" + mover.provider() + ")",
                  () -> mover.observe(id)));
        }
      }
      s.fencing()
          .ifPresent(
              f ->
                  providers
                      .fencer(s)
                      .ifPresent(
                          fencer ->
                              out.add(
                                  new Target(
                                      "fence "
                                          + s.name()
                                          + " "
                                          + f.target()
                                          + " ("
                                          + fencer.provider()
                                          + ")",
                                      () -> fencer.observe(f.target())))));
    }
    for (DnsRecordConfig d : config.dns()) {
      if (d.values().isEmpty()) {
        continue;
      }
      var updater = providers.dns(d);
      DnsRecord r = d.forSite(d.values().keySet().iterator().next());
      out.add(
          new Target(
              "dns " + r.name() + " " + r.type() + " (" + updater.provider() + ")",
              () -> updater.observe(r.zone(), r.name(), r.type())));
    }
    return out;
  }

  /** Makes every call now, then every {@link #KEEP_WARM}; returns at once. */
  void start() {
    if (!targets.isEmpty()) {
      scheduler.scheduleWithFixedDelay(this::round, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The last outcome of every target, in configuration order (empty before the first round). */
  List<Outcome> outcomes() {
    return targets.stream().map(t -> outcomes.get(t.what())).filter(o -> o != null).toList();
  }

  private void round() {
    long deadline = nanos.getAsLong() + ROUND_LIMIT.toNanos();
    List<Future<?>> running = new ArrayList<>();
    for (Target t : targets) {
      running.add(calls.submit(() -> call(t)));
    }
    for (int i = 0; i < running.size(); i++) {
      try {
        running.get(i).get(Math.max(0, deadline - nanos.getAsLong()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        running.get(i).cancel(true);
        record(targets.get(i), false, "no answer within " + ROUND_LIMIT.toSeconds() + " s", 0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (java.util.concurrent.ExecutionException e) {
        // call() catches everything it can; an Error ends up here and is reported
        record(targets.get(i), false, e.getCause().toString(), 0);
      }
    }
  }

  private void call(Target t) {
    long begin = nanos.getAsLong();
    try {
      t.call().run();
      record(t, true, "", (nanos.getAsLong() - begin) / 1_000_000);
    } catch (RuntimeException e) {
      // adapters' messages name resources and causes, never secrets
      record(t, false, e.getMessage() == null ? e.toString() : e.getMessage(), 0);
    }
  }

  private void record(Target t, boolean ok, String detail, long millis) {
    Outcome before =
        outcomes.put(t.what(), new Outcome(t.what(), ok, detail, millis, clock.instant()));
    if (before == null || before.ok() != ok) {
      if (ok) {
        log.info("agent {}: {} ready ({} ms)", site, t.what(), millis);
      } else {
        log.warn(
            "agent {}: {} cannot be reached now: {}; a failover would have to use it anyway",
            site,
            t.what(),
            detail);
      }
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    calls.shutdownNow();
  }
}
