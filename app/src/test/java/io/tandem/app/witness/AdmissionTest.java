package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Admission control: bounded queues, bounded waits, holders before polls. */
class AdmissionTest {

  private static Thread waiting(Admission a, Admission.Kind kind, String name, List<String> order) {
    return Thread.ofVirtual()
        .start(
            () -> {
              if (a.enter(kind)) {
                order.add(name);
                a.exit();
              } else {
                order.add(name + " shed");
              }
            });
  }

  @Test
  void aFreedPermitGoesToAWaitingHolderBeforeAnEarlierPoll() throws Exception {
    Admission a =
        new Admission(
            new Admission.Limits(1, 10, 10, Duration.ofSeconds(30), Duration.ofSeconds(30)));
    assertThat(a.enter(Admission.Kind.HOLDER)).isTrue();
    List<String> order = new CopyOnWriteArrayList<>();
    Thread poll = waiting(a, Admission.Kind.POLL, "poll", order);
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                poll.getState() == Thread.State.WAITING
                    || poll.getState() == Thread.State.TIMED_WAITING);
    Thread renew = waiting(a, Admission.Kind.HOLDER, "renew", order);
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                renew.getState() == Thread.State.WAITING
                    || renew.getState() == Thread.State.TIMED_WAITING);
    a.exit();
    poll.join(10_000);
    renew.join(10_000);
    assertThat(order).containsExactly("renew", "poll");
    assertThat(a.inUse()).isZero();
  }

  @Test
  void aFullQueueShedsAtOnceAndAWaitIsBounded() {
    Admission a =
        new Admission(new Admission.Limits(1, 1, 0, Duration.ofMillis(50), Duration.ofMillis(50)));
    assertThat(a.enter(Admission.Kind.HOLDER)).isTrue();
    long t0 = System.nanoTime();
    assertThat(a.enter(Admission.Kind.POLL)).as("no poll may wait").isFalse();
    assertThat(a.enter(Admission.Kind.HOLDER)).as("waited 50 ms, then shed").isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .as("design bound 50 ms, plus 5 s allowance for a loaded machine")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(a.shed()).isEqualTo(2);
    a.exit();
    assertThat(a.enter(Admission.Kind.POLL)).isTrue();
    a.exit();
  }
}
