package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.port.TrunkBinding;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.sim.peer.KamailioPeer;
import io.tandem.testkit.Bind9;
import io.tandem.testkit.Kamailio;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NAPTRRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Update;

/**
 * End to end: the trunk names only a domain; NAPTR → SRV → A records published in BIND (by a TSIG
 * update) lead the registrar to Kamailio, where the REGISTER lands.
 */
@Bind9
@Kamailio
class RegistrarDnsDiscoveryTest {

  @Test
  void findsTheRegistrarThroughNaptrSrvAndRegisters(Bind9Peer bind, KamailioPeer kamailio)
      throws Exception {
    Name zone = Name.fromString(bind.zone());
    Name carrier = Name.fromString("carrier", zone);
    Name srvName = Name.fromString("_sip._tcp.carrier", zone);
    Name host = Name.fromString("registrar.carrier", zone);
    SimpleResolver resolver = new SimpleResolver(bind.host());
    resolver.setPort(bind.port());
    resolver.setTimeout(Duration.ofSeconds(2));

    Update update = new Update(zone);
    update.add(new NAPTRRecord(carrier, DClass.IN, 60, 10, 10, "s", "SIP+D2T", "", srvName));
    update.add(new SRVRecord(srvName, DClass.IN, 60, 10, 0, kamailio.sipPort(), host));
    update.add(new ARecord(host, DClass.IN, 60, InetAddress.getByName(kamailio.host())));
    SimpleResolver signed = new SimpleResolver(bind.host());
    signed.setPort(bind.port());
    signed.setTSIGKey(
        new TSIG(
            Name.fromString(bind.tsigAlgorithm() + "."),
            Name.fromString(bind.tsigKeyName()),
            bind.tsigSecret()));
    Message answer = signed.send(update);
    assertThat(Rcode.string(answer.getRcode())).isEqualTo("NOERROR");

    RegistrarLocator locator = new RegistrarLocator(resolver);
    String domain = carrier.toString(true);
    assertThat(locator.locate(domain, Optional.empty()))
        .containsExactly(new SipTarget(kamailio.host(), kamailio.sipPort(), "tcp"));

    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (SipEndpoint endpoint = SipEndpoint.open("127.0.0.1", 0);
        SipTrunkRegistrar registrar =
            new SipTrunkRegistrar(
                endpoint,
                List.of(
                    SipTrunk.builder("carrier-dns")
                        .domain(kamailio.domain())
                        .registrar(domain)
                        .user("trunk1")
                        .password(kamailio.users().get("trunk1"))
                        .build()),
                locator,
                Clock.systemUTC(),
                scheduler,
                token -> true)) {
      TrunkBinding binding =
          registrar.register("carrier-dns", "198.51.100.60:5060", new FencingToken("c", "b", 1));

      assertThat(binding.contacts()).anyMatch(c -> c.contains("198.51.100.60:5060"));
      assertThat(kamailio.contacts("sip:trunk1@tandem.test"))
          .anyMatch(c -> c.contains("198.51.100.60"));
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void movesToTheNextSrvTargetWhenTheFirstDoesNotAnswer(Bind9Peer bind, KamailioPeer kamailio)
      throws Exception {
    try (java.net.DatagramSocket silent =
        new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.1", 0))) {
      Name zone = Name.fromString(bind.zone());
      Name srvName = Name.fromString("_sip._udp.carrier2", zone);
      Name host = Name.fromString("registrar.carrier2", zone);
      Update update = new Update(zone);
      update.add(new SRVRecord(srvName, DClass.IN, 60, 10, 0, silent.getLocalPort(), host));
      update.add(new SRVRecord(srvName, DClass.IN, 60, 20, 0, kamailio.sipPort(), host));
      update.add(new ARecord(host, DClass.IN, 60, InetAddress.getByName(kamailio.host())));
      assertThat(Rcode.string(signedResolver(bind).send(update).getRcode())).isEqualTo("NOERROR");
      SimpleResolver resolver = new SimpleResolver(bind.host());
      resolver.setPort(bind.port());
      String domain = Name.fromString("carrier2", zone).toString(true);

      ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
      try (SipEndpoint endpoint = SipEndpoint.open("127.0.0.1", 0);
          SipTrunkRegistrar registrar =
              new SipTrunkRegistrar(
                  endpoint,
                  List.of(
                      SipTrunk.builder("carrier-srv")
                          .domain(kamailio.domain())
                          .registrar(domain)
                          .transport("udp")
                          .user("trunk2")
                          .password(kamailio.users().get("trunk2"))
                          .requestTimeout(Duration.ofMillis(400))
                          .build()),
                  new RegistrarLocator(resolver),
                  Clock.systemUTC(),
                  scheduler,
                  token -> true)) {
        TrunkBinding binding =
            registrar.register("carrier-srv", "198.51.100.61:5060", new FencingToken("c", "b", 1));

        assertThat(binding.contacts()).anyMatch(c -> c.contains("198.51.100.61:5060"));
        // and the first (priority 10) target really was tried first
        java.net.DatagramPacket packet = new java.net.DatagramPacket(new byte[4096], 4096);
        silent.setSoTimeout(2000);
        silent.receive(packet);
        assertThat(new String(packet.getData(), 0, packet.getLength(), "UTF-8"))
            .startsWith("REGISTER sip:tandem.test");
      } finally {
        scheduler.shutdownNow();
      }
    }
  }

  private static SimpleResolver signedResolver(Bind9Peer bind) throws Exception {
    SimpleResolver signed = new SimpleResolver(bind.host());
    signed.setPort(bind.port());
    signed.setTSIGKey(
        new TSIG(
            Name.fromString(bind.tsigAlgorithm() + "."),
            Name.fromString(bind.tsigKeyName()),
            bind.tsigSecret()));
    return signed;
  }
}
