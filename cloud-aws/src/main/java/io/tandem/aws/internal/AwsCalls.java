package io.tandem.aws.internal;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs one AWS API call and turns SDK failures into Tandem's error categories. The caller names the
 * IAM action the call needs ({@code ec2:AssociateAddress}); for EC2, Route 53 and DynamoDB the
 * action is the service prefix plus the API operation name, so a denial can name exactly what to
 * grant. Retries of throttling and 5xx already happened inside the SDK (standard retry strategy);
 * what reaches this class has exhausted them. Thread-safe (stateless apart from the region).
 */
public final class AwsCalls {

  /** The caller is authenticated but not allowed to perform the action. */
  private static final Set<String> DENIED =
      Set.of(
          "UnauthorizedOperation",
          "AccessDenied",
          "AccessDeniedException",
          "Client.UnauthorizedOperation");

  /** The credentials themselves are missing, wrong or expired. */
  private static final Set<String> BAD_CREDENTIALS =
      Set.of(
          "AuthFailure",
          "InvalidClientTokenId",
          "UnrecognizedClientException",
          "SignatureDoesNotMatch",
          "ExpiredToken",
          "ExpiredTokenException",
          "InvalidSignatureException",
          "MissingAuthenticationToken");

  private final String region;

  public AwsCalls(String region) {
    this.region = region;
  }

  public String region() {
    return region;
  }

  /**
   * Runs {@code call}; on failure throws the matching {@link TandemException}.
   *
   * @param iamAction the IAM action the call needs, e.g. {@code ec2:DescribeAddresses}
   * @param resource what the call acts on, for the message (ids only, never secrets)
   */
  public <T> T call(String iamAction, String resource, Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw translate(iamAction, resource, e);
    }
  }

  /** The Tandem exception for an SDK failure of {@code iamAction} on {@code resource}. */
  public TandemException translate(String iamAction, String resource, SdkException e) {
    if (e instanceof AwsServiceException service) {
      return translateService(iamAction, resource, service);
    }
    if (e instanceof AbortedException || e.getCause() instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return new TransientException(iamAction + " on " + resource + " was interrupted", e);
    }
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return new TransientException(
          iamAction + " on " + resource + " timed out (" + e.getMessage() + ")", e);
    }
    if (e instanceof SdkClientException
        && e.getMessage() != null
        && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("credentials")) {
      // The SDK reports a missing profile or an empty provider chain only by message.
      return new PermissionException(
          "no usable AWS credentials for "
              + iamAction
              + ": check the site's profile, role or environment ("
              + e.getMessage()
              + ")",
          e);
    }
    if (e instanceof SdkClientException) {
      return new TransientException(
          iamAction + " on " + resource + " failed to reach AWS: " + e.getMessage(), e);
    }
    return new ProtocolException(iamAction + " on " + resource + ": " + e.getMessage(), e);
  }

  private TandemException translateService(
      String iamAction, String resource, AwsServiceException e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    String detail =
        e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
    if (code != null && DENIED.contains(code)) {
      return new PermissionException(
          "AWS denied "
              + iamAction
              + " on "
              + resource
              + " in "
              + region
              + " ("
              + code
              + "): grant the IAM action '"
              + iamAction
              + "' to this site's role (see docs/aws-iam.md)",
          e);
    }
    if (e.statusCode() == 403 && (code == null || !BAD_CREDENTIALS.contains(code))) {
      // Every AWS service answers an authorization refusal with HTTP 403; the code is what names
      // it, but a body the SDK cannot read (moto answers DynamoDB's and Route 53's AccessDenied in
      // EC2's XML shape) must still be a permission error, never a protocol error to retry.
      return new PermissionException(
          "AWS denied "
              + iamAction
              + " on "
              + resource
              + " in "
              + region
              + " (HTTP 403"
              + (code == null ? "" : ", " + code)
              + "): grant the IAM action '"
              + iamAction
              + "' to this site's role (see docs/aws-iam.md)",
          e);
    }
    if ((code != null && BAD_CREDENTIALS.contains(code)) || e.statusCode() == 401) {
      return new PermissionException(
          "AWS rejected the credentials for "
              + iamAction
              + " ("
              + code
              + "): check the site's profile, role or environment credentials",
          e);
    }
    if (e.isThrottlingException() || e.statusCode() >= 500) {
      return new TransientException(
          iamAction
              + " on "
              + resource
              + " still failing after the SDK's retries ("
              + code
              + ", HTTP "
              + e.statusCode()
              + ")",
          e);
    }
    if (code != null
        && (code.endsWith(".NotFound")
            || code.startsWith("NoSuch")
            || code.equals("ResourceNotFoundException"))) {
      return new ResourceNotFoundException(
          resource
              + " not found in region "
              + region
              + " ("
              + code
              + "): check the id and that the site's region is the one the resource lives in",
          e);
    }
    if (code != null && (code.endsWith(".Malformed") || code.equals("InvalidParameterValue"))) {
      return new ConfigException(
          iamAction + ": invalid identifier or parameter for " + resource + " (" + detail + ")", e);
    }
    return new ProtocolException(
        "AWS refused " + iamAction + " on " + resource + " (" + code + "): " + detail, e);
  }

  /** The AWS error code of {@code e}, or empty string. */
  public static String errorCode(AwsServiceException e) {
    return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
        ? ""
        : e.awsErrorDetails().errorCode();
  }
}
