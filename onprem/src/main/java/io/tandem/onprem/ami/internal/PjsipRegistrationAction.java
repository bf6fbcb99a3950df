package io.tandem.onprem.ami.internal;

import org.asteriskjava.manager.action.AbstractManagerAction;

/**
 * {@code Action: PJSIPRegister} or {@code PJSIPUnregister} with {@code Registration: <name>} (not
 * in asterisk-java 3.42).
 */
public final class PjsipRegistrationAction extends AbstractManagerAction {

  private static final long serialVersionUID = 1L;

  private final boolean register;
  private final String registration;

  public PjsipRegistrationAction(boolean register, String registration) {
    this.register = register;
    this.registration = registration;
  }

  @Override
  public String getAction() {
    return register ? "PJSIPRegister" : "PJSIPUnregister";
  }

  public String getRegistration() {
    return registration;
  }
}
