package io.tandem.core.runbook;

/**
 * Port: delivers notices (mail, chat, pager). Contract: bounded by a timeout, thread-safe; throws
 * {@link io.tandem.core.error.TransientException} when the channel is unreachable.
 */
@FunctionalInterface
public interface Notifier {

  void send(Notice notice);
}
