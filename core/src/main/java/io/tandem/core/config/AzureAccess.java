package io.tandem.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * How Tandem reaches Azure Resource Manager for a site or a DNS zone. Without a client id and
 * secret the SDK's default chain is used (managed identity, Azure CLI login).
 *
 * @param subscriptionId subscription GUID
 * @param resourceGroup resource group holding the resources Tandem changes
 * @param tenantId Entra tenant GUID (with a client id and secret: a service principal)
 * @param clientId application (client) id of a service principal
 * @param clientSecret the service principal's secret, as a reference
 * @param endpoint Resource Manager endpoint override (tests, sovereign clouds), an http(s) URL
 */
public record AzureAccess(
    String subscriptionId,
    String resourceGroup,
    Optional<String> tenantId,
    Optional<String> clientId,
    Optional<SecretRef> clientSecret,
    Optional<String> endpoint) {

  public AzureAccess {
    Objects.requireNonNull(subscriptionId, "subscriptionId");
    Objects.requireNonNull(resourceGroup, "resourceGroup");
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(clientSecret, "clientSecret");
    Objects.requireNonNull(endpoint, "endpoint");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates an {@link AzureAccess}. */
  public static final class Builder extends ConfigBuilder<AzureAccess> {
    private String subscriptionId;
    private String resourceGroup;
    private String tenantId;
    private String clientId;
    private SecretRef clientSecret;
    private String endpoint;

    public Builder subscriptionId(String v) {
      subscriptionId = v;
      return this;
    }

    public Builder resourceGroup(String v) {
      resourceGroup = v;
      return this;
    }

    public Builder tenantId(String v) {
      tenantId = v;
      return this;
    }

    public Builder clientId(String v) {
      clientId = v;
      return this;
    }

    public Builder clientSecret(SecretRef v) {
      clientSecret = v;
      return this;
    }

    public Builder endpoint(String v) {
      endpoint = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(subscriptionId, "subscriptionId", "an Azure subscription id (a GUID)")
          && !Formats.guid(subscriptionId)) {
        v.add("subscriptionId", "expected a GUID such as 00000000-0000-0000-0000-000000000000");
      }
      v.required(resourceGroup, "resourceGroup", "the name of an Azure resource group");
      if (tenantId != null && !Formats.guid(tenantId)) {
        v.add("tenantId", "expected a GUID");
      }
      if (clientId != null && !Formats.guid(clientId)) {
        v.add("clientId", "expected a GUID");
      }
      if ((clientId == null) != (clientSecret == null) || (clientId != null && tenantId == null)) {
        v.add(
            clientId == null ? "clientId" : clientSecret == null ? "clientSecret" : "tenantId",
            "expected tenantId, clientId and clientSecret together (a service principal),"
                + " or none of them (managed identity)");
      }
      if (endpoint != null && !Formats.httpUrl(endpoint)) {
        v.add("endpoint", "expected an http(s) URL such as https://management.azure.com");
      }
    }

    @Override
    protected AzureAccess create() {
      return new AzureAccess(
          subscriptionId,
          resourceGroup,
          Optional.ofNullable(tenantId),
          Optional.ofNullable(clientId),
          Optional.ofNullable(clientSecret),
          Optional.ofNullable(endpoint));
    }

    @Override
    protected String what() {
      return "azure";
    }
  }
}
