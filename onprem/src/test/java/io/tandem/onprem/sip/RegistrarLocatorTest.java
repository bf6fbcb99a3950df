package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ResourceNotFoundException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.NAPTRRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;

/**
 * RFC 3263 ordering against an in-memory dnsjava resolver (the wire side of DNS is exercised by the
 * RFC 2136 adapter's BIND tests; here only the selection logic matters).
 */
class RegistrarLocatorTest {

  private final ZoneResolver dns = new ZoneResolver();
  private final RegistrarLocator locator = new RegistrarLocator(dns);

  @Test
  void naptrThenSrvThenAInOrderAndPreference() throws Exception {
    dns.add(naptr("carrier.test.", 20, 10, "SIP+D2U", "_sip._udp.carrier.test."));
    dns.add(naptr("carrier.test.", 10, 10, "SIP+D2T", "_sip._tcp.carrier.test."));
    dns.add(naptr("carrier.test.", 10, 5, "SIPS+D2T", "_sips._tcp.carrier.test."));
    dns.add(srv("_sip._tcp.carrier.test.", 10, 0, 5080, "b.carrier.test."));
    dns.add(srv("_sip._tcp.carrier.test.", 5, 0, 5070, "a.carrier.test."));
    dns.add(srv("_sip._udp.carrier.test.", 1, 0, 5060, "a.carrier.test."));
    dns.add(a("a.carrier.test.", "192.0.2.1"));
    dns.add(a("b.carrier.test.", "192.0.2.2"));

    List<SipTarget> targets = locator.locate("carrier.test", Optional.empty());

    assertThat(targets)
        .containsExactly(
            new SipTarget("192.0.2.1", 5070, "tcp"),
            new SipTarget("192.0.2.2", 5080, "tcp"),
            new SipTarget("192.0.2.1", 5060, "udp"));
    assertThat(locator.locate("carrier.test", Optional.of("udp")))
        .containsExactly(new SipTarget("192.0.2.1", 5060, "udp"));
  }

  @Test
  void withoutNaptrSrvPerTransportThenPlainA() throws Exception {
    dns.add(srv("_sip._udp.srv-only.test.", 1, 0, 5062, "x.srv-only.test."));
    dns.add(a("x.srv-only.test.", "192.0.2.7"));
    dns.add(a("a-only.test.", "192.0.2.9"));

    assertThat(locator.locate("srv-only.test", Optional.empty()))
        .containsExactly(new SipTarget("192.0.2.7", 5062, "udp"));
    assertThat(locator.locate("a-only.test", Optional.of("tcp")))
        .containsExactly(new SipTarget("192.0.2.9", 5060, "tcp"));
  }

  @Test
  void explicitPortOrIpSkipsDns() {
    assertThat(locator.locate("registrar.test:5090", Optional.of("tcp")))
        .containsExactly(new SipTarget("registrar.test", 5090, "tcp"));
    assertThat(locator.locate("203.0.113.5", Optional.empty()))
        .containsExactly(new SipTarget("203.0.113.5", 5060, "udp"));
    assertThat(dns.queries).isEmpty();
  }

  @Test
  void unknownNameIsNotFound() {
    assertThatThrownBy(() -> locator.locate("nowhere.test", Optional.empty()))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("nowhere.test");
  }

  private static Record naptr(String owner, int order, int pref, String service, String replacement)
      throws Exception {
    return new NAPTRRecord(
        Name.fromString(owner),
        DClass.IN,
        60,
        order,
        pref,
        "s",
        service,
        "",
        Name.fromString(replacement));
  }

  private static Record srv(String owner, int prio, int weight, int port, String target)
      throws Exception {
    return new SRVRecord(
        Name.fromString(owner), DClass.IN, 60, prio, weight, port, Name.fromString(target));
  }

  private static Record a(String owner, String ip) throws Exception {
    return new ARecord(Name.fromString(owner), DClass.IN, 60, InetAddress.getByName(ip));
  }

  /** A dnsjava {@link Resolver} answering from an in-memory record list. */
  private static final class ZoneResolver implements Resolver {
    private final Map<String, List<Record>> records = new HashMap<>();
    final List<String> queries = new ArrayList<>();

    void add(Record r) {
      records.computeIfAbsent(key(r.getName(), r.getType()), k -> new ArrayList<>()).add(r);
    }

    private static String key(Name name, int type) {
      return name.toString().toLowerCase() + "/" + type;
    }

    @Override
    public Message send(Message query) {
      Record q = query.getQuestion();
      queries.add(key(q.getName(), q.getType()));
      Message answer = new Message(query.getHeader().getID());
      answer.addRecord(q, Section.QUESTION);
      List<Record> found = records.getOrDefault(key(q.getName(), q.getType()), List.of());
      found.forEach(r -> answer.addRecord(r, Section.ANSWER));
      answer.getHeader().setRcode(Rcode.NOERROR);
      return answer;
    }

    @Override
    public void setPort(int port) {}

    @Override
    public void setTCP(boolean flag) {}

    @Override
    public void setIgnoreTruncation(boolean flag) {}

    @Override
    public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {}

    @Override
    public void setTSIGKey(TSIG key) {}

    @Override
    public void setTimeout(Duration timeout) {}
  }
}
