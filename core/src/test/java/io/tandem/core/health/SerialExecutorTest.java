package io.tandem.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

  @Test
  void runsOneTaskAtATimeInSubmissionOrder() {
    ManualExecutor under = new ManualExecutor();
    SerialExecutor serial = new SerialExecutor(under);
    List<Integer> ran = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      serial.execute(() -> ran.add(n));
    }
    assertThat(under.held()).as("only the first is handed on").isEqualTo(1);
    while (under.runNext()) {
      assertThat(under.held()).isLessThanOrEqualTo(1);
    }
    assertThat(ran).containsExactly(0, 1, 2);
  }

  @Test
  void aRejectingExecutorDoesNotWedgeTheQueue() {
    boolean[] reject = {true};
    ManualExecutor under = new ManualExecutor();
    SerialExecutor serial =
        new SerialExecutor(
            r -> {
              if (reject[0]) {
                throw new RejectedExecutionException("shut down");
              }
              under.execute(r);
            });
    assertThatThrownBy(() -> serial.execute(() -> {}))
        .isInstanceOf(RejectedExecutionException.class);
    reject[0] = false;
    List<String> ran = new ArrayList<>();
    serial.execute(() -> ran.add("after"));
    under.runNext();
    assertThat(ran).containsExactly("after");
  }
}
