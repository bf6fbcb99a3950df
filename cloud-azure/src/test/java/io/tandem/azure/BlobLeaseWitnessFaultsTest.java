package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.TicketRequest;
import io.tandem.testkit.Azurite;
import io.tandem.testkit.AzuritePeer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The Blob-lease witness when Azure Storage says no: a wrong account key (Azurite checks the
 * SharedKey signature and answers 403, as Azure does) is a PERMISSION error that names the
 * credential, never the key; throttling (503 {@code ServerBusy}, the answer Azure Storage documents
 * for an account over its request rate) is TRANSIENT and bounded by the call timeout, so the
 * agent's own deadline logic decides, not an SDK retry loop.
 */
@Azurite
class BlobLeaseWitnessFaultsTest {

  private static final Duration TTL = Duration.ofSeconds(15);

  private static BlobContainerClient container(String connectionString) {
    return new BlobServiceClientBuilder()
        .connectionString(connectionString)
        .buildClient()
        .getBlobContainerClient("tandem-witness");
  }

  private static BlobLeaseWitness witness(BlobContainerClient c, Duration timeout) {
    return BlobLeaseWitness.builder().container(c).timeout(timeout).build();
  }

  @Test
  void aWrongAccountKeyIsAPermissionErrorThatNamesNoKey(AzuritePeer azurite) {
    container(azurite.connectionString()).createIfNotExists();
    String wrongKey =
        Base64.getEncoder().encodeToString("not-the-account-key-at-all-012345".getBytes());
    String cs = azurite.connectionString().replace(azurite.accountKey(), wrongKey);
    assertThat(cs).contains(wrongKey);
    BlobLeaseWitness w = witness(container(cs), Duration.ofSeconds(10));
    String cluster = "k-" + UUID.randomUUID().toString().substring(0, 8);

    assertThatThrownBy(() -> w.acquire(TicketRequest.acquire(cluster, "site-a", true, TTL)))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("HTTP 403")
        .hasMessageContaining("the storage account rejected the credential")
        .hasMessageNotContaining(wrongKey)
        .hasMessageNotContaining(azurite.accountKey())
        .satisfies(
            e ->
                assertThat(((TandemException) e).category().safeAction())
                    .isEqualTo("stop: grant the missing permission"));
  }

  @Test
  void throttlingIsTransientAndBoundedByTheCallTimeout(AzuritePeer azurite) throws IOException {
    container(azurite.connectionString()).createIfNotExists();
    AtomicInteger throttled = new AtomicInteger();
    // What Azure Storage answers an account over its request rate ("Storage error codes",
    // ServerBusy: 503 "Operations per second is over the account limit."), in its XML error body.
    HttpServer busy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    busy.createContext(
        "/",
        (HttpExchange ex) -> {
          try (ex) {
            ex.getRequestBody().readAllBytes();
            throttled.incrementAndGet();
            byte[] body =
                ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ServerBusy</Code>"
                        + "<Message>Operations per second is over the account limit.\n"
                        + "RequestId:"
                        + UUID.randomUUID()
                        + "</Message></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/xml");
            ex.getResponseHeaders().set("x-ms-error-code", "ServerBusy");
            ex.getResponseHeaders().set("x-ms-request-id", UUID.randomUUID().toString());
            ex.getResponseHeaders().set("x-ms-version", "2025-01-05");
            ex.sendResponseHeaders(503, body.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body);
            }
          }
        });
    busy.start();
    try {
      String cs =
          azurite
              .connectionString()
              .replaceAll(
                  "BlobEndpoint=http://[^;/]+",
                  "BlobEndpoint=http://127.0.0.1:" + busy.getAddress().getPort());
      BlobLeaseWitness w = witness(container(cs), Duration.ofSeconds(2));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> w.observe("busy"))
          .isInstanceOf(TransientException.class)
          .hasMessageContaining("read witness blob");
      assertThat(Duration.ofNanos(System.nanoTime() - t0))
          .as("the 2 s call timeout, plus 8 s allowance for a loaded machine")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(throttled.get()).as("the request reached the throttling service").isPositive();
    } finally {
      busy.stop(0);
    }
  }
}
