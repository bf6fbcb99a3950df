package io.tandem.aws;

import io.tandem.aws.internal.AwsCalls;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The {@link Witness} port on one DynamoDB item per cluster: {@code cluster} (partition key),
 * {@code holder}, {@code epoch}, {@code expiry} (epoch millis), {@code ttlMillis} (the granted
 * lease length), {@code updatedAt}. Every change is one conditional {@code UpdateItem}; DynamoDB
 * evaluates the condition and applies the update atomically, so of two agents racing for a free
 * ticket exactly one condition holds.
 *
 * <ul>
 *   <li>acquire: {@code attribute_not_exists(cluster) OR attribute_not_exists(holder) OR expiry <
 *       now - grace}, setting {@code epoch = if_not_exists(epoch, 0) + 1} in the same update: the
 *       epoch only grows and is persisted before the grant is answered. If the requester already
 *       holds the ticket, it is extended under the same epoch.
 *   <li>renew: {@code holder = me AND epoch = e}, extends {@code expiry}.
 *   <li>release: {@code holder = me AND epoch = e}, removes {@code holder} (the epoch stays).
 * </ul>
 *
 * A failed condition is a refusal ({@link TicketResult#granted()} false, carrying the current
 * ticket from {@code ReturnValuesOnConditionCheckFailure=ALL_OLD}), never an exception.
 *
 * <p><b>Time.</b> DynamoDB has no clock a condition can read, so this witness uses the
 * <em>requester's</em> clock (the injected {@link Clock}): the holder writes {@code expiry} with
 * its clock, a challenger compares it with its own. If the challenger's clock runs ahead of the
 * holder's by δ, it sees the ticket expire δ early; the {@code grace} period must therefore exceed
 * the largest clock offset between any two agents (keep NTP healthy; Tandem's NTP-offset sensor
 * watches it) plus one request latency. The holder is not affected: it fences itself on its own
 * monotonic clock before its lease ends. Do <em>not</em> enable DynamoDB Time To Live on the table:
 * deleting an item would reset the cluster's epoch.
 *
 * <p>Thread-safe; every call is bounded by the client's API call timeout.
 */
public final class DynamoDbWitness implements Witness {

  static final String CLUSTER = "cluster";
  static final String HOLDER = "holder";
  static final String EPOCH = "epoch";
  static final String EXPIRY = "expiry";
  static final String TTL = "ttlMillis";
  static final String UPDATED = "updatedAt";

  private static final Map<String, String> NAMES =
      Map.of("#c", CLUSTER, "#h", HOLDER, "#e", EPOCH, "#x", EXPIRY, "#t", TTL, "#u", UPDATED);

  private final DynamoDbClient dynamo;
  private final String table;
  private final Duration grace;
  private final Clock clock;
  private final AwsCalls aws;

  /**
   * @param dynamo client for the table's region
   * @param region that region (messages)
   * @param table table name
   * @param grace extra time after expiry before another site may acquire; covers clock drift
   * @param clock the requester's clock (see the class comment)
   */
  public DynamoDbWitness(
      DynamoDbClient dynamo, String region, String table, Duration grace, Clock clock) {
    this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
    this.table = Objects.requireNonNull(table, "table");
    this.grace = Objects.requireNonNull(grace, "grace");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.aws = new AwsCalls(region);
    if (grace.isNegative()) {
      throw new ConfigException("witness.dynamodb.grace: must be >= 0");
    }
  }

  public DynamoDbWitness(AwsClients clients, String table, Duration grace, Clock clock) {
    this(clients.dynamoDb(), clients.site().region(), table, grace, clock);
  }

  /**
   * Creates the witness table for {@code tandem witness init} (Terraform in {@code terraform/aws}
   * does the same). Idempotent: an existing table with the right key is accepted.
   */
  public static void createTable(DynamoDbClient dynamo, String table, Duration timeout) {
    WitnessTable.create(dynamo, table, timeout);
  }

  @Override
  public TicketResult acquire(TicketRequest request) {
    if (!request.healthy() && !request.force()) {
      return TicketResult.refused(
          observe(request.cluster()).orElse(null),
          "refused: " + request.site() + " reports itself unhealthy");
    }
    long now = clock.millis();
    Map<String, AttributeValue> values = leaseValues(request, now);
    values.put(":one", n(1));
    values.put(":zero", n(0));
    String update =
        "SET #h = :me, #e = if_not_exists(#e, :zero) + :one, #x = :exp, #t = :ttl, #u = :now";
    if (request.force()) {
      Ticket t = ticket(update(request.cluster(), update, null, values).item()).orElseThrow();
      return TicketResult.granted(t, "forced acquire: granted epoch " + t.epoch());
    }
    values.put(":cutoff", n(now - grace.toMillis()));
    String condition = "attribute_not_exists(#c) OR attribute_not_exists(#h) OR #x < :cutoff";
    Outcome outcome = update(request.cluster(), update, condition, values);
    if (!outcome.applied()) {
      Optional<Ticket> current = ticket(outcome.item());
      if (current.isPresent() && current.get().holder().equals(request.site())) {
        return renew(
            TicketRequest.renew(
                request.cluster(), request.site(), true, request.ttl(), current.get().epoch()));
      }
      return TicketResult.refused(
          current.orElse(null),
          current
              .map(
                  t ->
                      "held by "
                          + t.holder()
                          + " under epoch "
                          + t.epoch()
                          + " until "
                          + t.expiry()
                          + " (+ grace "
                          + grace.toMillis()
                          + " ms)")
              .orElse("refused: the ticket changed concurrently"));
    }
    Ticket t = ticket(outcome.item()).orElseThrow();
    return TicketResult.granted(t, "granted epoch " + t.epoch());
  }

  @Override
  public TicketResult renew(TicketRequest request) {
    Map<String, AttributeValue> values = leaseValues(request, clock.millis());
    values.put(":e", n(request.epoch()));
    Outcome outcome =
        update(
            request.cluster(),
            "SET #x = :exp, #t = :ttl, #u = :now",
            "#h = :me AND #e = :e",
            values);
    if (outcome.applied()) {
      Ticket t = ticket(outcome.item()).orElseThrow();
      return TicketResult.granted(t, "renewed epoch " + t.epoch() + " until " + t.expiry());
    }
    Optional<Ticket> current = ticket(outcome.item());
    return TicketResult.refused(
        current.orElse(null),
        request.site()
            + " does not hold epoch "
            + request.epoch()
            + current
                .map(t -> ": held by " + t.holder() + " under epoch " + t.epoch())
                .orElse(": nobody holds the ticket"));
  }

  @Override
  public void release(String cluster, String site, long epoch) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":me", s(site));
    values.put(":e", n(epoch));
    values.put(":now", n(clock.millis()));
    values.put(":zero", n(0));
    // Idempotent: a failed condition means this site no longer holds this epoch: nothing to do.
    update(cluster, "REMOVE #h SET #x = :zero, #u = :now", "#h = :me AND #e = :e", values);
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    var response =
        call(
            "dynamodb:GetItem",
            () ->
                dynamo.getItem(
                    r -> r.tableName(table).key(Map.of(CLUSTER, s(cluster))).consistentRead(true)));
    return response.hasItem() ? ticket(response.item()) : Optional.empty();
  }

  private Map<String, AttributeValue> leaseValues(TicketRequest request, long now) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":me", s(request.site()));
    values.put(":exp", n(now + request.ttl().toMillis()));
    values.put(":ttl", n(request.ttl().toMillis()));
    values.put(":now", n(now));
    return values;
  }

  /**
   * One conditional update: applied with the new item, or not applied with the item as it stood
   * (from {@code ReturnValuesOnConditionCheckFailure}, or read if the store did not return it).
   */
  private Outcome update(
      String cluster, String update, String condition, Map<String, AttributeValue> values) {
    Map<String, String> names = new HashMap<>();
    NAMES.forEach(
        (k, v) -> {
          if (update.contains(k) || (condition != null && condition.contains(k))) {
            names.put(k, v);
          }
        });
    Map<String, AttributeValue> used = new HashMap<>();
    values.forEach(
        (k, v) -> {
          if (update.contains(k) || (condition != null && condition.contains(k))) {
            used.put(k, v);
          }
        });
    UpdateItemRequest request =
        UpdateItemRequest.builder()
            .tableName(table)
            .key(Map.of(CLUSTER, s(cluster)))
            .updateExpression(update)
            .conditionExpression(condition)
            .expressionAttributeNames(names)
            .expressionAttributeValues(used)
            .returnValues(ReturnValue.ALL_NEW)
            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
            .build();
    try {
      return new Outcome(true, dynamo.updateItem(request).attributes());
    } catch (ConditionalCheckFailedException e) {
      return new Outcome(false, e.hasItem() ? e.item() : observeItem(cluster));
    } catch (SdkException e) {
      throw translate("dynamodb:UpdateItem", e);
    }
  }

  private Map<String, AttributeValue> observeItem(String cluster) {
    var response =
        call(
            "dynamodb:GetItem",
            () ->
                dynamo.getItem(
                    r -> r.tableName(table).key(Map.of(CLUSTER, s(cluster))).consistentRead(true)));
    return response.hasItem() ? response.item() : Map.of();
  }

  private <T> T call(String action, java.util.function.Supplier<T> supplier) {
    try {
      return supplier.get();
    } catch (SdkException e) {
      throw translate(action, e);
    }
  }

  private RuntimeException translate(String action, SdkException e) {
    var translated = aws.translate(action, "witness table " + table, e);
    if (translated instanceof ResourceNotFoundException) {
      return new ResourceNotFoundException(
          "witness table "
              + table
              + " not found in region "
              + aws.region()
              + ": create it with 'tandem witness init' or terraform/aws",
          e);
    }
    return translated;
  }

  private Optional<Ticket> ticket(Map<String, AttributeValue> item) {
    if (item == null || !item.containsKey(HOLDER) || !item.containsKey(EPOCH)) {
      return Optional.empty();
    }
    long epoch = Long.parseLong(item.get(EPOCH).n());
    if (epoch < 1) {
      return Optional.empty();
    }
    return Optional.of(
        new Ticket(
            item.get(CLUSTER).s(),
            item.get(HOLDER).s(),
            epoch,
            Instant.ofEpochMilli(Long.parseLong(item.get(EXPIRY).n())),
            Duration.ofMillis(Long.parseLong(item.get(TTL).n()))));
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  /** Whether a conditional update applied, and the item after it (or as it stood). */
  private record Outcome(boolean applied, Map<String, AttributeValue> item) {}
}
