package io.tandem.app.notify;

/**
 * Delivers notifications somewhere (webhook, e-mail).
 *
 * <p>Contract: bounded by a timeout; a delivery failure is reported by the returned result and
 * never thrown into the caller (a failover must not fail because a mail server is down).
 */
public interface NotificationChannel {

  String name();

  DeliveryResult deliver(Notification n);

  /** Outcome of one delivery. */
  record DeliveryResult(boolean delivered, String detail) {}
}
