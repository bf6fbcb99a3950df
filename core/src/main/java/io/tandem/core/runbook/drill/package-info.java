/** Drills: a switchover to the standby and back, on demand or when a schedule says it is due. */
package io.tandem.core.runbook.drill;
