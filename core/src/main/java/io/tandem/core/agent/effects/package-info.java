/**
 * The seam between the agent core and the world: {@link io.tandem.core.agent.effects.SiteEffects}
 * and the typed values that cross it (why a site activates, how a fence or activation ended).
 */
package io.tandem.core.agent.effects;
