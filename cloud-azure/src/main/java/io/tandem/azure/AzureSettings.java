package io.tandem.azure;

import io.tandem.core.error.ConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Immutable per-site Azure settings: which subscription and resource group Tandem acts in, where
 * Azure Resource Manager is (overridable for tests and sovereign clouds), and the time bounds of
 * every call. Built and validated by {@link #builder()}; a bad field is a {@link ConfigException}
 * that names it.
 *
 * <p>Holds no secret: credentials come from {@code DefaultAzureCredential} (environment, managed
 * identity, Azure CLI) in {@link AzureClients}.
 *
 * @param subscriptionId Azure subscription id (GUID) of the site
 * @param resourceGroup resource group holding the site's NICs, public IPs, DNS zones and VMs
 * @param resourceManagerEndpoint ARM base URL, {@code https://management.azure.com/} by default
 * @param connectTimeout TCP/TLS connect timeout of one HTTP attempt
 * @param responseTimeout time allowed for the response headers of one HTTP attempt
 * @param operationTimeout bound on a whole long-running operation (initial call plus polling)
 * @param pollInterval poll interval when ARM sends no {@code Retry-After} on a status URL
 * @param maxRetries retries of one request on 408/429/5xx and I/O errors (Retry-After honoured)
 * @param retryDelay base delay of the exponential back-off when no Retry-After is sent
 * @param maxRetryDelay cap of one back-off delay
 */
public record AzureSettings(
    String subscriptionId,
    String resourceGroup,
    URI resourceManagerEndpoint,
    Duration connectTimeout,
    Duration responseTimeout,
    Duration operationTimeout,
    Duration pollInterval,
    int maxRetries,
    Duration retryDelay,
    Duration maxRetryDelay) {

  /** Public Azure's ARM endpoint. */
  public static final URI PUBLIC_CLOUD = URI.create("https://management.azure.com/");

  private static final Pattern GUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  // Resource group names: 1-90 chars of letters, digits, '_', '-', '.', '(', ')'; no trailing '.'.
  private static final Pattern RESOURCE_GROUP = Pattern.compile("[\\w\\-.()]{0,89}[\\w\\-()]");

  public AzureSettings {
    Objects.requireNonNull(subscriptionId, "subscriptionId");
    Objects.requireNonNull(resourceGroup, "resourceGroup");
    Objects.requireNonNull(resourceManagerEndpoint, "resourceManagerEndpoint");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(responseTimeout, "responseTimeout");
    Objects.requireNonNull(operationTimeout, "operationTimeout");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(retryDelay, "retryDelay");
    Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
  }

  /** ARM endpoint without a trailing slash, as the generated clients expect it. */
  public String endpoint() {
    String s = resourceManagerEndpoint.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * The OAuth scope of ARM tokens for this endpoint, e.g. {@code
   * https://management.azure.com/.default}.
   */
  public String tokenScope() {
    return endpoint() + "/.default";
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Validating builder; every error names the field. Not thread-safe. */
  public static final class Builder {
    private String subscriptionId;
    private String resourceGroup;
    private URI resourceManagerEndpoint = PUBLIC_CLOUD;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration responseTimeout = Duration.ofSeconds(30);
    private Duration operationTimeout = Duration.ofMinutes(3);
    private Duration pollInterval = Duration.ofSeconds(2);
    private int maxRetries = 4;
    private Duration retryDelay = Duration.ofMillis(800);
    private Duration maxRetryDelay = Duration.ofSeconds(20);

    private Builder() {}

    public Builder subscriptionId(String v) {
      this.subscriptionId = v;
      return this;
    }

    public Builder resourceGroup(String v) {
      this.resourceGroup = v;
      return this;
    }

    public Builder resourceManagerEndpoint(URI v) {
      this.resourceManagerEndpoint = v;
      return this;
    }

    public Builder connectTimeout(Duration v) {
      this.connectTimeout = v;
      return this;
    }

    public Builder responseTimeout(Duration v) {
      this.responseTimeout = v;
      return this;
    }

    public Builder operationTimeout(Duration v) {
      this.operationTimeout = v;
      return this;
    }

    public Builder pollInterval(Duration v) {
      this.pollInterval = v;
      return this;
    }

    public Builder maxRetries(int v) {
      this.maxRetries = v;
      return this;
    }

    public Builder retryDelay(Duration v) {
      this.retryDelay = v;
      return this;
    }

    public Builder maxRetryDelay(Duration v) {
      this.maxRetryDelay = v;
      return this;
    }

    public AzureSettings build() {
      if (subscriptionId == null || !GUID.matcher(subscriptionId).matches()) {
        throw new ConfigException(
            "azure.subscriptionId: expected a subscription GUID, was " + quote(subscriptionId));
      }
      if (resourceGroup == null || !RESOURCE_GROUP.matcher(resourceGroup).matches()) {
        throw new ConfigException(
            "azure.resourceGroup: expected 1-90 letters, digits, '_', '-', '.', '(' or ')',"
                + " not ending in '.', was "
                + quote(resourceGroup));
      }
      if (resourceManagerEndpoint == null
          || !"https".equalsIgnoreCase(resourceManagerEndpoint.getScheme())
          || resourceManagerEndpoint.getHost() == null) {
        // Bearer tokens are only ever sent over TLS (the SDK refuses plain http as well).
        throw new ConfigException(
            "azure.resourceManagerEndpoint: expected an https:// URL, was "
                + quote(String.valueOf(resourceManagerEndpoint)));
      }
      positive("azure.connectTimeout", connectTimeout);
      positive("azure.responseTimeout", responseTimeout);
      positive("azure.operationTimeout", operationTimeout);
      positive("azure.pollInterval", pollInterval);
      positive("azure.retryDelay", retryDelay);
      positive("azure.maxRetryDelay", maxRetryDelay);
      if (maxRetries < 0 || maxRetries > 10) {
        throw new ConfigException("azure.maxRetries: expected 0..10, was " + maxRetries);
      }
      if (maxRetryDelay.compareTo(retryDelay) < 0) {
        throw new ConfigException("azure.maxRetryDelay: must be >= azure.retryDelay");
      }
      return new AzureSettings(
          subscriptionId,
          resourceGroup,
          resourceManagerEndpoint,
          connectTimeout,
          responseTimeout,
          operationTimeout,
          pollInterval,
          maxRetries,
          retryDelay,
          maxRetryDelay);
    }

    private static void positive(String field, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new ConfigException(field + ": expected a positive duration, was " + d);
      }
    }

    private static String quote(String s) {
      return s == null ? "nothing" : "'" + s + "'";
    }
  }
}
