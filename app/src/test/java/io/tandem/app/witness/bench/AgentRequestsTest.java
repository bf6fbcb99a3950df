package io.tandem.app.witness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.witness.HttpWitness;
import io.tandem.core.witness.TicketRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The witness benchmark's load generator sends exactly what an agent sends: the real {@link
 * HttpWitness} over the JDK client (built as {@code tandem agent} builds it: a connect timeout and
 * the truststore's TLS context) talks HTTPS to a recording TLS server, and each request's bytes
 * equal {@link AgentRequests}' pre-encoded ones; its requests also share one kept-alive connection.
 */
class AgentRequestsTest {

  private static final String ANSWER =
      "{\"granted\":true,\"ticket\":{\"cluster\":\"pbx-00001\",\"holder\":\"alpha\",\"epoch\":7,"
          + "\"expiry\":\"2026-12-07T08:00:00Z\",\"ttlMillis\":2000},\"reason\":\"renewed\"}";

  @TempDir Path dir;

  @Test
  void theGeneratorsRequestsAreByteForByteTheAgentsOverOneKeptAliveConnection() throws Exception {
    Path keystore = BenchClusters.keystore(dir);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, BenchWitness.KEYSTORE_PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
    kmf.init(ks, BenchWitness.KEYSTORE_PASSWORD.toCharArray());
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);

    List<byte[]> seen = new CopyOnWriteArrayList<>();
    List<Integer> connections = new CopyOnWriteArrayList<>();
    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> serve(listener, seen, connections));
      String authority = "127.0.0.1:" + listener.getLocalPort();
      // as AgentCommand#httpClient builds the agent's client
      HttpClient http =
          HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(client).build();
      HttpWitness agent =
          new HttpWitness(
              http,
              URI.create("https://" + authority),
              "alpha",
              () -> "secret-of-alpha-0123456789",
              Duration.ofSeconds(5),
              JsonMapper.shared());
      Duration ttl = Duration.ofSeconds(2);
      agent.acquire(TicketRequest.acquire("pbx-00001", "alpha", true, ttl, 6));
      agent.renew(TicketRequest.renew("pbx-00001", "alpha", true, ttl, 7));
      agent.observe("pbx-00001");
      agent.release("pbx-00001", "alpha", 7);

      String secret = "secret-of-alpha-0123456789";
      assertThat(seen)
          .extracting(b -> new String(b, StandardCharsets.UTF_8))
          .containsExactly(
              text(AgentRequests.acquire(authority, "pbx-00001", "alpha", secret, 2000, 6)),
              text(AgentRequests.renew(authority, "pbx-00001", "alpha", secret, 2000, 7)),
              text(AgentRequests.ticket(authority, "pbx-00001", "alpha", secret)),
              text(AgentRequests.release(authority, "pbx-00001", "alpha", secret, 7)));
      assertThat(connections).as("TLS connections the agent opened").containsExactly(1);
      assertThat(AgentRequests.granted(ANSWER)).isTrue();
      assertThat(AgentRequests.epoch(ANSWER)).isEqualTo(7);
    }
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Records each request whole (head and Content-Length body) and answers a granted ticket. */
  private static void serve(SSLServerSocket listener, List<byte[]> seen, List<Integer> conns) {
    int n = 0;
    while (!listener.isClosed()) {
      try {
        Socket s = listener.accept();
        conns.add(++n);
        Thread.ofVirtual()
            .start(
                () -> {
                  try (s) {
                    s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(10));
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    for (byte[] r = request(in); r != null; r = request(in)) {
                      seen.add(r);
                      byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
                      out.write(
                          ("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                                  + body.length
                                  + "\r\n\r\n")
                              .getBytes(StandardCharsets.US_ASCII));
                      out.write(body);
                      out.flush();
                    }
                  } catch (IOException e) {
                    // the client closed the connection
                  }
                });
      } catch (IOException closed) {
        return;
      }
    }
  }

  private static byte[] request(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      b.write(c);
      byte[] sofar = b.toByteArray();
      int l = sofar.length;
      if (l >= 4
          && sofar[l - 4] == '\r'
          && sofar[l - 3] == '\n'
          && sofar[l - 2] == '\r'
          && sofar[l - 1] == '\n') {
        String head = new String(sofar, StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : head.split("\r\n")) {
          if (line.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        b.write(in.readNBytes(length));
        return b.toByteArray();
      }
    }
    return null;
  }
}
