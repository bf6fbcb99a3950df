package io.tandem.testkit.internal;

import io.tandem.testkit.RealPeers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;

/**
 * A moto server of its own (never the shared one) that checks every request's SigV4 signature and
 * IAM permission. Its {@link #accessKeyId()} / {@link #secretAccessKey()} are an administrator's
 * ({@code "Action": "*", "Resource": "*"}), for fixtures; tests create their least-privilege users
 * and roles with it.
 *
 * <p>How moto enforces IAM (read in moto 5.2.6, {@code moto/core/authorization.py}, {@code
 * moto/moto_api/_internal/responses.py}, {@code moto/iam/access_control.py}): a process-wide
 * counter lets the first {@code INITIAL_NO_AUTH_ACTION_COUNT} requests through unchecked (default:
 * infinitely many); {@code POST /moto-api/reset-auth} with a number sets that count and restarts
 * the counter. After it, every request's signature is recomputed with the secret of its access key
 * (an IAM user's key or an assumed role's session), and its <em>action</em> is checked against that
 * identity's policies. The <em>resource</em> is whatever the service's {@code _determine_resource}
 * says, and only STS, IAM and SQS define one: for EC2, Route 53 and DynamoDB it is {@code "*"}, so
 * a statement that names resource ARNs never matches there. Conditions are evaluated only for
 * {@code StringEquals} with values moto supplies, none for these services, i.e. they always pass.
 * Because the setting is process-wide, this emulator runs its own process.
 *
 * <p>No {@link StrictAwsFront} here: moto now verifies the signature, which covers the {@code Host}
 * header, so a front that forwards to another port (or rewrites a batch) would break every request.
 * Route 53's change-batch rules are tested against the fronted emulator instead.
 */
final class IamEnforcedMoto implements RealPeers.RunningAwsEmulator {

  static final String ADMIN = "tandem-test-admin";
  private static final String ADMIN_POLICY =
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
          + "\"Resource\":\"*\"}]}";

  private final MotoEmulator moto;
  private volatile AccessKey admin;

  private IamEnforcedMoto(MotoEmulator moto) {
    this.moto = moto;
  }

  static IamEnforcedMoto start(java.nio.file.Path motoServer) {
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
    try (IamClient iam =
        iam(RunningAwsEmulator.ACCESS_KEY_ID, RunningAwsEmulator.SECRET_ACCESS_KEY)) {
      iam.createUser(r -> r.userName(ADMIN));
      iam.putUserPolicy(r -> r.userName(ADMIN).policyName("admin").policyDocument(ADMIN_POLICY));
      admin = iam.createAccessKey(r -> r.userName(ADMIN)).accessKey();
    }
    setNoAuthCount("0");
  }

  private IamClient iam(String key, String secret) {
    return IamClient.builder()
        .region(Region.AWS_GLOBAL)
        .endpointOverride(moto.endpoint())
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret)))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
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
  public java.net.URI endpoint() {
    return moto.endpoint();
  }

  @Override
  public String region() {
    return RunningAwsEmulator.REGION;
  }

  /** The administrator's access key id (it changes with every {@link #reset()}). */
  @Override
  public String accessKeyId() {
    return admin.accessKeyId();
  }

  @Override
  public String secretAccessKey() {
    return admin.secretAccessKey();
  }

  /** Clears all state, IAM included, and creates a new administrator. */
  @Override
  public void reset() {
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
