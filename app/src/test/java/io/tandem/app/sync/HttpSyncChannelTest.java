package io.tandem.app.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import io.tandem.app.peer.PeerAuthentication;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sending side of the peer-link transport on the wire: a sender that fails part-way through the
 * content (a file changed while it was read, a disk error) must not end the content as if it were
 * complete — the receiver has to see a cut stream.
 */
class HttpSyncChannelTest {

  @TempDir Path dir;

  @Test
  void aSenderFailingMidContentNeverSendsTheEndOfTheContent() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    CompletableFuture<byte[]> received = new CompletableFuture<>();
    server.createContext(
        "/",
        ex -> {
          try (InputStream in = ex.getRequestBody()) {
            received.complete(in.readAllBytes());
          } catch (IOException cut) {
            received.complete(null); // the body was cut: what a failing sender must cause
          }
          ex.sendResponseHeaders(500, -1);
          ex.close();
        });
    server.start();
    try {
      HttpSyncChannel channel =
          new HttpSyncChannel(
              "alpha",
              Map.of("beta", URI.create("http://127.0.0.1:" + server.getAddress().getPort())),
              new PeerAuthentication(
                  "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
                  Set.of("alpha", "beta"),
                  Clock.systemUTC(),
                  Duration.ofSeconds(6)),
              HttpClient.newHttpClient(),
              job -> Duration.ofSeconds(10),
              dir);
      Throwable failed =
          catchThrowable(
              () ->
                  channel.send(
                      "beta",
                      "etc",
                      7,
                      "session-1",
                      out -> {
                        out.write("first file, complete\n".getBytes(StandardCharsets.UTF_8));
                        throw new IOException("extensions.conf changed while it was being sent");
                      }));
      assertThat(failed).hasMessageContaining("changed while it was being sent");
      byte[] body = received.get(20, TimeUnit.SECONDS);
      if (body != null) {
        // whatever arrived must read as cut, never as complete content
        Throwable read =
            catchThrowable(() -> new Frames.In(new ByteArrayInputStream(body)).readAllBytes());
        assertThat(read)
            .as("the content the receiver got ends without its end frame")
            .isInstanceOf(EOFException.class);
      }
    } finally {
      server.stop(0);
    }
  }
}
