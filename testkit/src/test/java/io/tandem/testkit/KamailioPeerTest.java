package io.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.sim.peer.KamailioPeer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@Kamailio
class KamailioPeerTest {

  private final KamailioPeer kamailio;

  KamailioPeerTest(KamailioPeer kamailio) {
    this.kamailio = kamailio;
  }

  @BeforeEach
  void clearBindings() {
    kamailio.clearLocation("sip:trunk1@tandem.test");
    kamailio.clearLocation("sip:trunk2@tandem.test");
  }

  private String registrarUri() {
    return "sip:" + kamailio.host() + ":" + kamailio.sipPort();
  }

  @Test
  void registerWithTheRightPasswordIsAcceptedAndBound() {
    try (SipTestClient client = new SipTestClient("udp", kamailio.host(), kamailio.sipPort())) {
      SipTestClient.Response response =
          client.register(registrarUri(), kamailio.domain(), "trunk1", "secret1");

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("Contact")).contains("sip:trunk1@127.0.0.1");
    }
    assertThat(kamailio.contacts("sip:trunk1@tandem.test"))
        .singleElement()
        .asString()
        .startsWith("sip:trunk1@127.0.0.1:");
    assertThat(kamailio.locationDump()).contains("trunk1");
  }

  @Test
  void registerWithTheWrongPasswordIsRefusedAndNotBound() {
    try (SipTestClient client = new SipTestClient("udp", kamailio.host(), kamailio.sipPort())) {
      SipTestClient.Response response =
          client.register(registrarUri(), kamailio.domain(), "trunk2", "not-the-password");

      assertThat(response.status()).isEqualTo(403);
    }
    assertThat(kamailio.contacts("sip:trunk2@tandem.test")).isEmpty();
  }

  @Test
  void registerOverTcpToAnyRequestUriHost() {
    try (SipTestClient client = new SipTestClient("tcp", kamailio.host(), kamailio.sipPort())) {
      SipTestClient.Response response =
          client.register(
              "sip:trunk2@" + kamailio.host() + ":" + kamailio.sipPort(),
              kamailio.domain(),
              "trunk2",
              "secret2");

      assertThat(response.status()).isEqualTo(200);
    }
    assertThat(kamailio.contacts("trunk2")).singleElement().asString().contains("transport=tcp");
  }

  @Test
  void usersAddedAtRunTimeCanRegisterAndBindingsCanBeCleared() {
    kamailio.addUser("carrier9", "fresh-secret");
    try (SipTestClient client = new SipTestClient("udp", kamailio.host(), kamailio.sipPort())) {
      assertThat(client.register(registrarUri(), kamailio.domain(), "carrier9", "fresh-secret"))
          .extracting(SipTestClient.Response::status)
          .isEqualTo(200);
    }
    assertThat(kamailio.users()).containsEntry("carrier9", "fresh-secret");
    assertThat(kamailio.contacts("sip:carrier9@tandem.test")).hasSize(1);

    kamailio.clearLocation("sip:carrier9@tandem.test");

    assertThat(kamailio.contacts("sip:carrier9@tandem.test")).isEmpty();
  }

  @Test
  void answersOptionsWith200OverUdpAndTcp() {
    for (String transport : new String[] {"udp", "tcp"}) {
      try (SipTestClient client =
          new SipTestClient(transport, kamailio.host(), kamailio.sipPort())) {
        assertThat(client.options(registrarUri()).status()).as(transport).isEqualTo(200);
      }
    }
  }

  @Nested
  class InANestedClass {
    @Test
    void theOuterPeerIsShared(KamailioPeer nested) {
      assertThat(nested).isSameAs(kamailio);
    }
  }

  @Kamailio(digestAlgorithm = "SHA-256", users = "sha:sha-secret")
  @Nested
  class WithSha256Digest {
    @Test
    void challengesWithSha256AndAcceptsTheRightPassword(KamailioPeer sha) {
      try (SipTestClient client = new SipTestClient("udp", sha.host(), sha.sipPort())) {
        SipTestClient.Response response =
            client.register(
                "sip:" + sha.host() + ":" + sha.sipPort(), sha.domain(), "sha", "sha-secret");
        assertThat(response.status()).isEqualTo(200);
      }
    }
  }
}
