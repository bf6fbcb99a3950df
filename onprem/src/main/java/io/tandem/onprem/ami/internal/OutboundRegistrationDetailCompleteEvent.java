package io.tandem.onprem.ami.internal;

import org.asteriskjava.manager.event.ResponseEvent;

/** {@code Event: OutboundRegistrationDetailComplete}, the end of the list. */
public final class OutboundRegistrationDetailCompleteEvent extends ResponseEvent {

  private static final long serialVersionUID = 1L;

  private String eventList;
  private Integer listItems;
  private Integer registered;
  private Integer notRegistered;

  public OutboundRegistrationDetailCompleteEvent(Object source) {
    super(source);
  }

  public String getEventList() {
    return eventList;
  }

  public void setEventList(String eventList) {
    this.eventList = eventList;
  }

  public Integer getListItems() {
    return listItems;
  }

  public void setListItems(Integer listItems) {
    this.listItems = listItems;
  }

  public Integer getRegistered() {
    return registered;
  }

  public void setRegistered(Integer registered) {
    this.registered = registered;
  }

  public Integer getNotRegistered() {
    return notRegistered;
  }

  public void setNotRegistered(Integer notRegistered) {
    this.notRegistered = notRegistered;
  }
}
