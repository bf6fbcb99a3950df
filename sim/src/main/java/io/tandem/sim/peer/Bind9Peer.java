package io.tandem.sim.peer;

/** Connection details of a running BIND 9 with an updatable test zone. */
public interface Bind9Peer {

  /** Always {@code 127.0.0.1}. */
  String host();

  /** DNS port, UDP and TCP. */
  int port();

  /**
   * The zone, absolute, e.g. {@code tandem.test.}; it holds {@code sip.tandem.test. A 192.0.2.10}.
   */
  String zone();

  /** TSIG key name allowed to update the zone, e.g. {@code tandem-key.}. */
  String tsigKeyName();

  /** TSIG algorithm, {@code hmac-sha256}. */
  String tsigAlgorithm();

  /** TSIG secret, base64. */
  String tsigSecret();
}
