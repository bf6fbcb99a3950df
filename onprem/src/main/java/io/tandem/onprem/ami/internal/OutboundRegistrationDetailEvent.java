package io.tandem.onprem.ami.internal;

import org.asteriskjava.manager.event.ResponseEvent;

/** {@code Event: OutboundRegistrationDetail} (the fields Tandem reads). */
public final class OutboundRegistrationDetailEvent extends ResponseEvent {

  private static final long serialVersionUID = 1L;

  private String objectName;
  private String status;
  private String serverUri;

  public OutboundRegistrationDetailEvent(Object source) {
    super(source);
  }

  public String getObjectName() {
    return objectName;
  }

  public void setObjectName(String objectName) {
    this.objectName = objectName;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public String getServerUri() {
    return serverUri;
  }

  public void setServerUri(String serverUri) {
    this.serverUri = serverUri;
  }
}
