/**
 * The fence guard: a watchdog outside the agent's JVM that stops the local PBX taking calls when
 * the agent stops refreshing its deadline. {@link io.tandem.core.agent.guard.FenceGuardState} holds
 * its rules (shared by the production process and the simulation); {@link
 * io.tandem.core.agent.guard.GuardBeat} is what the agent sends it every tick.
 */
package io.tandem.core.agent.guard;
