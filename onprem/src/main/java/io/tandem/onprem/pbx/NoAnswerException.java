package io.tandem.onprem.pbx;

import io.tandem.core.error.TransientException;

/**
 * The PBX did not answer within the caller's budget. The connection stays usable: its late answer
 * is skipped by the next request (and a keep-alive ping, with the full timeout, decides whether the
 * connection is dead).
 */
public class NoAnswerException extends TransientException {

  private static final long serialVersionUID = 1L;

  public NoAnswerException(String message, Throwable cause) {
    super(message, cause);
  }
}
