package io.tandem.app.agent;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import io.tandem.app.witness.DatagramWitness;
import io.tandem.app.witness.HttpWitness;
import io.tandem.aws.DynamoDbWitness;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.WitnessConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.witness.Witness;
import io.tandem.onprem.etcd.EtcdWitness;
import io.tandem.onprem.etcd.EtcdWitnessConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * The witness client for the configured backend: the built-in witness over HTTP(S), etcd, a
 * DynamoDB table or an Azure blob lease. Every client bounds its calls by the cluster's {@code
 * retryTimeout}; secrets are resolved here (the built-in witness's token at each call, so a rotated
 * file is picked up) and never logged.
 */
final class WitnessClients {

  private WitnessClients() {}

  static Witness create(
      ClusterConfig config,
      String site,
      SecretResolver secrets,
      ProviderAdapters providers,
      HttpClient http,
      Clock clock) {
    Duration timeout = config.timings().retryTimeout();
    Duration grace = config.timings().witnessGrace();
    return switch (config.witness()) {
      case WitnessConfig.Builtin b -> {
        var secret = b.siteSecrets().get(site);
        if (secret == null) {
          throw new ConfigException(
              "witness.siteSecrets."
                  + site
                  + ": expected this site's witness secret reference, e.g."
                  + " ${file:/etc/tandem/witness-"
                  + site
                  + ".secret}");
        }
        // the witness server is one process; several endpoints would be the same server behind
        // different addresses, and the first is the one the operator listed as primary
        // renewals and reads as authenticated datagrams, the rest over HTTPS (ADR 0007,
        // "Transport"); HTTPS takes over while the datagrams go unanswered
        URI base = URI.create(b.endpoints().getFirst());
        Supplier<String> token = () -> secrets.resolve(secret).reveal();
        HttpWitness https = new HttpWitness(http, base, site, token, timeout, JsonMapper.shared());
        yield http instanceof io.tandem.app.witness.ManagementLink link
            ? new DatagramWitness(https, base, site, token, timeout, link)
            : new DatagramWitness(https, base, site, token, timeout);
      }
      case WitnessConfig.Etcd e -> {
        EtcdWitnessConfig.Builder c =
            EtcdWitnessConfig.builder()
                .endpoints(e.endpoints().toArray(String[]::new))
                .keyPrefix(e.keyPrefix())
                .grace(grace)
                .callTimeout(timeout);
        if (e.user().isPresent() && e.password().isPresent()) {
          c.credentials(e.user().get(), secrets.resolve(e.password().get()).reveal());
        }
        yield new EtcdWitness(c.build(), clock);
      }
      case WitnessConfig.DynamoDb d ->
          new DynamoDbWitness(
              providers.aws("witness", d.aws(), d.aws().region().orElse("us-east-1")),
              d.table(),
              grace,
              clock);
      case WitnessConfig.AzureBlob a -> {
        BlobContainerClientBuilder b =
            new BlobContainerClientBuilder().endpoint(a.endpoint()).containerName(a.container());
        if (a.connectionString().isPresent()) {
          b.connectionString(secrets.resolve(a.connectionString().get()).reveal());
        } else if (a.sasToken().isPresent()) {
          b.sasToken(secrets.resolve(a.sasToken().get()).reveal());
        } else {
          b.credential(io.tandem.azure.AzureClients.defaultCredential());
        }
        BlobContainerClient container = b.buildClient();
        yield io.tandem.azure.BlobLeaseWitness.builder()
            .container(container)
            .blobPrefix(a.blob())
            .clock(clock)
            .grace(grace)
            .timeout(timeout)
            .build();
      }
    };
  }
}
