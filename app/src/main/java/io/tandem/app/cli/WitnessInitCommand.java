package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.aws.AwsSite;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem witness init}: creates the DynamoDB witness table (one item per cluster, partition
 * key {@code cluster} of type string, on-demand billing, deletion protection), the same table the
 * Terraform module creates. Idempotent: an existing table with that key is accepted as it is; one
 * with another key is an error (exit 2) and is left untouched.
 *
 * <p>The SDK calls live in {@link DynamoDbTableInit}: picocli reflects on this class's methods
 * (their signatures, lambdas included) when any {@code tandem} command starts, which would load the
 * AWS SDK for every command (issue 17.4).
 *
 * <p>Credentials come from the SDK's default provider chain or {@code --profile}; nothing secret is
 * taken on the command line.
 */
@Command(
    name = "init",
    description =
        "Create the DynamoDB witness table (idempotent: an existing table with the right key is"
            + " fine).")
public final class WitnessInitCommand implements Callable<Integer> {

  @Option(names = "--dynamodb-table", required = true, description = "Table name.")
  String table;

  @Option(names = "--region", required = true, description = "AWS region, e.g. eu-west-1.")
  String region;

  @Option(names = "--endpoint", description = "Endpoint override (VPC endpoint, emulator).")
  URI endpoint;

  @Option(names = "--profile", description = "Named profile instead of the default chain.")
  String profile;

  @Option(
      names = "--timeout",
      defaultValue = "60s",
      description = "How long to wait for the table to become ACTIVE.")
  String timeout;

  @Override
  public Integer call() {
    Duration wait = DurationArg.parse("--timeout", timeout);
    AwsSite site;
    try {
      AwsSite.Builder b = AwsSite.builder("witness").region(region);
      if (profile != null) {
        b.profile(profile);
      }
      if (endpoint != null) {
        b.endpointOverride(endpoint);
      }
      site = b.build();
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), ExitCodes.INVALID);
    }
    try {
      return DynamoDbTableInit.create(site, table, region, wait);
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), ExitCodes.INVALID);
    } catch (PermissionException e) {
      throw new CliException(e.getMessage(), ExitCodes.FORBIDDEN);
    } catch (TransientException e) {
      throw new CliException(e.getMessage(), ExitCodes.UNREACHABLE);
    } catch (TandemException e) {
      throw new CliException(e.getMessage(), ExitCodes.REFUSED);
    }
  }
}
