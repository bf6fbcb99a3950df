/**
 * The standard failover and switchover runbooks, built from a {@link
 * io.tandem.core.runbook.standard.FailoverTopology} (which the app maps from the cluster
 * configuration) and the core ports.
 */
package io.tandem.core.runbook.standard;
