package io.tandem.core.port;

import io.tandem.core.witness.FencingToken;

/**
 * Port: (re-)registers SIP trunks with carriers so inbound calls reach the active site.
 *
 * <p>Contract: {@link #register} sets {@code contact} (the new site's public address) for {@code
 * trunk}, answering digest challenges, and returns the contact list from the registrar's 200 OK.
 * {@link #unregister} sends {@code Expires: 0} for one contact; idempotent. A 403 throws {@link
 * io.tandem.core.error.PermissionException} naming the trunk. Implementations are thread-safe.
 */
public interface TrunkRegistrar {

  String provider();

  TrunkBinding observe(String trunk);

  TrunkBinding register(String trunk, String contact, FencingToken token);

  TrunkBinding unregister(String trunk, String contact);
}
