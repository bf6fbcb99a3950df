package io.tandem.core.runbook;

/**
 * Port: a check from outside that the new site really serves, e.g. SIP OPTIONS to the public
 * address answered by the new site. Contract: changes nothing, bounded by a timeout, thread-safe;
 * throws {@link io.tandem.core.error.TransientException} when the check could not be made.
 */
public interface Probe {

  /** Provider name for circuit breakers, e.g. {@code sip-options}. */
  String provider();

  /** What is checked, in words, e.g. {@code sip:203.0.113.10 answered by site b}. */
  String expectation();

  ProbeResult check();
}
