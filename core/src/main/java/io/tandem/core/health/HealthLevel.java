package io.tandem.core.health;

/**
 * The two levels of a site's health, as HA products' sensor scores have them: below the warning
 * level ({@code policies.warningHealthPercent}) a site is {@link #WARN} — operators are told, a
 * hook may run, nothing fails over; below the failing level ({@code policies.minimumHealthPercent})
 * or with a critical sensor down it is {@link #FAIL} and fails over.
 */
public enum HealthLevel {
  OK,
  WARN,
  FAIL
}
