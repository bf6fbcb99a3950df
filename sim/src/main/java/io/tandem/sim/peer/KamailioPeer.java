package io.tandem.sim.peer;

import java.util.List;
import java.util.Map;

/** Connection details and controls of a running Kamailio registrar. */
public interface KamailioPeer {

  /** Always {@code 127.0.0.1}. */
  String host();

  /** SIP port, UDP and TCP. */
  int sipPort();

  /** SIP domain and digest realm, e.g. {@code tandem.test}. */
  String domain();

  /** Users known at start (user to plaintext password), e.g. {@code trunk1 -> secret1}. */
  Map<String, String> users();

  /** Add or change a user at run time. */
  void addUser(String user, String password);

  /**
   * Makes the registrar refuse every REGISTER of {@code user} with {@code 503 Service Unavailable}
   * and {@code Retry-After: retryAfterSeconds}, as an overloaded carrier proxy does, until {@link
   * #acceptRegistrations}.
   */
  void refuseRegistrations(String user, int retryAfterSeconds);

  /** Lifts {@link #refuseRegistrations}. */
  void acceptRegistrations(String user);

  /** Contacts currently bound to an address of record, e.g. {@code sip:trunk1@tandem.test}. */
  List<String> contacts(String aor);

  /** Removes every binding of an address of record. */
  void clearLocation(String aor);

  /** Full location table as Kamailio's JSON-RPC {@code ul.dump} answer. */
  String locationDump();
}
