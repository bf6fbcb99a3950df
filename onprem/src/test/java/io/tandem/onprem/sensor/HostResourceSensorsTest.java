package io.tandem.onprem.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cpu-load, memory, swap, open-files: fixtures in /proc format. */
class HostResourceSensorsTest {

  @TempDir Path root;
  Fixture fx;

  @BeforeEach
  void setUp() {
    fx = new Fixture(root);
  }

  private static String cpuinfo(int cpus) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cpus; i++) {
      b.append("processor\t: ").append(i).append("\nmodel name\t: Test CPU\n\n");
    }
    return b.toString();
  }

  private static final String MEMINFO =
      """
      MemTotal:        8000000 kB
      MemFree:          500000 kB
      MemAvailable:    2000000 kB
      SwapTotal:       1000000 kB
      SwapFree:         400000 kB
      """;

  @Test
  void cpuLoadJudgesLoadPerCpu() {
    fx.file("proc/loadavg", "6.00 3.10 2.00 2/345 6789\n").file("proc/cpuinfo", cpuinfo(4));
    SensorReading r =
        new CpuLoadSensor(Fixture.spec("cpu-load"), fx.context(), new Thresholds(1.0, 2.0)).read();
    assertThat(r.status()).isEqualTo(SensorStatus.WARN);
    assertThat(r.value()).isEqualTo(1.5);
    assertThat(r.detail()).contains("4 CPUs");
  }

  @Test
  void cpuLoadWithAMissingFileIsAFailNotAnException() {
    SensorReading r =
        new CpuLoadSensor(Fixture.spec("cpu-load"), fx.context(), new Thresholds(1.0, 2.0)).read();
    assertThat(r.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(r.detail()).contains("loadavg");
  }

  @Test
  void memoryUsesMemAvailable() {
    fx.file("proc/meminfo", MEMINFO);
    SensorReading r =
        new MemorySensor(Fixture.spec("memory"), fx.context(), new Thresholds(70, 90)).read();
    assertThat(r.value()).isEqualTo(75.0);
    assertThat(r.status()).isEqualTo(SensorStatus.WARN);
    SensorReading fail =
        new MemorySensor(Fixture.spec("memory"), fx.context(), new Thresholds(50, 60)).read();
    assertThat(fail.status()).isEqualTo(SensorStatus.FAIL);
  }

  @Test
  void swapInUseAndNoSwapAtAll() {
    fx.file("proc/meminfo", MEMINFO);
    SwapSensor s = new SwapSensor(Fixture.spec("swap"), fx.context(), new Thresholds(50, 90));
    assertThat(s.read().value()).isEqualTo(60.0);
    assertThat(s.read().status()).isEqualTo(SensorStatus.WARN);

    fx.file(
        "proc/meminfo", "MemTotal: 100 kB\nMemAvailable: 50 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n");
    assertThat(s.read().status()).isEqualTo(SensorStatus.OK);
    assertThat(s.read().detail()).contains("no swap");
  }

  @Test
  void openFilesAsPercentOfTheLimit() {
    fx.file("proc/sys/fs/file-nr", "9600\t0\t10000\n");
    SensorReading r =
        new OpenFilesSensor(Fixture.spec("open-files"), fx.context(), new Thresholds(80, 95))
            .read();
    assertThat(r.value()).isEqualTo(96.0);
    assertThat(r.status()).isEqualTo(SensorStatus.FAIL);
    fx.file("proc/sys/fs/file-nr", "2000\t0\t10000\n");
    assertThat(
            new OpenFilesSensor(Fixture.spec("open-files"), fx.context(), new Thresholds(80, 95))
                .read()
                .status())
        .isEqualTo(SensorStatus.OK);
  }
}
