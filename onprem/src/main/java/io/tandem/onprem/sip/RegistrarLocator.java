package io.tandem.onprem.sip;

import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TransientException;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NAPTRRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Finds a carrier's registrar the RFC 3263 way: NAPTR (SIP+D2U / SIP+D2T) → SRV → A/AAAA, else SRV
 * for {@code _sip._udp} and {@code _sip._tcp}, else A/AAAA on port 5060. An IP literal, or a name
 * with an explicit port, is used as is (RFC 3263 §4.2).
 *
 * <p>Targets come back in the order to try them: NAPTR order/preference, then SRV priority and,
 * within a priority, higher weight first (a deterministic stand-in for RFC 2782's weighted choice,
 * which matters little for one trunk's few servers).
 *
 * <p>Thread-safe if the resolver is. Every query is bounded by the resolver's timeout.
 */
public final class RegistrarLocator {

  private static final int DEFAULT_PORT = 5060;

  private final Resolver resolver;

  /**
   * @param resolver a dnsjava resolver with its timeout set (e.g. a {@code SimpleResolver})
   */
  public RegistrarLocator(Resolver resolver) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  /**
   * Resolves {@code registrar} ({@code host}, {@code host:port} or an IP literal).
   *
   * @param transport {@code udp}/{@code tcp} to restrict the search, or empty for either
   * @throws ResourceNotFoundException when DNS has no usable record
   * @throws TransientException when DNS does not answer
   */
  public List<SipTarget> locate(String registrar, Optional<String> transport) {
    Objects.requireNonNull(registrar, "registrar");
    String wanted = transport.map(t -> t.toLowerCase(Locale.ROOT)).orElse(null);
    String host = registrar;
    int colon = registrar.lastIndexOf(':');
    boolean bracketed = registrar.startsWith("[");
    if (colon > 0 && (bracketed || registrar.indexOf(':') == colon)) {
      return List.of(SipTarget.parse("registrar", registrar, wanted == null ? "udp" : wanted));
    }
    if (isIpLiteral(host)) {
      return List.of(new SipTarget(host, DEFAULT_PORT, wanted == null ? "udp" : wanted));
    }
    List<SipTarget> viaNaptr = byNaptr(host, wanted);
    if (!viaNaptr.isEmpty()) {
      return viaNaptr;
    }
    List<SipTarget> viaSrv = new ArrayList<>();
    for (String t : wanted == null ? List.of("udp", "tcp") : List.of(wanted)) {
      viaSrv.addAll(bySrv("_sip._" + t + "." + absolute(host), t));
    }
    if (!viaSrv.isEmpty()) {
      return viaSrv;
    }
    List<SipTarget> direct = new ArrayList<>();
    for (String ip : addresses(host)) {
      direct.add(new SipTarget(ip, DEFAULT_PORT, wanted == null ? "udp" : wanted));
    }
    if (direct.isEmpty()) {
      throw new ResourceNotFoundException(
          "no NAPTR, SRV or A/AAAA record for SIP registrar " + registrar);
    }
    return direct;
  }

  private List<SipTarget> byNaptr(String host, String wanted) {
    List<NAPTRRecord> records = new ArrayList<>();
    for (Record r : query(absolute(host), Type.NAPTR)) {
      if (r instanceof NAPTRRecord n
          && n.getFlags().equalsIgnoreCase("s")
          && transportOf(n.getService())
              .filter(t -> wanted == null || t.equals(wanted))
              .isPresent()) {
        records.add(n);
      }
    }
    records.sort(
        Comparator.comparingInt(NAPTRRecord::getOrder)
            .thenComparingInt(NAPTRRecord::getPreference));
    List<SipTarget> out = new ArrayList<>();
    for (NAPTRRecord n : records) {
      out.addAll(bySrv(n.getReplacement().toString(), transportOf(n.getService()).orElseThrow()));
    }
    return out;
  }

  private static Optional<String> transportOf(String service) {
    return switch (service.toUpperCase(Locale.ROOT)) {
      case "SIP+D2U" -> Optional.of("udp");
      case "SIP+D2T" -> Optional.of("tcp");
      default -> Optional.empty();
    };
  }

  private List<SipTarget> bySrv(String name, String transport) {
    List<SRVRecord> records = new ArrayList<>();
    for (Record r : query(name, Type.SRV)) {
      if (r instanceof SRVRecord s) {
        records.add(s);
      }
    }
    records.sort(
        Comparator.comparingInt(SRVRecord::getPriority)
            .thenComparing(Comparator.comparingInt(SRVRecord::getWeight).reversed()));
    List<SipTarget> out = new ArrayList<>();
    for (SRVRecord s : records) {
      if (s.getTarget().toString().equals(".")) {
        continue; // "service not available here" (RFC 2782)
      }
      for (String ip : addresses(s.getTarget().toString())) {
        out.add(new SipTarget(ip, s.getPort(), transport));
      }
    }
    return out;
  }

  private List<String> addresses(String host) {
    List<String> out = new ArrayList<>();
    for (Record r : query(absolute(host), Type.A)) {
      if (r instanceof ARecord a) {
        out.add(a.getAddress().getHostAddress());
      }
    }
    for (Record r : query(absolute(host), Type.AAAA)) {
      if (r instanceof AAAARecord a) {
        out.add(a.getAddress().getHostAddress());
      }
    }
    return out;
  }

  private List<Record> query(String name, int type) {
    Message answer;
    try {
      Record question = Record.newRecord(Name.fromString(name), type, DClass.IN);
      answer = resolver.send(Message.newQuery(question));
    } catch (TextParseException e) {
      throw new ResourceNotFoundException("not a DNS name: " + name, e);
    } catch (IOException e) {
      throw new TransientException(
          "DNS " + Type.string(type) + " query for " + name + " failed: " + e.getMessage(), e);
    }
    int rcode = answer.getRcode();
    if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
      throw new TransientException(
          "DNS " + Type.string(type) + " query for " + name + " answered " + Rcode.string(rcode));
    }
    return answer.getSection(Section.ANSWER);
  }

  private static String absolute(String name) {
    return name.endsWith(".") ? name : name + ".";
  }

  private static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    if (!host.matches("[0-9.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(host) != null;
    } catch (IOException e) {
      return false;
    }
  }
}
