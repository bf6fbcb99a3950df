package io.tandem.onprem.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** disk-space and read-only-fs. */
class FileSystemSensorsTest {

  private static final String MOUNTS =
      """
      sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
      proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
      /dev/sda1 / ext4 rw,relatime 0 0
      tmpfs /run tmpfs rw,nosuid,nodev 0 0
      /dev/sdb1 /var/spool/asterisk xfs rw,relatime 0 0
      /dev/sdc1 /mnt/back\\040up ext4 ro,relatime 0 0
      """;

  @TempDir Path root;
  Fixture fx;

  @BeforeEach
  void setUp() {
    fx = new Fixture(root).file("proc/mounts", MOUNTS);
    fx.space.put("/", new SensorContext.Space(100, 50));
    fx.space.put("/var/spool/asterisk", new SensorContext.Space(1000, 80));
    fx.space.put("/mnt/back up", new SensorContext.Space(100, 90));
  }

  @Test
  void diskSpaceReportsTheFullestRealMount() {
    SensorReading r =
        new DiskSpaceSensor(
                Fixture.spec("disk-space"), fx.context(), List.of(), new Thresholds(85, 95))
            .read();
    assertThat(r.value()).isEqualTo(92.0);
    assertThat(r.status()).isEqualTo(SensorStatus.WARN);
    assertThat(r.detail()).contains("/var/spool/asterisk").contains("of 3");
  }

  @Test
  void diskSpaceOfOneConfiguredMount() {
    SensorReading r =
        new DiskSpaceSensor(
                Fixture.spec("disk-space"), fx.context(), List.of("/"), new Thresholds(85, 95))
            .read();
    assertThat(r.value()).isEqualTo(50.0);
    assertThat(r.status()).isEqualTo(SensorStatus.OK);
  }

  @Test
  void readOnlyMountsFail() {
    ReadOnlyFsSensor ok =
        new ReadOnlyFsSensor(
            Fixture.spec("read-only-fs"), fx.context(), List.of("/", "/var/spool/asterisk"));
    assertThat(ok.read().status()).isEqualTo(SensorStatus.OK);

    SensorReading ro =
        new ReadOnlyFsSensor(
                Fixture.spec("read-only-fs"), fx.context(), List.of("/", "/mnt/back up"))
            .read();
    assertThat(ro.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(ro.detail()).contains("read-only").contains("/mnt/back up");

    SensorReading missing =
        new ReadOnlyFsSensor(Fixture.spec("read-only-fs"), fx.context(), List.of("/data")).read();
    assertThat(missing.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(missing.detail()).contains("not mounted");
  }
}
