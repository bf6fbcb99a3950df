package io.tandem.sim.peer;

import java.net.URI;

/** Connection details and controls of the AWS emulator. */
public interface AwsEmulatorPeer {

  /** Which engine answers. */
  enum Engine {
    MOTO,
    LOCALSTACK
  }

  Engine engine();

  /** Endpoint override for every SDK client, e.g. {@code http://127.0.0.1:45123}. */
  URI endpoint();

  /** Default region, {@code us-east-1}. */
  String region();

  /** Static test credentials (not secret). */
  String accessKeyId();

  String secretAccessKey();

  /** Clears all emulated state. */
  void reset();
}
