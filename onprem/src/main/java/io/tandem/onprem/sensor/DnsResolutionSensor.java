package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;

/**
 * Kind {@code dns-resolution}: the configured resolver answers a query for a name (for example the
 * carrier's SIP domain) within the timeout, optionally with an expected value. A PBX whose resolver
 * fails cannot reach trunks registered by name. Value: round-trip time in ms.
 */
public final class DnsResolutionSensor extends BaseSensor {

  private final InetSocketAddress resolver;
  private final Name name;
  private final int type;
  private final Set<String> expect;

  public DnsResolutionSensor(
      SensorSpec spec,
      SensorContext context,
      InetSocketAddress resolver,
      Name name,
      int type,
      List<String> expect) {
    super(spec, context);
    this.resolver = resolver;
    this.name = name;
    this.type = type;
    this.expect = new TreeSet<>(expect);
  }

  @Override
  protected SensorReading measure() {
    SimpleResolver r = new SimpleResolver(resolver);
    r.setTimeout(spec.timeout());
    long t0 = context.nanoTicker().getAsLong();
    Message answer;
    try {
      answer = r.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
    } catch (IOException e) {
      return reading(
          SensorStatus.FAIL, Double.NaN, "ms", "no answer from " + resolver + " for " + name);
    }
    double ms = (context.nanoTicker().getAsLong() - t0) / 1e6;
    if (answer.getRcode() != Rcode.NOERROR) {
      return reading(SensorStatus.FAIL, ms, "ms", name + ": " + Rcode.string(answer.getRcode()));
    }
    Set<String> seen = new TreeSet<>();
    for (Record rec : answer.getSection(Section.ANSWER)) {
      if (rec.getType() == type) {
        seen.add(rec.rdataToString());
      }
    }
    if (seen.isEmpty()) {
      return reading(SensorStatus.FAIL, ms, "ms", name + ": no records");
    }
    if (!expect.isEmpty() && !seen.containsAll(expect)) {
      return reading(SensorStatus.FAIL, ms, "ms", name + " is " + seen + ", expected " + expect);
    }
    return reading(
        SensorStatus.OK,
        ms,
        "ms",
        String.format(Locale.ROOT, "%s is %s (%.1f ms)", name, seen, ms));
  }
}
