package io.tandem.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * How Tandem reaches AWS for a site, a DNS zone or the DynamoDB witness. Credentials themselves
 * come from the SDK's default chain (instance role, profile, environment); this names which.
 *
 * @param profile a named profile from {@code ~/.aws/config}
 * @param roleArn a role to assume, e.g. {@code arn:aws:iam::123456789012:role/tandem}
 * @param region API region; defaults to the site's region
 * @param endpoint endpoint override (tests, emulators, VPC endpoints), an http(s) URL
 */
public record AwsAccess(
    Optional<String> profile,
    Optional<String> roleArn,
    Optional<String> region,
    Optional<String> endpoint) {

  public AwsAccess {
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(roleArn, "roleArn");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(endpoint, "endpoint");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates an {@link AwsAccess}. */
  public static final class Builder extends ConfigBuilder<AwsAccess> {
    private String profile;
    private String roleArn;
    private String region;
    private String endpoint;

    public Builder profile(String v) {
      profile = v;
      return this;
    }

    public Builder roleArn(String v) {
      roleArn = v;
      return this;
    }

    public Builder region(String v) {
      region = v;
      return this;
    }

    public Builder endpoint(String v) {
      endpoint = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (roleArn != null && !roleArn.startsWith("arn:aws")) {
        v.add("roleArn", "expected an IAM role ARN such as arn:aws:iam::123456789012:role/tandem");
      }
      if (region != null && !Formats.awsRegion(region)) {
        v.add("region", "expected an AWS region such as eu-west-1, was " + region);
      }
      if (endpoint != null && !Formats.httpUrl(endpoint)) {
        v.add("endpoint", "expected an http(s) URL such as http://127.0.0.1:5000");
      }
    }

    @Override
    protected AwsAccess create() {
      return new AwsAccess(
          Optional.ofNullable(profile),
          Optional.ofNullable(roleArn),
          Optional.ofNullable(region),
          Optional.ofNullable(endpoint));
    }

    @Override
    protected String what() {
      return "aws";
    }
  }
}
