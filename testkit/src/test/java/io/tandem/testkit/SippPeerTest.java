package io.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@Sipp
class SippPeerTest {

  @Test
  void answersOptionsWith200OverUdp(SippPeer sipp) {
    assertThat(sipp.transport()).isEqualTo("udp");
    try (SipTestClient client = new SipTestClient("udp", sipp.host(), sipp.port())) {
      SipTestClient.Response response = client.options("sip:" + sipp.host() + ":" + sipp.port());

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("Server")).isEqualTo("tandem-testkit-sipp");
    }
  }

  @Test
  void answersRegisterWith200AndEchoesTheContact(SippPeer sipp) {
    try (SipTestClient client = new SipTestClient("udp", sipp.host(), sipp.port())) {
      SipTestClient.Response response =
          client.register("sip:" + sipp.host() + ":" + sipp.port(), "carrier.test", "pbx", "x");

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("Contact")).startsWith("<sip:pbx@127.0.0.1:");
    }
  }

  @Nested
  @Sipp(transport = "tcp")
  class OverTcp {
    @Test
    void answersOptionsWith200OverTcp(SippPeer sipp) {
      assertThat(sipp.transport()).isEqualTo("tcp");
      try (SipTestClient client = new SipTestClient("tcp", sipp.host(), sipp.port())) {
        assertThat(client.options("sip:" + sipp.host() + ":" + sipp.port()).status())
            .isEqualTo(200);
      }
    }
  }
}
