package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tandem.app.server.TandemServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem lab}'s own decisions, apart from the lab it starts. */
class LabCommandTest {

  @Test
  void aTakenConsolePortIsRecognisedBehindSpringsStartFailure(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Throwable failure =
          catchThrowable(
              () ->
                  TandemServer.start(
                      Map.of(
                          "server.address", "127.0.0.1",
                          "server.port", String.valueOf(taken.getLocalPort()),
                          "tandem.data-dir", dir.toString(),
                          "tandem.security.users[0].name", "admin",
                          "tandem.security.users[0].role", "ADMIN",
                          "tandem.security.users[0].password", "a-password-for-this-test"),
                      Map.of("clusterRuntime", new io.tandem.app.FakeClusterRuntime()),
                      "--logging.level.root=OFF"));
      // Spring says "Failed to start bean 'webServerStartStop'"; the port is in a cause
      assertThat(failure).isNotNull();
      assertThat(LabCommand.portInUse(failure)).as(failure.toString()).isTrue();
    }
    assertThat(LabCommand.portInUse(new IllegalStateException("cannot reach the witness")))
        .isFalse();
  }
}
