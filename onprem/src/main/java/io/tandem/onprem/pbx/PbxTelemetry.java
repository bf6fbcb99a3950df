package io.tandem.onprem.pbx;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What Tandem reads from a PBX, whatever the product: the one interface the PBX sensors ({@link
 * PbxSensors}) are written against. Asterisk (AMI) and FreeSWITCH (event socket) implement it.
 *
 * <p>Every method is bounded by {@code within}, which the sensors set a little below their own
 * timeout so that a failure is explained by the adapter ("login refused for user tandem", "closed
 * the connection 1.0 s into CoreStatus"), not by the sensor's timeout. Failures are {@link
 * io.tandem.core.error.TandemException}s. Thread-safe.
 */
public interface PbxTelemetry {

  /** {@code Asterisk} or {@code FreeSWITCH}. */
  String product();

  /** {@code Asterisk at 10.0.10.5:5038}, for messages. */
  String where();

  /** A keep-alive round trip on the shared session. */
  Duration ping(Duration within);

  /** A new, separate login (see {@link PbxSession#freshLogin}); the time it took. */
  Duration freshLogin(Duration within);

  /** Version, uptime, calls and channels, and whether new calls are accepted. */
  PbxCore core(Duration within);

  /** Each trunk (PJSIP outbound registration, Sofia gateway) to its state. */
  Map<String, TrunkState> trunks(Duration within);

  /**
   * User agents: how many are reachable, and of how many the PBX knows whether they are; empty when
   * the PBX cannot tell (Asterisk without res_pjsip).
   */
  Optional<EndpointCount> endpoints(Duration within);
}
