package io.tandem.sim.peer.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * A moto server of its own (never the shared one) that checks every request's SigV4 signature and
 * IAM permission. Its {@link #accessKeyId()} / {@link #secretAccessKey()} are an administrator's
 * ({@code "Action": "*", "Resource": "*"}), for fixtures; tests create their least-privilege users
 * and roles with it.
 *
 * <p>How moto enforces IAM (read in moto 5.2.6: {@code moto/core/authorization.py}, {@code
 * moto/moto_api/_internal/responses.py}, {@code moto/iam/access_control.py}): a process-wide
 * counter lets the first {@code INITIAL_NO_AUTH_ACTION_COUNT} requests through unchecked (default:
 * infinitely many); {@code POST /moto-api/reset-auth} with a number sets that count and restarts
 * the counter. After it, every request's signature is recomputed with the secret of its access key
 * (an IAM user's key or an assumed role's session) and its <em>action</em> is checked against that
 * identity's policies. The <em>resource</em> is whatever the service's {@code _determine_resource}
 * says, and only STS, IAM and SQS define one: for EC2, Route 53 and DynamoDB it is {@code "*"}, so
 * a statement that names resource ARNs never matches there. Conditions are evaluated only for
 * {@code StringEquals} on values moto supplies, none for these services: they always pass. Because
 * the setting is process-wide, this emulator runs its own process.
 *
 * <p>No {@link StrictAwsFront} here: moto now verifies the signature, which covers the {@code Host}
 * header, so a front that forwards to another port (or rewrites a batch) would break every request.
 * Route 53's change-batch rules are tested against the fronted emulator instead.
 *
 * <p>The administrator is created with three IAM Query API calls (signed with the SDK's SigV4
 * signer, which moto needs to route them to IAM), so the product's jar needs no IAM SDK.
 */
final class IamEnforcedMoto implements RunningAwsEmulator {

  static final String ADMIN = "tandem-test-admin";
  private static final String ADMIN_POLICY =
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
          + "\"Resource\":\"*\"}]}";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final MotoEmulator moto;
  private volatile String adminKey;
  private volatile String adminSecret;

  private IamEnforcedMoto(MotoEmulator moto) {
    this.moto = moto;
  }

  static IamEnforcedMoto start(Path motoServer) {
    IamEnforcedMoto emulator = new IamEnforcedMoto(MotoEmulator.start(motoServer));
    try {
      emulator.bootstrap();
    } catch (RuntimeException e) {
      emulator.close();
      throw e;
    }
    return emulator;
  }

  /** Creates the administrator while requests are unchecked, then turns enforcement on. */
  private void bootstrap() {
    setNoAuthCount("inf");
    iam(Map.of("Action", "CreateUser", "UserName", ADMIN));
    iam(
        Map.of(
            "Action",
            "PutUserPolicy",
            "UserName",
            ADMIN,
            "PolicyName",
            "admin",
            "PolicyDocument",
            ADMIN_POLICY));
    String key = iam(Map.of("Action", "CreateAccessKey", "UserName", ADMIN));
    adminKey = element(key, "AccessKeyId");
    adminSecret = element(key, "SecretAccessKey");
    setNoAuthCount("0");
  }

  private String iam(Map<String, String> params) {
    StringBuilder form = new StringBuilder("Version=2010-05-08");
    params.forEach(
        (k, v) ->
            form.append('&')
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    byte[] body = form.toString().getBytes(StandardCharsets.UTF_8);
    URI uri = moto.endpoint().resolve("/");
    SdkHttpRequest unsigned =
        SdkHttpRequest.builder()
            .uri(uri)
            .method(SdkHttpMethod.POST)
            .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .build();
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(
                            AwsCredentialsIdentity.create(
                                RunningAwsEmulator.ACCESS_KEY_ID,
                                RunningAwsEmulator.SECRET_ACCESS_KEY))
                        .request(unsigned)
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "iam")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"))
            .request();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, List<String>> h : signed.headers().entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!name.equals("host") && !name.equals("content-length")) {
        h.getValue().forEach(v -> b.header(h.getKey(), v));
      }
    }
    try {
      HttpResponse<String> answer = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IllegalStateException(
            "moto IAM " + params.get("Action") + " answered HTTP " + answer.statusCode());
      }
      return answer.body();
    } catch (IOException e) {
      throw new UncheckedIOException("moto IAM " + params.get("Action") + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String element(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]+)</" + name + ">").matcher(xml);
    if (!m.find()) {
      throw new IllegalStateException("moto's CreateAccessKey answer has no " + name);
    }
    return m.group(1);
  }

  private void setNoAuthCount(String count) {
    try {
      HttpResponse<String> answer = HttpProbe.post(moto.endpoint() + "/moto-api/reset-auth", count);
      if (answer.statusCode() != 200) {
        throw new IllegalStateException(
            "moto reset-auth answered HTTP " + answer.statusCode() + ": " + answer.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("moto reset-auth failed", e);
    }
  }

  @Override
  public Engine engine() {
    return Engine.MOTO;
  }

  @Override
  public URI endpoint() {
    return moto.endpoint();
  }

  /** The administrator's access key id (it changes with every {@link #reset()}). */
  @Override
  public String accessKeyId() {
    return adminKey;
  }

  @Override
  public String secretAccessKey() {
    return adminSecret;
  }

  /** Clears all state, IAM included, and creates a new administrator. */
  @Override
  public void reset() {
    setNoAuthCount("inf");
    moto.reset();
    bootstrap();
  }

  @Override
  public String logTail() {
    return moto.logTail();
  }

  @Override
  public void close() {
    moto.close();
  }

  @Override
  public String toString() {
    return "IAM-enforced " + moto;
  }
}
