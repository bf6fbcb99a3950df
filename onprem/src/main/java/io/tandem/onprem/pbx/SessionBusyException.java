package io.tandem.onprem.pbx;

import io.tandem.core.error.TransientException;

/**
 * A request could not start because the session is running another request of this site's own (a
 * reload, a status query) that is still within its own budget. Not evidence that the PBX is dead:
 * that request's answer, or its timeout, will tell. Sensors report it as a warning (see {@link
 * PbxSensor}); controls treat it like any other {@link TransientException}.
 */
public final class SessionBusyException extends TransientException {

  public SessionBusyException(String message) {
    super(message);
  }
}
