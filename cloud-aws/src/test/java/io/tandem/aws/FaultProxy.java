package io.tandem.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A loopback HTTP proxy in front of the AWS emulator that answers chosen requests with an error a
 * given number of times (throttling, 5xx, denied permissions, Route 53's InvalidChangeBatch) and
 * forwards everything else. Hand-written on the JDK's HTTP server because it must speak the exact
 * AWS error bodies, which no stub library knows, and stay tiny.
 *
 * <p>It can also serialise DynamoDB requests: the emulator serves each request on its own thread
 * without locking the table, so two conditional writes to one item can both pass their condition;
 * DynamoDB itself applies conditional writes to an item one at a time, which {@link
 * #serializeDynamoDb()} restores.
 */
final class FaultProxy implements AutoCloseable {

  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "transfer-encoding",
          "keep-alive",
          "date");

  private final URI upstream;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final List<Fault> drops = new CopyOnWriteArrayList<>();
  private final List<Hook> hooks = new CopyOnWriteArrayList<>();
  private final ReentrantLock dynamoLock = new ReentrantLock();
  private volatile boolean serializeDynamo;

  FaultProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers the next {@code times} requests containing {@code match} with this error. */
  Fault fail(String match, int times, int status, String contentType, String body) {
    Fault f = new Fault(match, new AtomicInteger(times), status, contentType, body);
    faults.add(f);
    return f;
  }

  /** An EC2 (query protocol) error. */
  Fault failEc2(String action, int times, int status, String code) {
    return fail(
        "Action=" + action + "&",
        times,
        status,
        "text/xml",
        "<Response><Errors><Error><Code>"
            + code
            + "</Code><Message>injected "
            + code
            + "</Message></Error></Errors><RequestID>tandem-test</RequestID></Response>");
  }

  /** A Route 53 (REST-XML) error; {@code match} is e.g. {@code "POST /2013-04-01/hostedzone/"}. */
  Fault failRoute53(String match, int times, int status, String code) {
    return fail(
        match,
        times,
        status,
        "text/xml",
        "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type><Code>"
            + code
            + "</Code><Message>injected "
            + code
            + "</Message></Error><RequestId>tandem-test</RequestId></ErrorResponse>");
  }

  /** A DynamoDB (JSON 1.0) error for operation e.g. {@code UpdateItem}. */
  Fault failDynamoDb(String operation, int times, int status, String type) {
    return fail(
        "DynamoDB_20120810." + operation,
        times,
        status,
        "application/x-amz-json-1.0",
        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
            + type
            + "\",\"message\":\"injected "
            + type
            + "\"}");
  }

  /**
   * Forwards the next {@code times} requests containing {@code match} (the emulator applies them),
   * then loses the answer: the connection closes without a response, as when a network fault hits
   * the way back. The SDK sees an I/O error and retries.
   */
  Fault dropAnswer(String match, int times) {
    Fault f = new Fault(match, new AtomicInteger(times), 0, "", "");
    drops.add(f);
    return f;
  }

  /** Runs {@code action} once, just before the next request containing {@code match} is handled. */
  void onceBefore(String match, Runnable action) {
    hooks.add(new Hook(match, action, new AtomicInteger(1)));
  }

  void serializeDynamoDb() {
    serializeDynamo = true;
  }

  void clearFaults() {
    faults.clear();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      String descriptor =
          exchange.getRequestMethod()
              + " "
              + exchange.getRequestURI()
              + " "
              + (target == null ? "" : target)
              + " "
              + new String(body, StandardCharsets.UTF_8)
              + "&";
      for (Hook h : hooks) {
        if (descriptor.contains(h.match()) && h.remaining().getAndDecrement() > 0) {
          h.action().run();
        }
      }
      for (Fault d : drops) {
        if (descriptor.contains(d.match())
            && d.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          d.served().incrementAndGet();
          forward(new DiscardingExchange(exchange), body);
          return; // closing the exchange without an answer closes the connection
        }
      }
      for (Fault f : faults) {
        if (descriptor.contains(f.match())
            && f.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          f.served().incrementAndGet();
          byte[] error = f.body().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", f.contentType());
          exchange.getResponseHeaders().set("x-amzn-RequestId", "tandem-test");
          exchange.sendResponseHeaders(f.status(), error.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(error);
          }
          return;
        }
      }
      boolean dynamo = target != null && target.startsWith("DynamoDB_");
      if (dynamo && serializeDynamo) {
        dynamoLock.lock();
        try {
          forward(exchange, body);
        } finally {
          dynamoLock.unlock();
        }
      } else {
        forward(exchange, body);
      }
    }
  }

  private void forward(HttpExchange exchange, byte[] body) throws IOException {
    HttpResponse<byte[]> response = send(exchange, body);
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
              }
            });
    byte[] out = response.body();
    exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(out);
      }
    }
  }

  private void forward(DiscardingExchange dropped, byte[] body) throws IOException {
    send(dropped.exchange(), body); // applied upstream; the answer goes nowhere
  }

  /** Marks an exchange whose answer is to be lost. */
  private record DiscardingExchange(HttpExchange exchange) {}

  /** A one-off action before a matching request. */
  private record Hook(String match, Runnable action, AtomicInteger remaining) {}

  private HttpResponse<byte[]> send(HttpExchange exchange, byte[] body) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
            .timeout(Duration.ofSeconds(20))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
              }
            });
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while forwarding", e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    client.close();
  }

  /** One injected error; {@link #served()} counts how often it was answered. */
  record Fault(
      String match,
      AtomicInteger remaining,
      int status,
      String contentType,
      String body,
      AtomicInteger served) {
    Fault(String match, AtomicInteger remaining, int status, String contentType, String body) {
      this(match, remaining, status, contentType, body, new AtomicInteger());
    }
  }
}
