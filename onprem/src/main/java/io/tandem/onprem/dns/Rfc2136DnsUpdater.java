package io.tandem.onprem.dns;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.witness.FencingToken;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * {@link DnsUpdater} for any server that accepts RFC 2136 dynamic updates signed with TSIG (BIND,
 * Knot, PowerDNS, Windows DNS with a TSIG-capable front).
 *
 * <p>Compare-and-set: each update message carries prerequisites that the record set still holds
 * exactly the expected values (value-dependent "RRset exists", RFC 2136 §2.4.2) or does not exist
 * ("RRset does not exist", §2.4.3), and that the epoch marker {@code _tandem.<name> TXT} still
 * holds what we read. The server applies prerequisites and changes atomically, so a concurrent
 * writer makes the server answer NXRRSET/YXRRSET, reported as {@link ConflictException}, or as
 * {@link StaleEpochException} when the concurrent writer recorded a newer epoch. Plain DNS cannot
 * compare numbers, so the "newer epoch" check is: read the marker, refuse locally if newer, and pin
 * the read value as a prerequisite so nothing can slip in between.
 *
 * <p>An update that gets no answer is sent once more ({@code nsupdate} retries the same way); if
 * the first copy had been applied, the second fails its prerequisites, and the updater then finds
 * the record set and the marker holding exactly what it wrote under this token: success, not a
 * conflict.
 *
 * <p>All traffic goes to the configured primary authoritative server with recursion off;
 * verification never asks a cache. Every message has the configured timeout. Thread-safe: each call
 * uses its own resolver object.
 */
public final class Rfc2136DnsUpdater implements DnsUpdater {

  private static final Logger LOG = LoggerFactory.getLogger(Rfc2136DnsUpdater.class);

  private final Rfc2136Config config;
  private final LongSupplier nanoTicker;
  private final InetSocketAddress serverAddress;

  public Rfc2136DnsUpdater(Rfc2136Config config) {
    this(config, System::nanoTime);
  }

  /**
   * @param nanoTicker monotonic nanoseconds, used to bound {@link #verify} polling
   */
  public Rfc2136DnsUpdater(Rfc2136Config config, LongSupplier nanoTicker) {
    this.config = config;
    this.nanoTicker = nanoTicker;
    try {
      this.serverAddress =
          new InetSocketAddress(InetAddress.getByName(config.server()), config.port());
    } catch (UnknownHostException e) {
      throw new ConfigException("rfc2136.server: cannot resolve " + config.server(), e);
    }
  }

  @Override
  public String provider() {
    return "rfc2136";
  }

  @Override
  public Optional<DnsRecord> observe(String zone, String name, String type) {
    Name zoneName = absolute(zone, Name.root);
    Name owner = absolute(name, zoneName);
    int rrType = type(type);
    List<Record> answer = query(zoneName, owner, rrType);
    if (answer.isEmpty()) {
      return Optional.empty();
    }
    long ttl = answer.get(0).getTTL();
    List<String> values = answer.stream().map(Rfc2136DnsUpdater::presentation).sorted().toList();
    return Optional.of(
        new DnsRecord(zoneName.toString(), owner.toString(), Type.string(rrType), ttl, values));
  }

  /** Reads the epoch marker of a record set, if Tandem ever wrote one. */
  public Optional<EpochMarker> observeEpoch(String zone, String name) {
    Name zoneName = absolute(zone, Name.root);
    return readMarker(zoneName, markerName(absolute(name, zoneName)))
        .flatMap(r -> EpochMarker.parse(r.rdataToString()));
  }

