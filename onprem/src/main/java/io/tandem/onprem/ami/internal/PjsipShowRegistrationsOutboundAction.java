package io.tandem.onprem.ami.internal;

import org.asteriskjava.manager.action.AbstractManagerAction;
import org.asteriskjava.manager.action.EventGeneratingAction;
import org.asteriskjava.manager.event.ResponseEvent;

/**
 * {@code Action: PJSIPShowRegistrationsOutbound}: one {@code OutboundRegistrationDetail} event per
 * outbound registration, then {@code OutboundRegistrationDetailComplete}. asterisk-java 3.42 has no
 * class for it, so Tandem declares it (the library's extension point for missing actions).
 */
public final class PjsipShowRegistrationsOutboundAction extends AbstractManagerAction
    implements EventGeneratingAction {

  private static final long serialVersionUID = 1L;

  @Override
  public String getAction() {
    return "PJSIPShowRegistrationsOutbound";
  }

  @Override
  public Class<? extends ResponseEvent> getActionCompleteEventClass() {
    return OutboundRegistrationDetailCompleteEvent.class;
  }
}
