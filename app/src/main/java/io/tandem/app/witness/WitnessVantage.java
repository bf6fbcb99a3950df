package io.tandem.app.witness;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.onprem.sip.SipEndpoint;
import io.tandem.onprem.sip.SipOptionsProbe;
import io.tandem.onprem.sip.SipTarget;
import java.time.Duration;

/**
 * SIP OPTIONS sent from the witness's own network position: the "external" health check of a site's
 * public address (is the service reachable from outside, not just from its own LAN?). The SIP
 * endpoint is opened on the witness's listen address on first use and closed with the server.
 *
 * <p>Thread-safe. The witness listener asks it only for an authenticated site and only for a target
 * that site's {@code sip-options-external} sensor configures ({@link WitnessHandler}): never an
 * arbitrary host:port, so the witness cannot be used as a port scanner.
 */
public final class WitnessVantage implements AutoCloseable {

  static final Duration MAX_TIMEOUT = Duration.ofSeconds(5);

  private final String bindAddress;
  private SipEndpoint endpoint;

  /**
   * @param bindAddress the witness's listen address (a wildcard address binds every interface)
   */
  public WitnessVantage(String bindAddress) {
    this.bindAddress =
        bindAddress.equals("0.0.0.0") || bindAddress.equals("::") ? "0.0.0.0" : bindAddress;
  }

  /**
   * One OPTIONS round trip to {@code hostPort} over {@code transport}, bounded by {@code timeout}
   * (at most {@link #MAX_TIMEOUT}).
   *
   * @throws io.tandem.core.error.ConfigException when the target is not {@code host:port}
   */
  public SensorReading probe(String site, String hostPort, String transport, Duration timeout) {
    Duration t = timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT : timeout;
    SipTarget target = SipTarget.parse("target", hostPort, transport == null ? "udp" : transport);
    SensorSpec spec =
        new SensorSpec(
            "sip-options-external:" + site, "sip-options", true, 1, t.multipliedBy(2), t);
    return SipOptionsProbe.of(spec, endpoint(), target).read();
  }

  private synchronized SipEndpoint endpoint() {
    if (endpoint == null) {
      endpoint = SipEndpoint.open(bindAddress, 0);
    }
    return endpoint;
  }

  @Override
  public synchronized void close() {
    if (endpoint != null) {
      endpoint.close();
      endpoint = null;
    }
  }
}
