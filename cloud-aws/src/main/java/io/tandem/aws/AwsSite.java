package io.tandem.aws;

import io.tandem.core.error.ConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How Tandem reaches AWS for one site: region, credentials source and client limits. Immutable;
 * built and validated by {@link #builder(String)}, which names the offending field.
 *
 * <p>Credentials are never part of this record: they come from the SDK's default provider chain
 * (environment, {@code ~/.aws/credentials}, instance/container role), from a named {@code profile},
 * and optionally are exchanged for a role with STS ({@code roleArn}). Nothing secret is held here,
 * so {@link #toString()} is safe to log.
 *
 * @param name site name (for messages)
 * @param region AWS region of the site's resources, e.g. {@code eu-west-1}
 * @param profile named profile from the shared config/credentials files, or empty for the default
 *     provider chain
 * @param roleArn role to assume with STS per site, or empty
 * @param externalId external id required by the role's trust policy, or empty
 * @param endpointOverride endpoint for every client (tests, VPC endpoints), or empty
 * @param apiCallTimeout upper bound of one API call including all retries
 * @param apiCallAttemptTimeout upper bound of one HTTP attempt
 * @param maxAttempts attempts of the SDK's standard retry strategy (1 = no retry)
 */
public record AwsSite(
    String name,
    String region,
    Optional<String> profile,
    Optional<String> roleArn,
    Optional<String> externalId,
    Optional<URI> endpointOverride,
    Duration apiCallTimeout,
    Duration apiCallAttemptTimeout,
    int maxAttempts) {

  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
  private static final Pattern ROLE_ARN =
      Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+");

  public AwsSite {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(roleArn, "roleArn");
    Objects.requireNonNull(externalId, "externalId");
    Objects.requireNonNull(endpointOverride, "endpointOverride");
    Objects.requireNonNull(apiCallTimeout, "apiCallTimeout");
    Objects.requireNonNull(apiCallAttemptTimeout, "apiCallAttemptTimeout");
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Builds and validates an {@link AwsSite}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private String region;
    private String profile;
    private String roleArn;
    private String externalId;
    private URI endpointOverride;
    private Duration apiCallTimeout = Duration.ofSeconds(20);
    private Duration apiCallAttemptTimeout = Duration.ofSeconds(5);
    private int maxAttempts = 4;

    private Builder(String name) {
      this.name = name;
    }

    public Builder region(String region) {
      this.region = region;
      return this;
    }

    public Builder profile(String profile) {
      this.profile = profile;
      return this;
    }

    public Builder roleArn(String roleArn) {
      this.roleArn = roleArn;
      return this;
    }

    public Builder externalId(String externalId) {
      this.externalId = externalId;
      return this;
    }

    public Builder endpointOverride(URI endpointOverride) {
      this.endpointOverride = endpointOverride;
      return this;
    }

    public Builder apiCallTimeout(Duration apiCallTimeout) {
      this.apiCallTimeout = apiCallTimeout;
      return this;
    }

    public Builder apiCallAttemptTimeout(Duration apiCallAttemptTimeout) {
      this.apiCallAttemptTimeout = apiCallAttemptTimeout;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * @throws ConfigException naming the field ({@code sites.<name>.aws.<field>}) that is wrong
     */
    public AwsSite build() {
      if (name == null || name.isBlank()) {
        throw new ConfigException("aws site: field 'name' must not be blank");
      }
      String prefix = "sites." + name + ".aws.";
      if (region == null || !REGION.matcher(region).matches()) {
        throw new ConfigException(
            prefix
                + "region: expected an AWS region name such as 'eu-west-1', was '"
                + region
                + "'");
      }
      if (roleArn != null && !ROLE_ARN.matcher(roleArn).matches()) {
        throw new ConfigException(
            prefix
                + "roleArn: expected 'arn:aws:iam::<12-digit account>:role/<name>', was '"
                + roleArn
                + "'");
      }
      if (externalId != null && roleArn == null) {
        throw new ConfigException(prefix + "externalId: only meaningful together with roleArn");
      }
      if (endpointOverride != null
          && (endpointOverride.getScheme() == null || endpointOverride.getHost() == null)) {
        throw new ConfigException(
            prefix + "endpointOverride: expected an absolute URI such as http://127.0.0.1:4566");
      }
      if (apiCallTimeout == null || apiCallTimeout.isNegative() || apiCallTimeout.isZero()) {
        throw new ConfigException(prefix + "apiCallTimeout: must be positive");
      }
      if (apiCallAttemptTimeout == null
          || apiCallAttemptTimeout.isNegative()
          || apiCallAttemptTimeout.isZero()
          || apiCallAttemptTimeout.compareTo(apiCallTimeout) > 0) {
        throw new ConfigException(
            prefix + "apiCallAttemptTimeout: must be positive and at most apiCallTimeout");
      }
      if (maxAttempts < 1 || maxAttempts > 10) {
        throw new ConfigException(prefix + "maxAttempts: expected 1..10, was " + maxAttempts);
      }
      return new AwsSite(
          name,
          region,
          Optional.ofNullable(profile),
          Optional.ofNullable(roleArn),
          Optional.ofNullable(externalId),
          Optional.ofNullable(endpointOverride),
          apiCallTimeout,
          apiCallAttemptTimeout,
          maxAttempts);
    }
  }
}
