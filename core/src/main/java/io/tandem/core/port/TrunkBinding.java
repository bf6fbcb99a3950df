package io.tandem.core.port;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a carrier's registrar holds for one trunk.
 *
 * @param trunk trunk name from the configuration
 * @param contacts contact URIs the registrar returned in its last 200 OK
 * @param expiresAt when our own registration runs out, if we hold one
 */
public record TrunkBinding(String trunk, List<String> contacts, Optional<Instant> expiresAt) {

  public TrunkBinding {
    Objects.requireNonNull(trunk, "trunk");
    contacts = List.copyOf(contacts);
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
