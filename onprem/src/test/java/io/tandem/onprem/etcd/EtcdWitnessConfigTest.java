package io.tandem.onprem.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EtcdWitnessConfigTest {

  @Test
  void validatesAndNamesTheField() {
    assertThatThrownBy(() -> EtcdWitnessConfig.builder().build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("etcd.endpoints");
    assertThatThrownBy(() -> EtcdWitnessConfig.builder().endpoints("not a url").build())
        .hasMessageContaining("etcd.endpoints");
    assertThatThrownBy(
            () ->
                EtcdWitnessConfig.builder().endpoints("http://e:2379").keyPrefix("tandem").build())
        .hasMessageContaining("etcd.keyPrefix");
    assertThatThrownBy(
            () ->
                EtcdWitnessConfig.builder().endpoints("http://e:2379").grace(Duration.ZERO).build())
        .hasMessageContaining("etcd.grace");
  }

  @Test
  void graceIsRoundedUpToWholeSecondsAndThePasswordIsNeverPrinted() {
    EtcdWitnessConfig c =
        EtcdWitnessConfig.builder()
            .endpoints("http://e:2379")
            .grace(Duration.ofMillis(1500))
            .credentials("tandem", "hunter2")
            .build();
    assertThat(c.graceSeconds()).isEqualTo(2);
    assertThat(c.toString()).contains("tandem").doesNotContain("hunter2");
  }

  @Test
  void holderValuesRoundTrip() {
    HolderRecord h = new HolderRecord("site-a", 42, Duration.ofSeconds(6));
    assertThat(HolderRecord.decode("k", h.encode())).isEqualTo(h);
    assertThatThrownBy(() -> HolderRecord.decode("k", "garbage"))
        .hasMessageContaining("does not hold a Tandem ticket");
  }
}
