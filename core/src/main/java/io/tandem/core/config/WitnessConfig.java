package io.tandem.core.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Where the cluster's ticket lives. One record per backend; only its own settings apply. */
public sealed interface WitnessConfig
    permits WitnessConfig.Builtin,
        WitnessConfig.Etcd,
        WitnessConfig.DynamoDb,
        WitnessConfig.AzureBlob {

  WitnessKind kind();

  /**
   * Tandem's own witness server, run in a third place.
   *
   * @param endpoints its URLs, e.g. {@code https://witness.example.net:7443}
   * @param siteSecrets each site's own secret (at least 16 bytes) proving its identity to the
   *     witness, keyed by site name; an agent resolves only its own, the witness server all. Empty
   *     only for a witness on loopback.
   * @param listen where the witness server listens ({@code host:port}), when this file also
   *     configures the server
   * @param dataDir where the witness server keeps its state file
   */
  record Builtin(
      List<String> endpoints,
      Map<String, SecretRef> siteSecrets,
      Optional<String> listen,
      Optional<String> dataDir)
      implements WitnessConfig {
    public Builtin {
      endpoints = List.copyOf(endpoints);
      siteSecrets = Collections.unmodifiableMap(new LinkedHashMap<>(siteSecrets));
      Objects.requireNonNull(listen, "listen");
      Objects.requireNonNull(dataDir, "dataDir");
    }

    @Override
    public WitnessKind kind() {
      return WitnessKind.BUILTIN;
    }
  }

  /**
   * An etcd cluster (leases and transactions).
   *
   * @param endpoints client URLs of the members, e.g. {@code https://etcd1:2379}
   * @param user etcd user, if authentication is on
   * @param password that user's password, as a reference
   * @param keyPrefix prefix of Tandem's keys (default {@code /tandem/})
   */
  record Etcd(
      List<String> endpoints, Optional<String> user, Optional<SecretRef> password, String keyPrefix)
      implements WitnessConfig {
    public Etcd {
      endpoints = List.copyOf(endpoints);
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      Objects.requireNonNull(keyPrefix, "keyPrefix");
    }

    @Override
    public WitnessKind kind() {
      return WitnessKind.ETCD;
    }
  }

  /**
   * A DynamoDB table written with conditional writes.
   *
   * @param table table name
   * @param aws access; its region is required
   */
  record DynamoDb(String table, AwsAccess aws) implements WitnessConfig {
    public DynamoDb {
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(aws, "aws");
    }

    @Override
    public WitnessKind kind() {
      return WitnessKind.DYNAMODB;
    }
  }

  /**
   * An Azure Storage blob whose lease is the ticket.
   *
   * @param endpoint the blob service URL, e.g. {@code https://acct.blob.core.windows.net}
   * @param container container name
   * @param blob blob name
   * @param sasToken a SAS token, as a reference (or a connection string, or neither for managed
   *     identity)
   * @param connectionString a storage connection string, as a reference
   */
  record AzureBlob(
      String endpoint,
      String container,
      String blob,
      Optional<SecretRef> sasToken,
      Optional<SecretRef> connectionString)
      implements WitnessConfig {
    public AzureBlob {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(container, "container");
      Objects.requireNonNull(blob, "blob");
      Objects.requireNonNull(sasToken, "sasToken");
      Objects.requireNonNull(connectionString, "connectionString");
    }

    @Override
    public WitnessKind kind() {
      return WitnessKind.AZURE_BLOB;
    }
  }

  static Builder builder() {
    return new Builder();
  }

  /** Builds and validates any {@link WitnessConfig}; settings of other kinds are refused. */
  final class Builder extends ConfigBuilder<WitnessConfig> {
    private WitnessKind kind;
    private final List<String> endpoints = new ArrayList<>();
    private final Map<String, SecretRef> siteSecrets = new LinkedHashMap<>();
    private String listen;
    private String dataDir;
    private String user;
    private SecretRef password;
    private String keyPrefix;
    private String table;
    private AwsAccess aws;
    private String endpoint;
    private String container;
    private String blob;
    private SecretRef sasToken;
    private SecretRef connectionString;

    public Builder kind(WitnessKind v) {
      kind = v;
      return this;
    }

    public Builder endpoint(String v) {
      endpoints.add(Objects.requireNonNull(v));
      return this;
    }

    /** For azure-blob: the blob service URL. */
    public Builder blobEndpoint(String v) {
      endpoint = v;
      return this;
    }

    /** For builtin: the secret with which {@code site} proves its identity. */
    public Builder siteSecret(String site, SecretRef v) {
      siteSecrets.put(Objects.requireNonNull(site), Objects.requireNonNull(v));
      return this;
    }

    /** For builtin: the witness server's listen address, {@code host:port}. */
    public Builder listen(String v) {
      listen = v;
      return this;
    }

    /** For builtin: the witness server's state directory. */
    public Builder dataDir(String v) {
      dataDir = v;
      return this;
    }

    public Builder user(String v) {
      user = v;
      return this;
    }

    public Builder password(SecretRef v) {
      password = v;
      return this;
    }

    public Builder keyPrefix(String v) {
      keyPrefix = v;
      return this;
    }

    public Builder table(String v) {
      table = v;
      return this;
    }

    public Builder aws(AwsAccess v) {
      aws = v;
      return this;
    }

    public Builder container(String v) {
      container = v;
      return this;
    }

    public Builder blob(String v) {
      blob = v;
      return this;
    }

    public Builder sasToken(SecretRef v) {
      sasToken = v;
      return this;
    }

    public Builder connectionString(SecretRef v) {
      connectionString = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (!v.required(kind, "kind", "one of " + ConfigEnum.names(WitnessKind.class))) {
        return;
      }
      switch (kind) {
        case BUILTIN, ETCD -> {
          if (endpoints.isEmpty()) {
            v.add(
                "endpoints",
                "missing: expected at least one URL such as "
                    + (kind == WitnessKind.ETCD
                        ? "https://etcd1.example.net:2379"
                        : "https://witness.example.net:7443"));
          }
          for (int i = 0; i < endpoints.size(); i++) {
            String e = endpoints.get(i);
            if (!Formats.httpUrl(e)) {
              v.add("endpoints[" + i + "]", "expected an http(s) URL, was " + e);
            } else if (cleartextBeyondLoopback(e)
                && (kind == WitnessKind.BUILTIN || password != null)) {
              v.add(
                  "endpoints[" + i + "]",
                  "expected an https:// URL beyond loopback, was "
                      + e
                      + (kind == WitnessKind.BUILTIN
                          ? ": the site's witness secret would cross the network in cleartext"
                              + " (the witness itself refuses to listen beyond loopback without"
                              + " TLS)"
                          : ": etcd's password would cross the network in cleartext"));
            }
          }
          if (kind == WitnessKind.BUILTIN) {
            checkBuiltin(v);
          }
          if (kind == WitnessKind.ETCD && (user == null) != (password == null)) {
            v.add(user == null ? "user" : "password", "expected user and password together");
          }
          if (kind == WitnessKind.ETCD && keyPrefix != null && !keyPrefix.startsWith("/")) {
            v.add("keyPrefix", "expected a prefix starting with /, was " + keyPrefix);
          }
        }
        case DYNAMODB -> {
          v.required(table, "table", "the DynamoDB table name");
          if (aws == null || aws.region().isEmpty()) {
            v.add("aws.region", "missing: expected the AWS region of the table");
          }
        }
        case AZURE_BLOB -> {
          if (v.required(endpoint, "endpoint", "the blob service URL")
              && !Formats.httpUrl(endpoint)) {
            v.add("endpoint", "expected an http(s) URL such as https://acct.blob.core.windows.net");
          } else if (endpoint != null
              && cleartextBeyondLoopback(endpoint)
              && (sasToken != null || connectionString != null)) {
            v.add(
                "endpoint",
                "expected an https:// URL beyond loopback, was "
                    + endpoint
                    + ": the storage credential would cross the network in cleartext");
          }
          if (v.required(container, "container", "a container name")
              && !container.matches("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]")) {
            v.add("container", "expected 3-63 lower-case letters, digits and dashes");
          }
          v.required(blob, "blob", "the blob name whose lease is the ticket");
          if (sasToken != null && connectionString != null) {
            v.add("sasToken", "expected sasToken or connectionString, not both");
          }
        }
      }
    }

    private void checkBuiltin(Violations v) {
      boolean remote = endpoints.stream().anyMatch(e -> Formats.httpUrl(e) && !loopback(e));
      if (siteSecrets.isEmpty() && remote) {
        v.add(
            "siteSecrets",
            "missing: expected a secret reference per site, e.g. {berlin: ${env:WITNESS_SECRET}}:"
                + " the built-in witness checks each site's identity (only a witness on loopback"
                + " may run without)");
      }
      if (listen != null && !Formats.hostPort(listen)) {
        v.add("listen", "expected host:port such as 0.0.0.0:7443, was " + listen);
      }
      if (dataDir != null && dataDir.isBlank()) {
        v.add("dataDir", "expected a directory path");
      }
    }

    /** An {@code http://} URL whose host is not a loopback address. */
    private static boolean cleartextBeyondLoopback(String url) {
      return url.regionMatches(true, 0, "http://", 0, 7) && !loopback(url);
    }

    private static boolean loopback(String url) {
      String host = java.net.URI.create(url).getHost();
      return host.equals("localhost")
          || host.startsWith("127.")
          || host.equals("[::1]")
          || host.equals("::1");
    }

    @Override
    protected WitnessConfig create() {
      return switch (kind) {
        case BUILTIN ->
            new Builtin(
                endpoints, siteSecrets, Optional.ofNullable(listen), Optional.ofNullable(dataDir));
        case ETCD ->
            new Etcd(
                endpoints,
                Optional.ofNullable(user),
                Optional.ofNullable(password),
                keyPrefix != null ? keyPrefix : "/tandem/");
        case DYNAMODB -> new DynamoDb(table, aws);
        case AZURE_BLOB ->
            new AzureBlob(
                endpoint,
                container,
                blob,
                Optional.ofNullable(sasToken),
                Optional.ofNullable(connectionString));
      };
    }

    @Override
    protected String what() {
      return "witness";
    }
  }
}
