package io.tandem.core.health;

/**
 * Port: one health check of a site (SIP OPTIONS, trunk registration, AMI answer, disk space...).
 *
 * <p>Contract: {@link #read()} may block up to about {@code spec().timeout()}; the health
 * aggregator runs it off the decision loop's thread and counts a reading that takes longer as
 * {@link SensorStatus#TIMEOUT}. Implementations report failures as a FAIL reading rather than
 * throwing; a thrown exception is treated as FAIL with the exception's message. They must restore
 * the interrupt flag if interrupted. Implementations need not be thread-safe: the aggregator never
 * calls {@code read()} concurrently on one sensor.
 */
public interface HealthSensor {

  SensorSpec spec();

  SensorReading read();
}
