package io.tandem.app.witness;

import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.SiteAuthenticator;

/**
 * What the witness server mode serves: the built-in witness logic, which authenticates each site's
 * credential itself (constant-time, never logged); the authenticator is the same one, used for
 * read-only requests. Registered as a bean only in {@code witness} (and {@code lab}) mode.
 */
public record WitnessBackend(BuiltInWitness witness, SiteAuthenticator authenticator) {}
