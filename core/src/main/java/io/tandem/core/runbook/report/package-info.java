/**
 * Run reports (timeline, RTO breakdown, changes, failures), derived from journals, rendered as text
 * and JSON, and kept on disk with retention.
 */
package io.tandem.core.runbook.report;
