package io.tandem.app.api;

/** One sensor's state as the API shows it. */
public record SensorView(
    String name, String kind, String status, boolean up, boolean critical, String detail) {}
