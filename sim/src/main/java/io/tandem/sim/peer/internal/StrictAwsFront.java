package io.tandem.sim.peer.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * A loopback HTTP front in front of the AWS emulator that makes Route 53 as strict as Route 53.
 *
 * <p>moto (5.2.x, checked in its {@code route53/models.py}) accepts a {@code DELETE} whose values
 * differ from the current record (it checks only that such values were created at some time) and a
 * {@code CREATE} over an existing record set (it adds a second one), where Route 53 answers {@code
 * InvalidChangeBatch}; and it refuses a {@code CREATE} identical to an earlier one even after that
 * record was deleted (A → B → A fails at the third step). This front validates every {@code
 * ChangeResourceRecordSets} batch against the zone's current record sets with {@link Route53Rules}
 * and answers Route 53's error itself; a valid batch goes on to the emulator as its net effect
 * ({@code UPSERT} of each final record set, {@code DELETE} of each removed one), which moto applies
 * without consulting its change journal. Batches are serialised (validate + apply under one lock),
 * as Route 53 applies each batch atomically. Every other request passes through unchanged.
 *
 * <p>Where the emulator checks request signatures (IAM enforcement), a body cannot be rewritten
 * without the caller's secret: there the validated batch goes on unchanged (moto's journal quirk
 * remains, the rules above still hold). The front reads record sets with its own credentials.
 */
final class StrictAwsFront implements AutoCloseable {

  private static final Pattern RRSET = Pattern.compile("^/2013-04-01/hostedzone/([^/]+)/rrset/?$");
  private static final String NS = "https://route53.amazonaws.com/doc/2013-04-01/";
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
  private final AwsCredentialsIdentity reader;
  private final boolean signaturesChecked;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ReentrantLock route53 = new ReentrantLock();

