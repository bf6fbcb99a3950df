package io.tandem.testkit;

/** Connection details of a running SIPp user-agent server. */
public interface SippPeer {

  /** Always {@code 127.0.0.1}. */
  String host();

  /** SIP port. */
  int port();

  /** {@code udp} or {@code tcp}. */
  String transport();
}