  @Override
  public DnsRecord replace(Optional<DnsRecord> expected, DnsRecord desired, FencingToken token) {
    Name zoneName = absolute(desired.zone(), Name.root);
    Name owner = absolute(desired.name(), zoneName);
    int rrType = type(desired.type());
    if (expected.isPresent()
        && (!absolute(expected.get().name(), zoneName).equals(owner)
            || type(expected.get().type()) != rrType)) {
      throw new ConfigException(
          "dns: expected record " + expected.get().name() + " does not match " + desired.name());
    }
    String resource = Type.string(rrType) + " " + owner + " in zone " + zoneName;
    Name marker = markerName(owner);
    Optional<Record> markerRecord = readMarker(zoneName, marker);
    long recordedEpoch = markerEpoch(markerRecord);
    if (!token.mayOverwrite(recordedEpoch)) {
      throw new StaleEpochException(resource, token.epoch(), recordedEpoch);
    }
    List<Record> wanted = records(owner, rrType, desired.ttl(), desired.values(), zoneName);
    Optional<DnsRecord> current = observe(zoneName.toString(), owner.toString(), desired.type());
    boolean alreadyThere =
        current.isPresent()
            && rdataSet(current.get().values(), owner, rrType, zoneName).equals(rdataSet(wanted))
            && current.get().ttl() == desired.ttl();

    Update update = new Update(zoneName);
    if (alreadyThere) {
      // Idempotent: the record set is already what we want. Only bring the marker up to date.
      if (recordedEpoch == token.epoch()) {
        return current.get();
      }
      for (Record r : wanted) {
        update.present(withTtl(r, 0));
      }
    } else if (expected.isEmpty()) {
      update.absent(owner, rrType);
    } else {
      for (Record r : records(owner, rrType, 0, expected.get().values(), zoneName)) {
        update.present(r);
      }
    }
    if (markerRecord.isPresent()) {
      update.present(withTtl(markerRecord.get(), 0));
    } else {
      update.absent(marker, Type.TXT);
    }
    if (!alreadyThere) {
      update.delete(owner, rrType);
      for (Record r : wanted) {
        update.add(r);
      }
    }
    update.delete(marker, Type.TXT);
    update.add(new TXTRecord(marker, DClass.IN, desired.ttl(), EpochMarker.of(token).text()));

    Message response = sendUpdate(update, resource);
    int rcode = rcodeOf(response);
    switch (rcode) {
      case Rcode.NOERROR -> {
        if (!response.isVerified()) {
          throw new ProtocolException(
              "dns: update of " + resource + " answered NOERROR without a valid TSIG signature");
        }
        return observe(zoneName.toString(), owner.toString(), desired.type())
            .orElseThrow(
                () ->
                    new ProtocolException(
                        "dns: update of " + resource + " succeeded but the record is absent"));
      }
      case Rcode.NXRRSET, Rcode.YXRRSET, Rcode.NXDOMAIN, Rcode.YXDOMAIN -> {
        Optional<Record> markerNow = readMarker(zoneName, marker);
        Optional<DnsRecord> now = observe(zoneName.toString(), owner.toString(), desired.type());
        boolean ours =
            now.isPresent()
                && rdataSet(now.get().values(), owner, rrType, zoneName).equals(rdataSet(wanted))
                && now.get().ttl() == desired.ttl()
                && markerNow
                    .flatMap(r -> EpochMarker.parse(r.rdataToString()))
                    .filter(m -> m.equals(EpochMarker.of(token)))
                    .isPresent();
        if (ours) {
          // The prerequisites failed because an earlier send of this very update was applied
          // (its answer was lost and the message was sent again): that is success.
          return now.get();
        }
        long nowRecorded = markerEpoch(markerNow);
        if (!token.mayOverwrite(nowRecorded)) {
          throw new StaleEpochException(resource, token.epoch(), nowRecorded);
        }
        throw new ConflictException(
            "dns: "
                + resource
                + " changed since it was observed (server answered "
                + Rcode.string(rcode)
                + "); expected "
                + expected.map(DnsRecord::values).map(Object::toString).orElse("no record")
                + ", now "
                + observe(zoneName.toString(), owner.toString(), desired.type())
                    .map(DnsRecord::values)
                    .map(Object::toString)
                    .orElse("no record"));
      }
      case Rcode.NOTAUTH, Rcode.REFUSED, Rcode.BADSIG, Rcode.BADKEY, Rcode.BADTIME ->
          throw new PermissionException(
              "dns: server "
                  + config.server()
                  + ":"
                  + config.port()
                  + " refused the update of "
                  + resource
                  + " signed with TSIG key "
                  + config.tsigKeyName()
                  + " ("
                  + describe(response)
                  + "): check that the key and secret match and the zone allows updates by it");
      case Rcode.NOTZONE ->
          throw new ConfigException("dns: " + owner + " is not inside zone " + zoneName);
      case Rcode.SERVFAIL ->
          throw new TransientException("dns: server failed the update of " + resource);
      default ->
          throw new ProtocolException(
              "dns: unexpected answer " + describe(response) + " to the update of " + resource);
    }
  }

