package io.tandem.onprem.pbx;

import io.tandem.core.error.TransientException;

/**
 * The management connection can no longer be used (no answer in time, closed by the PBX, an I/O
 * error): its stream position is unknown, so the session discards it and opens a new one. The
 * message says which of these happened and after how long.
 */
public class LinkBrokenException extends TransientException {

  private static final long serialVersionUID = 1L;

  public LinkBrokenException(String message, Throwable cause) {
    super(message, cause);
  }
}
