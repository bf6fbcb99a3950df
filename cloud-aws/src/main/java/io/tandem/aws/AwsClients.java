package io.tandem.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/**
 * The SDK clients of one site, configured the same way: the site's region (Route 53 is global), its
 * credentials (default chain, a named profile, then optionally an STS assume-role that refreshes
 * itself), an optional endpoint override, {@code apiCallTimeout} and {@code apiCallAttemptTimeout}
 * on every client, and the SDK's standard retry strategy (throttling and 5xx are retried with
 * jittered backoff by the SDK; Tandem's runbook adds its own Resilience4j policies on top).
 *
 * <p>Thread-safe; the clients are shared. {@link #close()} closes the clients and the one HTTP
 * client they share.
 */
public final class AwsClients implements AutoCloseable {

  private final AwsSite site;
  private final SdkHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final StsClient sts;
  private final Ec2Client ec2;
  private final Route53Client route53;
  private final DynamoDbClient dynamoDb;

  private AwsClients(Builder b) {
    this.site = b.site;
    this.http =
        UrlConnectionHttpClient.builder()
            .connectionTimeout(min(Duration.ofSeconds(3), site.apiCallAttemptTimeout()))
            .socketTimeout(site.apiCallAttemptTimeout())
            .build();
    ClientOverrideConfiguration override = override(site, b.interceptors);
    AwsCredentialsProvider base =
        b.credentials != null
            ? b.credentials
            : site.profile()
                .<AwsCredentialsProvider>map(ProfileCredentialsProvider::create)
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
    Region region = Region.of(site.region());
    this.sts = configure(StsClient.builder(), region, base, override).httpClient(http).build();
    this.credentials =
        site.roleArn().isEmpty()
            ? base
            : StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts)
                .refreshRequest(
                    AssumeRoleRequest.builder()
                        .roleArn(site.roleArn().get())
                        .roleSessionName("tandem-" + site.name())
                        .externalId(site.externalId().orElse(null))
                        .durationSeconds(900)
                        .build())
                .build();
    this.ec2 =
        configure(Ec2Client.builder(), region, credentials, override).httpClient(http).build();
    this.route53 =
        configure(Route53Client.builder(), Region.AWS_GLOBAL, credentials, override)
            .httpClient(http)
            .build();
    this.dynamoDb =
        configure(DynamoDbClient.builder(), region, credentials, override).httpClient(http).build();
  }

  public static Builder builder(AwsSite site) {
    return new Builder(site);
  }

  /** Clients with the site's configured credentials source and no interceptors. */
  public static AwsClients create(AwsSite site) {
    return builder(site).build();
  }

  public AwsSite site() {
    return site;
  }

  public Ec2Client ec2() {
    return ec2;
  }

  public Route53Client route53() {
    return route53;
  }

  public DynamoDbClient dynamoDb() {
    return dynamoDb;
  }

  public StsClient sts() {
    return sts;
  }

  /** The effective credentials (after assume-role, if configured). */
  public AwsCredentialsProvider credentials() {
    return credentials;
  }

  @Override
  public void close() {
    ec2.close();
    route53.close();
    dynamoDb.close();
    if (credentials instanceof StsAssumeRoleCredentialsProvider assumed) {
      assumed.close();
    }
    sts.close();
    http.close();
  }

  private static ClientOverrideConfiguration override(
      AwsSite site, List<ExecutionInterceptor> interceptors) {
    ClientOverrideConfiguration.Builder o =
        ClientOverrideConfiguration.builder()
            .apiCallTimeout(site.apiCallTimeout())
            .apiCallAttemptTimeout(site.apiCallAttemptTimeout())
            .retryStrategy(
                AwsRetryStrategy.standardRetryStrategy().toBuilder()
                    .maxAttempts(site.maxAttempts())
                    .build());
    interceptors.forEach(o::addExecutionInterceptor);
    return o.build();
  }

  private <B extends AwsClientBuilder<B, ?>> B configure(
      B builder,
      Region region,
      AwsCredentialsProvider creds,
      ClientOverrideConfiguration override) {
    builder.region(region).credentialsProvider(creds).overrideConfiguration(override);
    site.endpointOverride().ifPresent(builder::endpointOverride);
    return builder;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Not thread-safe. */
  public static final class Builder {
    private final AwsSite site;
    private AwsCredentialsProvider credentials;
    private final List<ExecutionInterceptor> interceptors = new ArrayList<>();

    private Builder(AwsSite site) {
      this.site = Objects.requireNonNull(site, "site");
    }

    /**
     * Base credentials instead of the default chain or the profile (e.g. the emulator's static test
     * keys). Assume-role, if configured, still applies on top.
     */
    public Builder credentials(AwsCredentialsProvider credentials) {
      this.credentials = credentials;
      return this;
    }

    /** Adds an interceptor to every client, e.g. an {@link ApiCallCounter}. */
    public Builder interceptor(ExecutionInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    public AwsClients build() {
      return new AwsClients(this);
    }
  }
}
