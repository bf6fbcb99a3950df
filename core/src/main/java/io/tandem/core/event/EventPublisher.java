package io.tandem.core.event;

import java.util.function.Consumer;

/**
 * Typed subscriptions to an agent's {@link TandemEvent}s, in the style of Resilience4j's {@code
 * EventPublisher}: {@link #onEvent} for all of them, one method per type for the rest. Each returns
 * a {@link Subscription} that ends it.
 *
 * <p>Thread guarantee (as {@link EventBus} implements it): a subscriber is called on the bus's own
 * thread, never on the publisher's (the agent's tick, a runbook step, a sensor), one event at a
 * time, in the order the events were published; a subscriber that blocks delays the others, never
 * the agent; one that throws is logged and stays subscribed.
 */
public interface EventPublisher {

  /** Ends a subscription; idempotent. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /** Every event. */
  Subscription onEvent(Consumer<? super TandemEvent> subscriber);

  /** Events of one type. */
  <E extends TandemEvent> Subscription on(Class<E> type, Consumer<? super E> subscriber);

  default Subscription onDecision(Consumer<? super TandemEvent.DecisionMade> s) {
    return on(TandemEvent.DecisionMade.class, s);
  }

  default Subscription onTicketAcquired(Consumer<? super TandemEvent.TicketAcquired> s) {
    return on(TandemEvent.TicketAcquired.class, s);
  }

  default Subscription onTicketLost(Consumer<? super TandemEvent.TicketLost> s) {
    return on(TandemEvent.TicketLost.class, s);
  }

  default Subscription onRunStarted(Consumer<? super TandemEvent.RunStarted> s) {
    return on(TandemEvent.RunStarted.class, s);
  }

  default Subscription onStepFinished(Consumer<? super TandemEvent.StepFinished> s) {
    return on(TandemEvent.StepFinished.class, s);
  }

  default Subscription onRunFinished(Consumer<? super TandemEvent.RunFinished> s) {
    return on(TandemEvent.RunFinished.class, s);
  }

  default Subscription onDrillFinished(Consumer<? super TandemEvent.DrillFinished> s) {
    return on(TandemEvent.DrillFinished.class, s);
  }

  default Subscription onSensorChanged(Consumer<? super TandemEvent.SensorChanged> s) {
    return on(TandemEvent.SensorChanged.class, s);
  }

  default Subscription onSyncFinished(Consumer<? super TandemEvent.SyncFinished> s) {
    return on(TandemEvent.SyncFinished.class, s);
  }

  default Subscription onTickCompleted(Consumer<? super TandemEvent.TickCompleted> s) {
    return on(TandemEvent.TickCompleted.class, s);
  }

  /** A publisher that never publishes (a process without an agent, such as the witness). */
  static EventPublisher none() {
    return new EventPublisher() {
      @Override
      public Subscription onEvent(Consumer<? super TandemEvent> subscriber) {
        return () -> {};
      }

      @Override
      public <E extends TandemEvent> Subscription on(Class<E> type, Consumer<? super E> s) {
        return () -> {};
      }
    };
  }
}
