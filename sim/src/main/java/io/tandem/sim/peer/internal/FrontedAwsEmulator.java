package io.tandem.sim.peer.internal;

import java.net.URI;

/**
 * An emulator seen through its {@link StrictAwsFront}: {@link #endpoint()} is the front, so every
 * client of the testkit meets Route 53's real change-batch rules. Closing it closes both.
 */
public final class FrontedAwsEmulator implements RunningAwsEmulator {

  private final RunningAwsEmulator engine;
  private final StrictAwsFront front;

  public FrontedAwsEmulator(RunningAwsEmulator engine) {
    this.engine = engine;
    this.front =
        new StrictAwsFront(
            engine.endpoint(), engine.accessKeyId(), engine.secretAccessKey(), false);
  }

  @Override
  public Engine engine() {
    return engine.engine();
  }

  @Override
  public URI endpoint() {
    return front.endpoint();
  }

  @Override
  public void reset() {
    engine.reset();
  }

  @Override
  public String logTail() {
    return engine.logTail();
  }

  @Override
  public void close() {
    try {
      front.close();
    } finally {
      engine.close();
    }
  }

  @Override
  public String toString() {
    return engine + " behind a strict Route 53 front at " + front.endpoint();
  }
}
