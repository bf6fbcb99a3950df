package io.tandem.onprem.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.testkit.Etcd;
import io.tandem.testkit.EtcdPeer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The etcd witness against etcd 3.4 run as etcd's security guide describes: TLS on the client port
 * with {@code --client-cert-auth}, and authentication on (a user whose role may read and write
 * {@code /tandem/} only). Every failure lands in the category whose safe action fits it: wrong
 * credentials and missing permissions are PERMISSION (stop, tell the operator), a certificate that
 * does not verify is CONFIG (nothing to retry), an unreachable etcd is TRANSIENT.
 */
@Etcd(secure = true)
class EtcdWitnessSecureTest {

  private static final Duration TTL = Duration.ofSeconds(3);

  private static EtcdWitnessConfig.Builder config(EtcdPeer etcd) {
    EtcdPeer.Security s = etcd.security().orElseThrow();
    return EtcdWitnessConfig.builder()
        .endpoints(etcd.endpoint())
        .keyPrefix("/tandem/witness/")
        .grace(Duration.ofSeconds(1))
        .callTimeout(Duration.ofSeconds(4))
        .tls(s.ca(), s.clientCertificate(), s.clientKey());
  }

  /** The first call loads gRPC and does the handshake: slow on a loaded machine. */
  private static <T> T first(java.util.concurrent.Callable<T> call) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(TransientException.class)
        .until(call, r -> true);
  }

  @Test
  void withItsCertificateAndCredentialsASiteGetsRenewsAndReleasesTheTicket(EtcdPeer etcd) {
    EtcdPeer.Security s = etcd.security().orElseThrow();
    try (EtcdWitness w =
        new EtcdWitness(config(etcd).credentials(s.user(), s.password()).build())) {
      TicketResult a = first(() -> w.acquire(TicketRequest.acquire("secure", "a", true, TTL)));
      assertThat(a.granted()).as(a.reason()).isTrue();
      long epoch = a.ticket().epoch();
      assertThat(w.renew(TicketRequest.renew("secure", "a", true, TTL, epoch)).granted()).isTrue();
      w.release("secure", "a", epoch);
      assertThat(w.observe("secure")).isEmpty();
    }
  }

  @Test
  void aWrongPasswordIsAPermissionError(EtcdPeer etcd) {
    EtcdPeer.Security s = etcd.security().orElseThrow();
    try (EtcdWitness w =
        new EtcdWitness(config(etcd).credentials(s.user(), "not-the-password").build())) {
      assertThatThrownBy(() -> first(() -> w.observe("secure")))
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("etcd refused")
          .hasMessageContaining("for user tandem")
          .hasMessageNotContaining("not-the-password");
    }
  }

  @Test
  void aUserWithoutPermissionOnThePrefixIsAPermissionError(EtcdPeer etcd) {
    EtcdPeer.Security s = etcd.security().orElseThrow();
    try (EtcdWitness w =
        new EtcdWitness(config(etcd).credentials(s.reader(), s.readerPassword()).build())) {
      assertThatThrownBy(
              () -> first(() -> w.acquire(TicketRequest.acquire("secure", "a", true, TTL))))
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("permission denied")
          .hasMessageContaining("grant the role read-write on /tandem/witness/");
      assertThat(((TandemException) catchThrowable(() -> w.observe("secure"))).category())
          .isEqualTo(TandemException.Category.PERMISSION);
    }
  }

  @Test
  void aServerCertificateFromAnotherCaIsAConfigurationError(EtcdPeer etcd) {
    EtcdPeer.Security s = etcd.security().orElseThrow();
    EtcdWitnessConfig untrusting =
        EtcdWitnessConfig.builder()
            .endpoints(etcd.endpoint())
            .callTimeout(Duration.ofSeconds(4))
            .credentials(s.user(), s.password())
            .tls(s.otherCa(), s.clientCertificate(), s.clientKey())
            .build();
    try (EtcdWitness w = new EtcdWitness(untrusting)) {
      assertThatThrownBy(() -> w.observe("secure"))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("TLS handshake failed")
          .hasMessageContaining("check the CA and client certificate");
    }
  }

  @Test
  void withoutAClientCertificateEtcdRefusesTheHandshake(EtcdPeer etcd) {
    EtcdPeer.Security s = etcd.security().orElseThrow();
    EtcdWitnessConfig noCertificate =
        EtcdWitnessConfig.builder()
            .endpoints(etcd.endpoint())
            .callTimeout(Duration.ofSeconds(4))
            .credentials(s.user(), s.password())
            .tls(s.ca(), null, null)
            .build();
    try (EtcdWitness w = new EtcdWitness(noCertificate)) {
      assertThatThrownBy(() -> w.observe("secure"))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("TLS handshake failed");
    }
  }

  @Test
  void plainHttpToTheTlsPortIsNotMistakenForAnAnswer(EtcdPeer etcd) {
    EtcdPeer.Security s = etcd.security().orElseThrow();
    try (EtcdWitness w =
        new EtcdWitness(
            EtcdWitnessConfig.builder()
                .endpoints(etcd.endpoint().replace("https://", "http://"))
                .callTimeout(Duration.ofSeconds(2))
                .credentials(s.user(), s.password())
                .build())) {
      assertThatThrownBy(() -> w.observe("secure")).isInstanceOf(TransientException.class);
    }
  }

  private static Throwable catchThrowable(Runnable r) {
    try {
      r.run();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }
}
