package io.tandem.app.witness;

import io.tandem.core.witness.Witness;
import java.util.function.BiPredicate;

/**
 * What the witness server mode serves: the built-in witness logic and a check of each site's
 * credentials. Registered as a bean only in {@code witness} (and {@code lab}) mode.
 *
 * @param witness the witness logic (state persisted before every grant)
 * @param authenticator {@code (site, presentedSecret) -> true} when the secret is that site's; must
 *     compare in constant time
 */
public record WitnessBackend(Witness witness, BiPredicate<String, String> authenticator) {}
