package io.tandem.sim.peer.internal;

import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.sim.peer.RealPeers;

/** An AWS emulator process or container shared by the test classes of one JVM run. */
public interface RunningAwsEmulator extends AwsEmulatorPeer, RealPeers.RunningAwsEmulator {

  String REGION = "us-east-1";
  String ACCESS_KEY_ID = "test";
  String SECRET_ACCESS_KEY = "test";

  /** The emulator's recent log lines, for failure reports. */
  String logTail();

  @Override
  void close();

  @Override
  default String region() {
    return REGION;
  }

  @Override
  default String accessKeyId() {
    return ACCESS_KEY_ID;
  }

  @Override
  default String secretAccessKey() {
    return SECRET_ACCESS_KEY;
  }
}
