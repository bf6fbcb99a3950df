package io.tandem.core.health;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/** Holds submitted tasks until the test runs them: a sensor whose task is held is hung. */
public final class ManualExecutor implements Executor {

  private final Queue<Runnable> tasks = new ArrayDeque<>();

  @Override
  public synchronized void execute(Runnable command) {
    tasks.add(command);
  }

  /** Runs the oldest held task; returns false if none. */
  public boolean runNext() {
    Runnable r;
    synchronized (this) {
      r = tasks.poll();
    }
    if (r == null) {
      return false;
    }
    r.run();
    return true;
  }

  public synchronized int held() {
    return tasks.size();
  }
}
