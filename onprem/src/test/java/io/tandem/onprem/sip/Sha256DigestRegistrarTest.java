package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.port.TrunkBinding;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.peer.KamailioPeer;
import io.tandem.testkit.Kamailio;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.SimpleResolver;

@Kamailio(digestAlgorithm = "SHA-256")
class Sha256DigestRegistrarTest {

  @Test
  void registersAgainstARegistrarOfferingSha256(KamailioPeer kamailio) throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (SipEndpoint endpoint = SipEndpoint.open("127.0.0.1", 0);
        SipTrunkRegistrar registrar =
            new SipTrunkRegistrar(
                endpoint,
                List.of(
                    SipTrunk.builder("carrier-2")
                        .domain(kamailio.domain())
                        .registrar(kamailio.host() + ":" + kamailio.sipPort())
                        .user("trunk2")
                        .password(kamailio.users().get("trunk2"))
                        .build()),
                new RegistrarLocator(new SimpleResolver("127.0.0.1")),
                Clock.systemUTC(),
                scheduler,
                token -> true)) {
      TrunkBinding binding =
          registrar.register("carrier-2", "198.51.100.40:5060", new FencingToken("c", "b", 1));

      assertThat(binding.contacts()).anyMatch(c -> c.contains("198.51.100.40:5060"));
      assertThat(kamailio.contacts("sip:trunk2@tandem.test")).hasSize(1);
    } finally {
      scheduler.shutdownNow();
    }
  }
}
