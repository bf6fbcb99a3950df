package io.tandem.core.event;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's event bus: {@link #publish} from any thread, never blocking; subscribers are called on
 * one dispatcher thread ({@code tandem-events-<name>}), one event at a time, in publication order.
 * The queue is bounded ({@value #CAPACITY} events): when subscribers fall that far behind, new
 * events are dropped and counted ({@link #dropped()}), so a stuck subscriber can never exhaust the
 * agent's memory. A subscriber that throws is logged and stays subscribed. Hand-written because the
 * guarantee (never on the publisher's thread, bounded, ordered) is what the agent needs and the
 * libraries' event publishers call subscribers on the publishing thread.
 */
public final class EventBus implements EventPublisher, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  /** How many undelivered events the bus keeps before it drops new ones. */
  public static final int CAPACITY = 10_000;

  private record Subscriber(Class<? extends TandemEvent> type, Consumer<TandemEvent> consumer) {}

  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final BlockingQueue<TandemEvent> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final Thread dispatcher;
  private volatile boolean open = true;

  public EventBus(String name) {
    Objects.requireNonNull(name, "name");
    dispatcher = Thread.ofPlatform().daemon().name("tandem-events-" + name).start(this::dispatch);
  }

  /** Queue {@code event} for the subscribers; never blocks. */
  public void publish(TandemEvent event) {
    Objects.requireNonNull(event, "event");
    if (open && !queue.offer(event)) {
      dropped.incrementAndGet();
    }
  }

  @Override
  public Subscription onEvent(Consumer<? super TandemEvent> subscriber) {
    return add(TandemEvent.class, subscriber);
  }

  @Override
  public <E extends TandemEvent> Subscription on(Class<E> type, Consumer<? super E> subscriber) {
    return add(type, subscriber);
  }

  @SuppressWarnings("unchecked")
  private <E extends TandemEvent> Subscription add(Class<E> type, Consumer<? super E> consumer) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(consumer, "subscriber");
    Subscriber s = new Subscriber(type, e -> ((Consumer<TandemEvent>) consumer).accept(e));
    subscribers.add(s);
    return () -> subscribers.remove(s);
  }

  /** Events dropped because the subscribers were {@value #CAPACITY} behind. */
  public long dropped() {
    return dropped.get();
  }

  /** Events handed to the subscribers so far. */
  public long delivered() {
    return delivered.get();
  }

  private void dispatch() {
    while (open || !queue.isEmpty()) {
      TandemEvent e;
      try {
        e = queue.take();
      } catch (InterruptedException stop) {
        return;
      }
      for (Subscriber s : subscribers) {
        if (s.type().isInstance(e)) {
          try {
            s.consumer().accept(e);
          } catch (RuntimeException ex) {
            log.warn(
                "event subscriber failed on {}: {}", e.getClass().getSimpleName(), ex.toString());
          }
        }
      }
      delivered.incrementAndGet();
    }
  }

  /** Stops delivering; undelivered events are dropped. */
  @Override
  public void close() {
    open = false;
    dispatcher.interrupt();
  }
}
