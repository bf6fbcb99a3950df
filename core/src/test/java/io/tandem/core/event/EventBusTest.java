package io.tandem.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The bus's guarantees: typed, in order, on its own thread, never blocking the publisher. */
class EventBusTest {

  private static TandemEvent.TicketAcquired acquired(long epoch) {
    return new TandemEvent.TicketAcquired("a", epoch, Instant.EPOCH);
  }

  @Test
  void typedSubscribersGetTheirTypeInOrderOnTheBusThread() {
    try (EventBus bus = new EventBus("t")) {
      List<Long> epochs = new CopyOnWriteArrayList<>();
      List<String> all = new CopyOnWriteArrayList<>();
      List<String> threads = new CopyOnWriteArrayList<>();
      bus.onTicketAcquired(
          e -> {
            epochs.add(e.epoch());
            threads.add(Thread.currentThread().getName());
          });
      bus.onEvent(e -> all.add(e.getClass().getSimpleName()));
      for (long i = 1; i <= 100; i++) {
        bus.publish(acquired(i));
      }
      bus.publish(new TandemEvent.TicketLost("a", 100, "released", Instant.EPOCH));
      await().atMost(Duration.ofSeconds(5)).until(() -> all.size() == 101);
      assertThat(epochs).hasSize(100).isSorted();
      assertThat(threads).containsOnly("tandem-events-t");
      assertThat(all.getLast()).isEqualTo("TicketLost");
    }
  }

  @Test
  void aStuckSubscriberNeverBlocksThePublisherAndTheOverflowIsCounted() throws Exception {
    try (EventBus bus = new EventBus("stuck")) {
      CountDownLatch release = new CountDownLatch(1);
      bus.onEvent(
          e -> {
            try {
              release.await();
            } catch (InterruptedException stop) {
              Thread.currentThread().interrupt();
            }
          });
      for (long i = 0; i < EventBus.CAPACITY + 500; i++) {
        bus.publish(acquired(i + 1)); // never waits
      }
      assertThat(bus.dropped()).isBetween(499L, 501L);
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> bus.delivered() >= EventBus.CAPACITY);
    }
  }

  @Test
  void aSubscriberThatThrowsStaysSubscribedAndTheOthersStillHear() {
    try (EventBus bus = new EventBus("throws")) {
      List<Long> heard = new CopyOnWriteArrayList<>();
      List<Long> thrower = new CopyOnWriteArrayList<>();
      bus.onTicketAcquired(
          e -> {
            thrower.add(e.epoch());
            throw new IllegalStateException("boom");
          });
      EventPublisher.Subscription s = bus.onTicketAcquired(e -> heard.add(e.epoch()));
      bus.publish(acquired(1));
      bus.publish(acquired(2));
      await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() == 2);
      assertThat(thrower).containsExactly(1L, 2L);
      s.close();
      bus.publish(acquired(3));
      await().atMost(Duration.ofSeconds(5)).until(() -> thrower.size() == 3);
      assertThat(heard).containsExactly(1L, 2L);
    }
  }
}
