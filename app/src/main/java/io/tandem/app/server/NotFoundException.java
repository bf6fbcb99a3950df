package io.tandem.app.server;

/** Answered as a 404 problem detail. */
public class NotFoundException extends RuntimeException {
  public NotFoundException(String message) {
    super(message);
  }
}
