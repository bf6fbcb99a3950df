package io.tandem.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@Etcd
class EtcdPeerTest {

  private static final ByteSequence KEY = ByteSequence.from("/tandem/test/holder", UTF_8);

  private Client client;

  @BeforeEach
  void connect(EtcdPeer etcd) {
    client = Client.builder().endpoints(etcd.endpoint()).build();
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  private GetResponse get(KV kv) throws InterruptedException, ExecutionException, TimeoutException {
    return kv.get(KEY).get(5, TimeUnit.SECONDS);
  }

  @Test
  void aLeaseThatIsNotKeptAliveExpiresAndTakesItsKey() throws Exception {
    long lease = client.getLeaseClient().grant(1).get(5, TimeUnit.SECONDS).getID();
    KV kv = client.getKVClient();
    kv.put(KEY, ByteSequence.from("site-a", UTF_8), PutOption.builder().withLeaseId(lease).build())
        .get(5, TimeUnit.SECONDS);
    assertThat(get(kv).getCount()).isEqualTo(1);

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(get(kv).getCount()).isZero());
    assertThat(
            client
                .getLeaseClient()
                .timeToLive(lease, io.etcd.jetcd.options.LeaseOption.DEFAULT)
                .get(5, TimeUnit.SECONDS)
                .getTTL())
        .isEqualTo(-1);
  }

  @Test
  void dataSurvivesAStopAndStartOnTheSamePorts(EtcdPeer etcd) throws Exception {
    ByteSequence key = ByteSequence.from("/tandem/test/durable", UTF_8);
    client.getKVClient().put(key, ByteSequence.from("epoch-7", UTF_8)).get(5, TimeUnit.SECONDS);

    etcd.restart();

    try (Client fresh = Client.builder().endpoints(etcd.endpoint()).build()) {
      GetResponse response = fresh.getKVClient().get(key).get(10, TimeUnit.SECONDS);
      assertThat(response.getKvs())
          .singleElement()
          .extracting(kv -> kv.getValue().toString(UTF_8))
          .isEqualTo("epoch-7");
    }
  }
}