  @Override
  public boolean verify(DnsRecord desired) {
    Name zoneName = absolute(desired.zone(), Name.root);
    Name owner = absolute(desired.name(), zoneName);
    int rrType = type(desired.type());
    Set<String> want = rdataSet(desired.values(), owner, rrType, zoneName);
    long deadline = nanoTicker.getAsLong() + config.verifyTimeout().toNanos();
    // Bounded by the deadline; each query has its own timeout.
    while (true) {
      try {
        Set<String> seen =
            new TreeSet<>(
                query(zoneName, owner, rrType).stream()
                    .map(Rfc2136DnsUpdater::presentation)
                    .toList());
        if (seen.equals(want)) {
          return true;
        }
      } catch (TransientException e) {
        // keep polling until the deadline: the server may be restarting
      }
      if (nanoTicker.getAsLong() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(config.verifyInterval().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  // --- internals -------------------------------------------------------------------------------

  private List<Record> query(Name zone, Name owner, int rrType) {
    Message q = Message.newQuery(Record.newRecord(owner, rrType, DClass.IN));
    q.getHeader().unsetFlag(Flags.RD); // ask the authority itself, never a recursive answer
    Message response = send(q, false);
    int rcode = rcodeOf(response);
    if (rcode == Rcode.NXDOMAIN) {
      return List.of();
    }
    if (rcode == Rcode.REFUSED || rcode == Rcode.NOTAUTH) {
      throw new PermissionException(
          "dns: server " + config.server() + " refused a query for " + owner);
    }
    if (rcode == Rcode.SERVFAIL) {
      throw new TransientException("dns: server failed a query for " + owner);
    }
    if (rcode != Rcode.NOERROR) {
      throw new ProtocolException("dns: unexpected answer " + describe(response) + " for " + owner);
    }
    if (!response.getHeader().getFlag(Flags.AA)) {
      throw new ConfigException(
          "dns: server " + config.server() + " is not authoritative for zone " + zone);
    }
    List<Record> out = new ArrayList<>();
    for (Record r : response.getSection(Section.ANSWER)) {
      if (r.getType() == rrType && r.getName().equals(owner)) {
        out.add(r);
      }
    }
    return out;
  }

  private Optional<Record> readMarker(Name zone, Name marker) {
    List<Record> records = query(zone, marker, Type.TXT);
    return records.isEmpty() ? Optional.empty() : Optional.of(records.get(0));
  }

  private static long markerEpoch(Optional<Record> marker) {
    return marker
        .flatMap(r -> EpochMarker.parse(r.rdataToString()))
        .map(EpochMarker::epoch)
        .orElse(0L);
  }

  /**
   * Sends a signed update; when no answer comes (timeout, connection lost) sends it once more, as
   * {@code nsupdate} retries. If the first copy was applied, the second meets failed prerequisites,
   * which {@link #replace} recognises as its own earlier write.
   */
  private Message sendUpdate(Update update, String resource) {
    try {
      return send(update, true);
    } catch (TransientException first) {
      LOG.info(
          "dns: no answer to the update of {} ({}); sending it once more",
          resource,
          first.getMessage());
      return send(update, true);
    }
  }

  private Message send(Message message, boolean signed) {
    SimpleResolver resolver = new SimpleResolver(serverAddress);
    resolver.setTCP(config.tcp());
    resolver.setTimeout(config.timeout());
    if (signed) {
      resolver.setTSIGKey(
          new TSIG(
              TSIG.algorithmToName(config.tsigAlgorithm()),
              config.tsigKeyName(),
              config.tsigSecret()));
    }
    try {
      return resolver.send(message);
    } catch (IOException e) {
      throw new TransientException(
          "dns: no answer from "
              + config.server()
              + ":"
              + config.port()
              + " within "
              + config.timeout().toMillis()
              + " ms ("
              + e.getClass().getSimpleName()
              + ")",
          e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("rfc2136: bad TSIG key " + config.tsigKeyName(), e);
    }
  }

  /** The response code, preferring the TSIG error (BADSIG, BADKEY, BADTIME) when there is one. */
  private static int rcodeOf(Message response) {
    TSIGRecord tsig = response.getTSIG();
    if (tsig != null && tsig.getError() != Rcode.NOERROR) {
      return tsig.getError();
    }
    return response.getRcode();
  }

  private static String describe(Message response) {
    TSIGRecord tsig = response.getTSIG();
    String rcode = Rcode.string(response.getRcode());
    if (tsig != null && tsig.getError() != Rcode.NOERROR) {
      return rcode + "/" + Rcode.TSIGstring(tsig.getError());
    }
    return rcode;
  }

  static Name markerName(Name owner) {
    try {
      return Name.concatenate(Name.fromConstantString(EpochMarker.LABEL), owner);
    } catch (org.xbill.DNS.NameTooLongException e) {
      throw new ConfigException("dns: name too long for an epoch marker: " + owner, e);
    }
  }

  private static Name absolute(String name, Name origin) {
    try {
      return Name.fromString(name, origin);
    } catch (TextParseException e) {
      throw new ConfigException("dns: invalid name '" + name + "'", e);
    }
  }

  private static int type(String type) {
    int value = Type.value(type.toUpperCase());
    if (value < 0) {
      throw new ConfigException("dns: unknown record type '" + type + "'");
    }
    return value;
  }

  private static List<Record> records(
      Name owner, int rrType, long ttl, List<String> values, Name origin) {
    if (values.isEmpty()) {
      throw new ConfigException("dns: record " + owner + " needs at least one value");
    }
    List<Record> out = new ArrayList<>();
    for (String v : values) {
      try {
        out.add(Record.fromString(owner, rrType, DClass.IN, ttl, v, origin));
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(
            "dns: value '" + v + "' is not valid " + Type.string(rrType) + " data", e);
      }
    }
    return out;
  }

  private static Set<String> rdataSet(List<String> values, Name owner, int rrType, Name origin) {
    return rdataSet(records(owner, rrType, 0, values, origin));
  }

  private static Set<String> rdataSet(List<Record> records) {
    Set<String> out = new TreeSet<>();
    records.forEach(r -> out.add(presentation(r)));
    return out;
  }

  private static Record withTtl(Record r, long ttl) {
    return Record.newRecord(r.getName(), r.getType(), r.getDClass(), ttl, r.rdataToWireCanonical());
  }

  /**
   * Record data in presentation format; IPv6 addresses in the RFC 5952 short form that operators
   * write ({@code 2001:db8::20}), where dnsjava prints every group.
   */
  static String presentation(Record r) {
    if (r instanceof AAAARecord aaaa) {
      return compressIpv6(aaaa.getAddress().getHostAddress());
    }
    return r.rdataToString();
  }

  static String compressIpv6(String full) {
    String[] groups = full.split(":");
    int bestStart = -1;
    int bestLen = 1; // RFC 5952: never compress a single zero group
    for (int i = 0; i < groups.length; ) {
      int j = i;
      while (j < groups.length && groups[j].matches("0+")) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < groups.length; i++) {
      if (i == bestStart) {
        out.append(i == 0 ? "::" : ":");
        i += bestLen - 1;
        continue;
      }
      out.append(groups[i].replaceFirst("^0+(?=.)", ""));
      if (i < groups.length - 1) {
        out.append(':');
      }
    }
    return out.toString();
  }
}