  /**
   * @param upstream the emulator
   * @param readerKey access key the front reads record sets with
   * @param readerSecret its secret
   * @param signaturesChecked whether the emulator verifies signatures (IAM enforcement)
   */
  StrictAwsFront(URI upstream, String readerKey, String readerSecret, boolean signaturesChecked) {
    this.upstream = upstream;
    this.reader = AwsCredentialsIdentity.create(readerKey, readerSecret);
    this.signaturesChecked = signaturesChecked;
    try {
      this.server = HttpServer.create(new InetSocketAddress(LoopbackPorts.HOST, 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot open the AWS front on " + LoopbackPorts.HOST, e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://" + LoopbackPorts.HOST + ":" + server.getAddress().getPort());
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try {
        route(exchange);
      } catch (RuntimeException e) {
        // A defect of the front must show as an answer, not as a dropped connection.
        byte[] msg = ("AWS front failed: " + e).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(500, msg.length);
        exchange.getResponseBody().write(msg);
      }
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    Matcher m = RRSET.matcher(exchange.getRequestURI().getPath());
    if (exchange.getRequestMethod().equals("POST") && m.matches()) {
      route53.lock();
      try {
        changeBatch(exchange, m.group(1), body);
      } finally {
        route53.unlock();
      }
    } else {
      forward(exchange, body);
    }
  }

  private void changeBatch(HttpExchange exchange, String zoneId, byte[] body) throws IOException {
    Document request = parse(body);
    Element batchElement = Route53Rules.child(request.getDocumentElement(), "ChangeBatch");
    List<Route53Rules.Change> batch = new ArrayList<>();
    for (Element c : Route53Rules.children(Route53Rules.child(batchElement, "Changes"), "Change")) {
      batch.add(
          new Route53Rules.Change(
              Route53Rules.text(c, "Action").orElse(""),
              Route53Rules.recordSet(Route53Rules.child(c, "ResourceRecordSet"))));
    }
    List<Route53Rules.RecordSet> current = list(zoneId);
    if (current == null) {
      forward(exchange, body); // unknown zone, bad id: the emulator answers the error
      return;
    }
    Route53Rules.Outcome outcome = Route53Rules.apply(current, batch);
    if (!outcome.errors().isEmpty()) {
      invalidChangeBatch(exchange, outcome.errors());
      return;
    }
    forward(exchange, signaturesChecked ? body : netBody(request, outcome.net()));
  }

  /** Route 53's error envelope for a rejected batch (400, code InvalidChangeBatch). */
  private static void invalidChangeBatch(HttpExchange exchange, List<String> errors)
      throws IOException {
    String message = errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]";
    String xml =
        "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\""
            + NS
            + "\"><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>"
            + escape(message)
            + "</Message></Error><RequestId>"
            + UUID.randomUUID()
            + "</RequestId></ErrorResponse>";
    byte[] out = xml.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/xml");
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(400, out.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(out);
    }
  }

  /** The request with its changes replaced by their net effect. */
  private static byte[] netBody(Document request, List<Route53Rules.Change> net) {
    try {
      Document out =
          DocumentBuilderFactory.newDefaultNSInstance().newDocumentBuilder().newDocument();
      Element root = out.createElementNS(NS, "ChangeResourceRecordSetsRequest");
      out.appendChild(root);
      Element batch = out.createElementNS(NS, "ChangeBatch");
      root.appendChild(batch);
      Element changes = out.createElementNS(NS, "Changes");
      batch.appendChild(changes);
      for (Route53Rules.Change c : net) {
        Element change = out.createElementNS(NS, "Change");
        Element action = out.createElementNS(NS, "Action");
        action.setTextContent(c.action());
        change.appendChild(action);
        change.appendChild(out.importNode(c.recordSet().xml(), true));
        changes.appendChild(change);
      }
      StringWriter w = new StringWriter();
      var t = TransformerFactory.newDefaultInstance().newTransformer();
      t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "no");
      t.transform(new DOMSource(out), new StreamResult(w));
      return w.toString().getBytes(StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the net change batch", e);
    }
  }

  /** Every record set of the zone, or {@code null} if the emulator does not answer 200. */
  private List<Route53Rules.RecordSet> list(String zoneId) {
    List<Route53Rules.RecordSet> all = new ArrayList<>();
    String next = "";
    for (int page = 0; page < 100; page++) {
      HttpResponse<byte[]> r = signedGet("/2013-04-01/hostedzone/" + zoneId + "/rrset", next);
      if (r.statusCode() != 200) {
        return null;
      }
      Element root = parse(r.body()).getDocumentElement();
      for (Element rrset :
          Route53Rules.children(
              Route53Rules.child(root, "ResourceRecordSets"), "ResourceRecordSet")) {
        all.add(Route53Rules.recordSet(rrset));
      }
      if (!Route53Rules.text(root, "IsTruncated").orElse("false").equals("true")) {
        return all;
      }
      next =
          "name="
              + enc(Route53Rules.text(root, "NextRecordName").orElse(""))
              + "&type="
              + enc(Route53Rules.text(root, "NextRecordType").orElse(""))
              + Route53Rules.text(root, "NextRecordIdentifier")
                  .map(i -> "&identifier=" + enc(i))
                  .orElse("");
    }
    throw new IllegalStateException("zone " + zoneId + " lists more than 100 pages");
  }

  private HttpResponse<byte[]> signedGet(String path, String query) {
    URI uri = upstream.resolve(path + "?maxitems=300" + (query.isEmpty() ? "" : "&" + query));
    SdkHttpRequest unsigned = SdkHttpRequest.builder().uri(uri).method(SdkHttpMethod.GET).build();
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(reader)
                        .request(unsigned)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "route53")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"))
            .request();
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET();
    for (Map.Entry<String, List<String>> h : signed.headers().entrySet()) {
      if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        h.getValue().forEach(v -> b.header(h.getKey(), v));
      }
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new IllegalStateException("AWS front cannot read " + uri + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void forward(HttpExchange exchange, byte[] body) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
            .timeout(Duration.ofSeconds(60))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
              }
            });
    HttpResponse<byte[]> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while forwarding", e);
    }
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

  private static Document parse(byte[] xml) {
    try {
      var f = DocumentBuilderFactory.newDefaultNSInstance();
      f.setExpandEntityReferences(false);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    } catch (Exception e) {
      throw new IllegalStateException("AWS front cannot parse XML: " + e.getMessage(), e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    client.close();
  }
}
