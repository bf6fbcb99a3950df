package io.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.sim.peer.Bind9Peer;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

@Bind9
class Bind9PeerTest {

  private final Bind9Peer bind;
  private final Name zone;

  Bind9PeerTest(Bind9Peer bind) throws IOException {
    this.bind = bind;
    this.zone = Name.fromString(bind.zone());
  }

  private SimpleResolver resolver(TSIG tsig) throws IOException {
    SimpleResolver resolver = new SimpleResolver(bind.host());
    resolver.setPort(bind.port());
    resolver.setTimeout(Duration.ofSeconds(5));
    resolver.setTCP(true);
    if (tsig != null) {
      resolver.setTSIGKey(tsig);
    }
    return resolver;
  }

  private TSIG key() {
    return new TSIG(
        Name.fromConstantString(bind.tsigAlgorithm() + "."),
        Name.fromConstantString(bind.tsigKeyName()),
        bind.tsigSecret());
  }

  private Message query(String name, int type) throws IOException {
    Record question = Record.newRecord(Name.fromString(name), type, DClass.IN);
    return resolver(null).send(Message.newQuery(question));
  }

  private long serial() throws IOException {
    return ((SOARecord) query(bind.zone(), Type.SOA).getSection(Section.ANSWER).get(0)).getSerial();
  }

  @Test
  void servesTheTestZone() throws IOException {
    Message answer = query("sip.tandem.test.", Type.A);

    assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(answer.getSection(Section.ANSWER))
        .singleElement()
        .extracting(r -> ((ARecord) r).getAddress().getHostAddress())
        .isEqualTo("192.0.2.10");
  }

  @Test
  void tsigSignedUpdateChangesTheRecordAndGrowsTheSerial() throws IOException {
    long before = serial();
    Update update = new Update(zone);
    update.replace(Name.fromString("sip", zone), Type.A, 60, "198.51.100.7");

    Message response = resolver(key()).send(update);

    assertThat(Rcode.string(response.getRcode())).isEqualTo("NOERROR");
    assertThat(query("sip.tandem.test.", Type.A).getSection(Section.ANSWER))
        .singleElement()
        .extracting(r -> ((ARecord) r).getAddress().getHostAddress())
        .isEqualTo("198.51.100.7");
    assertThat(serial()).isGreaterThan(before);
  }

  @Test
  void unsignedUpdateIsRefused() throws IOException {
    long before = serial();
    Update update = new Update(zone);
    update.replace(Name.fromString("rogue", zone), Type.A, 60, "203.0.113.66");

    Message response = resolver(null).send(update);

    assertThat(Rcode.string(response.getRcode())).isEqualTo("REFUSED");
    assertThat(query("rogue.tandem.test.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(serial()).isEqualTo(before);
  }

  @Test
  void updateSignedWithAWrongSecretIsRejected() throws IOException {
    TSIG wrong =
        new TSIG(
            Name.fromConstantString(bind.tsigAlgorithm() + "."),
            Name.fromConstantString(bind.tsigKeyName()),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    Update update = new Update(zone);
    update.replace(Name.fromString("rogue", zone), Type.A, 60, "203.0.113.66");

    Message response = resolver(wrong).send(update);

    assertThat(Rcode.string(response.getRcode())).isEqualTo("NOTAUTH");
    assertThat(bind.toString()).doesNotContain(bind.tsigSecret());
  }
}
