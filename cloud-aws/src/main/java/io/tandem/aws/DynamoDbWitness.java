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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The {@link Witness} port on one DynamoDB item per cluster, used as a <b>lease by observation</b>
 * (the way Kubernetes leader election uses a Lease object: client-go's {@code tools/leaderelection}
 * keeps an {@code observedRecord} and {@code observedTime} on the candidate's own clock and takes
 * over only when {@code observedTime + leaseDuration} has passed).
 *
 * <p>Item: {@code cluster} (partition key), {@code holder}, {@code holderEpoch} (the holder's
 * epoch), {@code epoch} (the highest epoch granted or presented), {@code ttlMillis} (the lease
 * length), {@code rev} (a version that every write increments), {@code updatedAt} (the writer's
 * wall clock, a label only). Every change is one conditional {@code UpdateItem}; DynamoDB applies
 * it atomically, so of two agents racing exactly one condition holds.
 *
 * <p><b>Time.</b> DynamoDB has no clock a condition can read, and agents' wall clocks may differ by
 * any amount, so nobody compares times across machines. The holder renews by a conditional write
 * ({@code holder = me AND holderEpoch = e AND epoch = e}) that writes a fresh {@code rev}. A
 * contender reads the item and remembers, on its <em>own monotonic clock</em>, when it first saw
 * each {@code rev}; it takes the ticket only after it has seen the same {@code rev} unchanged for
 * the record's TTL + {@code grace}, and only by a write conditional on that {@code rev} (a renewal
 * that lands in between makes the takeover fail). The holder fences itself on its own monotonic
 * clock {@code TTL − driftMargin} after it <em>sent</em> its last successful renewal, which the
 * contender can only have seen later: the holder always stops first as long as the clocks' rates
 * differ by less than the drift margin allows. The cost: a contender that starts watching late
 * waits a full TTL + grace from its first look (agents look on every tick).
 *
 * <ul>
 *   <li>acquire: a free ticket (no holder) is taken at once with {@code epoch = max(epoch,
 *       presented) + 1}; the holder's own acquire renews under its epoch; a held ticket is taken
 *       only as above. A forced acquire (with the operator's acknowledgement) skips health and
 *       preempts the holder: a write conditional on the {@code rev} it read lifts {@code epoch}, so
 *       the holder's renewals fail; it is granted after TTL + grace observed from then, or at once
 *       after the holder released.
 *   <li>renew: conditional on holder and epoch; extends nothing by time, just proves liveness.
 *   <li>release: conditional on holder and its epoch (also when preempted); removes {@code holder},
 *       the epoch stays.
 *   <li>an epoch presented above the stored one (a recreated table, a restored backup) lifts {@code
 *       epoch}; the recorded holder's renewals are then refused.
 * </ul>
 *
 * A failed condition is a refusal ({@link TicketResult#granted()} false, carrying the current
 * ticket from {@code ReturnValuesOnConditionCheckFailure=ALL_OLD}), never an exception. Do
 * <em>not</em> enable DynamoDB Time To Live on the table: deleting an item would reset the
 * cluster's epoch.
 *
 * <p>Thread-safe; every call is bounded by the client's API call timeout.
 */
public final class DynamoDbWitness implements Witness {

  static final String CLUSTER = "cluster";
  static final String HOLDER = "holder";
  static final String HOLDER_EPOCH = "holderEpoch";
  static final String EPOCH = "epoch";
  static final String TTL = "ttlMillis";
  static final String REV = "rev";
  static final String UPDATED = "updatedAt";
  static final String LEGACY_EXPIRY = "expiry";

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(DynamoDbWitness.class);

  private static final Map<String, String> NAMES =
      Map.of(
          "#c", CLUSTER,
          "#h", HOLDER,
          "#he", HOLDER_EPOCH,
          "#e", EPOCH,
          "#t", TTL,
          "#r", REV,
          "#u", UPDATED,
          "#x", LEGACY_EXPIRY);

  private final DynamoDbClient dynamo;
  private final String table;
  private final Duration grace;
  private final Clock wall;
  private final LongSupplier nanos;
  private final AwsCalls aws;
  private final Map<String, Observation> observed = new ConcurrentHashMap<>();

  /** A version of a cluster's item and when this instance first saw it (monotonic nanos). */
  private record Observation(String version, long sinceNanos) {}

  /**
   * @param dynamo client for the table's region
   * @param region that region (messages)
   * @param table table name
   * @param grace extra observation time beyond the TTL before taking a held ticket over
   * @param wall labels {@code updatedAt} and answers' expiry; never decides anything
   * @param nanos this agent's monotonic clock: times the observation
   */
  public DynamoDbWitness(
      DynamoDbClient dynamo,
      String region,
      String table,
      Duration grace,
      Clock wall,
      LongSupplier nanos) {
    this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
    this.table = Objects.requireNonNull(table, "table");
    this.grace = Objects.requireNonNull(grace, "grace");
    this.wall = Objects.requireNonNull(wall, "wall");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
    this.aws = new AwsCalls(region);
    if (grace.isNegative()) {
      throw new ConfigException("witness.dynamodb.grace: must be >= 0");
    }
  }

  /** With {@code System::nanoTime} as the observation clock. */
  public DynamoDbWitness(AwsClients clients, String table, Duration grace, Clock wall) {
    this(clients, table, grace, wall, System::nanoTime);
  }

  public DynamoDbWitness(
      AwsClients clients, String table, Duration grace, Clock wall, LongSupplier nanos) {
    this(clients.dynamoDb(), clients.site().region(), table, grace, wall, nanos);
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
    String cluster = request.cluster();
    Map<String, AttributeValue> item = read(cluster);
    String refusal = request.unacknowledgedForceRefusal();
    if (refusal != null) {
      return TicketResult.refused(ticket(item).orElse(null), refusal);
    }
    if (!request.healthy() && !request.force()) {
      return TicketResult.refused(
          ticket(item).orElse(null), "refused: " + request.site() + " reports itself unhealthy");
    }
    long stored = number(item, EPOCH);
    String holder = item.containsKey(HOLDER) ? item.get(HOLDER).s() : null;
    boolean holderIsNewest = holder != null && holderEpoch(item) == stored;
    if (request.site().equals(holder) && holderIsNewest && request.epoch() <= stored) {
      return renew(TicketRequest.renew(cluster, holder, true, request.ttl(), stored));
    }
    // Anyone else, or the recorded holder of an epoch known to be stale, waits out the lease as
    // observed on this agent's own monotonic clock.
    if (holder != null) {
      long needed = number(item, TTL) * 1_000_000 + grace.toNanos();
      long seen = nanos.getAsLong() - observed.get(cluster).sinceNanos();
      if (seen < needed && request.force()) {
        return preempt(request, item, holder, holderIsNewest, needed);
      }
      if (seen < needed) {
        return TicketResult.refused(
            ticket(item).orElse(null),
            "refused: held by "
                + holder
                + " under epoch "
                + holderEpoch(item)
                + "; this site has seen its record unchanged for "
                + seen / 1_000_000
                + " ms of the "
                + needed / 1_000_000
                + " ms (TTL + grace) it must observe before taking over");
      }
    }
    long epoch = Math.max(stored, request.epoch()) + 1;
    Map<String, AttributeValue> values = leaseValues(request.site(), request.ttl());
    values.put(":e", n(epoch));
    String condition = unchanged(item, values);
    Outcome o =
        update(
            cluster,
            "SET #h = :me, #he = :e, #e = :e, #t = :ttl, #u = :now, #r = :rev1 REMOVE #x",
            condition,
            values);
    if (!o.applied()) {
      return TicketResult.refused(
          ticket(o.item()).orElse(null), "refused: the ticket changed while this site took it");
    }
    Ticket t = ticket(o.item()).orElseThrow();
    return TicketResult.granted(
        t, (request.force() ? "force-granted epoch " : "granted epoch ") + t.epoch());
  }

  /**
   * A forced acquire while the holder's lease may still run (docs/witness-protocol.md, rule 2): one
   * write conditional on the version read lifts {@code epoch} past the holder's, so its renewals
   * (conditional on {@code epoch}) fail from now on and it fences; the write is a new version, so
   * this site then waits TTL + grace from now, as any contender, before it takes the ticket over. A
   * release by the holder frees it at once. The holder's last successful renewal landed before this
   * write, so it fences before the wait ends (the argument of the class comment).
   */
  private TicketResult preempt(
      TicketRequest request,
      Map<String, AttributeValue> item,
      String holder,
      boolean holderIsNewest,
      long needed) {
    String cluster = request.cluster();
    Map<String, AttributeValue> current = item;
    if (holderIsNewest) {
      Map<String, AttributeValue> values = new HashMap<>();
      values.put(":p", n(Math.max(number(item, EPOCH), request.epoch()) + 1));
      values.put(":now", n(wall.millis()));
      String condition = unchanged(item, values);
      Outcome o = update(cluster, "SET #e = :p, #u = :now, #r = :rev1", condition, values);
      if (!o.applied()) {
        return TicketResult.refused(
            ticket(o.item()).orElse(null),
            "refused: the ticket changed while this site preempted it");
      }
      current = o.item();
      LOG.warn(
          "forced acquire of {} by {} preempts {} (epoch {}): its renewals are refused",
          cluster,
          request.site(),
          holder,
          holderEpoch(item));
    }
    long left = needed - (nanos.getAsLong() - observed.get(cluster).sinceNanos());
    return TicketResult.refused(
        ticket(current).orElse(null),
        TicketRequest.forcedWaitRefusal(holder, Duration.ofNanos(left)));
  }

  @Override
  public TicketResult renew(TicketRequest request) {
    Map<String, AttributeValue> values = leaseValues(request.site(), request.ttl());
    values.put(":e", n(request.epoch()));
    values.put(":one", n(1));
    values.put(":zero", n(0));
    Outcome o =
        update(
            request.cluster(),
            "SET #t = :ttl, #u = :now, #r = if_not_exists(#r, :zero) + :one REMOVE #x",
            "#h = :me AND #e = :e AND (#he = :e OR attribute_not_exists(#he))",
            values);
    if (o.applied()) {
      Ticket t = ticket(o.item()).orElseThrow();
      return TicketResult.granted(t, "renewed epoch " + t.epoch());
    }
    liftPast(request.cluster(), o.item(), request.epoch());
    Optional<Ticket> current = ticket(o.item());
    // never answer with the requester's own ticket: a newer epoch is known (a forced acquire
    // preempted it), so the holder must take the ticket as lost and fence now
    return TicketResult.refused(
        current.filter(t -> !t.heldBy(request.site(), request.epoch())).orElse(null),
        "refused: "
            + request.site()
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
    values.put(":now", n(wall.millis()));
    values.put(":one", n(1));
    values.put(":zero", n(0));
    // Idempotent: a failed condition means this site no longer holds this epoch: nothing to do.
    // A holder preempted by a forced acquire (a newer epoch is recorded) may still release: that
    // is how it says it has fenced, and the forced acquire is then granted at once.
    Outcome o =
        update(
            cluster,
            "REMOVE #h, #he, #x SET #u = :now, #r = if_not_exists(#r, :zero) + :one",
            "#h = :me AND (#he = :e OR (attribute_not_exists(#he) AND #e = :e))",
            values);
    if (!o.applied()) {
      liftPast(cluster, o.item(), epoch);
    }
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    return ticket(read(cluster));
  }

  /** Reads the item (strongly consistent) and records the observation. */
  private Map<String, AttributeValue> read(String cluster) {
    var response =
        call(
            "dynamodb:GetItem",
            () ->
                dynamo.getItem(
                    r -> r.tableName(table).key(Map.of(CLUSTER, s(cluster))).consistentRead(true)));
    Map<String, AttributeValue> item = response.hasItem() ? response.item() : Map.of();
    saw(cluster, item);
    return item;
  }

  /** Remembers when this instance first saw the item's current version. */
  private void saw(String cluster, Map<String, AttributeValue> item) {
    String version = version(item);
    long now = nanos.getAsLong();
    observed.compute(
        cluster,
        (k, o) -> o != null && o.version().equals(version) ? o : new Observation(version, now));
  }

  /**
   * The item's version: {@code rev}, or for an item written before {@code rev} existed, its fields
   * (the old renewals rewrote {@code updatedAt}, so a renewal still changes it).
   */
  private static String version(Map<String, AttributeValue> item) {
    if (item.isEmpty()) {
      return "absent";
    }
    if (item.containsKey(REV)) {
      return "rev " + item.get(REV).n();
    }
    return "legacy " + item.get(HOLDER) + item.get(EPOCH) + item.get(UPDATED);
  }

  /** A condition that the item is still the one read (absent, or the same {@code rev}). */
  private static String unchanged(
      Map<String, AttributeValue> item, Map<String, AttributeValue> values) {
    long rev = number(item, REV);
    values.put(":rev1", n(rev + 1));
    if (item.isEmpty()) {
      return "attribute_not_exists(#c)";
    }
    values.put(":seenEpoch", n(number(item, EPOCH)));
    if (!item.containsKey(REV)) {
      values.put(":seenUpdated", n(number(item, UPDATED)));
      return "attribute_not_exists(#r) AND #e = :seenEpoch AND #u = :seenUpdated";
    }
    values.put(":rev", n(rev));
    return "#r = :rev AND #e = :seenEpoch";
  }

  /**
   * An epoch presented above the stored one lifts the stored counter (conditionally, so it never
   * goes down); the recorded holder, now known to be stale, is refused from then on.
   */
  private void liftPast(String cluster, Map<String, AttributeValue> item, long presented) {
    if (presented <= number(item, EPOCH)) {
      return;
    }
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":p", n(presented));
    values.put(":now", n(wall.millis()));
    values.put(":one", n(1));
    values.put(":zero", n(0));
    update(
        cluster,
        "SET #e = :p, #u = :now, #r = if_not_exists(#r, :zero) + :one",
        "attribute_not_exists(#e) OR #e < :p",
        values);
  }

  private Map<String, AttributeValue> leaseValues(String site, Duration ttl) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":me", s(site));
    values.put(":ttl", n(ttl.toMillis()));
    values.put(":now", n(wall.millis()));
    return values;
  }

  /**
   * One conditional update: applied with the new item, or not applied with the item as it stood
   * (from {@code ReturnValuesOnConditionCheckFailure}, or read if the store did not return it).
   * Either way the item seen is recorded as an observation.
   */
  private Outcome update(
      String cluster, String update, String condition, Map<String, AttributeValue> values) {
    Map<String, String> names = new HashMap<>();
    NAMES.forEach(
        (k, v) -> {
          if (mentions(update, k) || mentions(condition, k)) {
            names.put(k, v);
          }
        });
    Map<String, AttributeValue> used = new HashMap<>();
    values.forEach(
        (k, v) -> {
          if (mentions(update, k) || mentions(condition, k)) {
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
      Map<String, AttributeValue> after = dynamo.updateItem(request).attributes();
      saw(cluster, after);
      return new Outcome(true, after);
    } catch (ConditionalCheckFailedException e) {
      if (e.hasItem()) {
        saw(cluster, e.item());
        return new Outcome(false, e.item());
      }
      return new Outcome(false, read(cluster));
    } catch (SdkException e) {
      throw translate("dynamodb:UpdateItem", e);
    }
  }

  /** Whether an expression names {@code token} as a whole word ({@code #h} is not {@code #he}). */
  private static boolean mentions(String expression, String token) {
    return expression != null && expression.matches("(?s).*" + token + "(?![A-Za-z0-9_]).*");
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
    long epoch = holderEpoch(item);
    if (epoch < 1) {
      return Optional.empty();
    }
    Duration ttl = Duration.ofMillis(number(item, TTL));
    return Optional.of(
        new Ticket(
            item.get(CLUSTER).s(),
            item.get(HOLDER).s(),
            epoch,
            Instant.ofEpochMilli(number(item, UPDATED)).plus(ttl),
            ttl));
  }

  private static long holderEpoch(Map<String, AttributeValue> item) {
    return item.containsKey(HOLDER_EPOCH) ? number(item, HOLDER_EPOCH) : number(item, EPOCH);
  }

  private static long number(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item == null ? null : item.get(name);
    return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
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
