package io.tandem.onprem.pbx;

import io.tandem.core.error.PermissionException;

/**
 * The PBX refused the credentials. The message names the user and the PBX's own words (Asterisk's
 * "Authentication failed", FreeSWITCH's "-ERR invalid"), never the secret.
 */
public class LoginRefusedException extends PermissionException {

  private static final long serialVersionUID = 1L;

  public LoginRefusedException(String message) {
    super(message);
  }
}
