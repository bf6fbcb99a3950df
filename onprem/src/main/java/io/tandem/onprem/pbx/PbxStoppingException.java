package io.tandem.onprem.pbx;

import io.tandem.core.error.TransientException;

/**
 * The PBX is stopping: Asterisk answers every action, logins included, with "Asterisk is shutting
 * down" while a graceful stop waits for its calls. Not a credentials problem, and not a broken
 * connection.
 */
public class PbxStoppingException extends TransientException {

  private static final long serialVersionUID = 1L;

  public PbxStoppingException(String message) {
    super(message);
  }
}
