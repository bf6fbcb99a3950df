package io.tandem.onprem.sensor;

import static java.time.Duration.ofSeconds;

import io.tandem.core.error.ConfigException;
import io.tandem.onprem.sensor.SensorCatalog.Defaults;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** Registers the host, network, DNS, clock and database kinds. */
public final class HostSensorKinds {

  private static final List<String> THRESHOLDS = List.of("warn", "fail");

  private HostSensorKinds() {}

  private static List<String> with(List<String> base, String... more) {
    java.util.ArrayList<String> all = new java.util.ArrayList<>(base);
    all.addAll(List.of(more));
    return all;
  }

  public static void registerAll(SensorCatalog.Builder b) {
    b.register(
        "cpu-load",
        "1-minute load average per CPU (/proc/loadavg, /proc/cpuinfo)",
        new Defaults(ofSeconds(10), ofSeconds(1), false, 1),
        THRESHOLDS,
        (spec, p, ctx) -> new CpuLoadSensor(spec, ctx, p.thresholds(1.5, 3.0, 0, 1000)));
    b.register(
        "memory",
        "percent of memory in use, from MemAvailable (/proc/meminfo)",
        new Defaults(ofSeconds(10), ofSeconds(1), false, 1),
        THRESHOLDS,
        (spec, p, ctx) -> new MemorySensor(spec, ctx, p.thresholds(90, 97, 0, 100)));
    b.register(
        "swap",
        "percent of swap in use (/proc/meminfo)",
        new Defaults(ofSeconds(30), ofSeconds(1), false, 1),
        THRESHOLDS,
        (spec, p, ctx) -> new SwapSensor(spec, ctx, p.thresholds(50, 90, 0, 100)));
    b.register(
        "disk-space",
        "percent used of the fullest configured mount (all real mounts by default)",
        new Defaults(ofSeconds(30), ofSeconds(2), false, 2),
        with(THRESHOLDS, "mounts"),
        (spec, p, ctx) ->
            new DiskSpaceSensor(
                spec, ctx, p.list("mounts", List.of()), p.thresholds(85, 95, 0, 100)));
    b.register(
        "read-only-fs",
        "fails when a configured mount is mounted read-only (/proc/mounts)",
        new Defaults(ofSeconds(30), ofSeconds(1), true, 0),
        List.of("mounts"),
        (spec, p, ctx) -> new ReadOnlyFsSensor(spec, ctx, p.list("mounts", List.of("/"))));
    b.register(
        "open-files",
        "file handles in use as percent of the system limit (/proc/sys/fs/file-nr)",
        new Defaults(ofSeconds(30), ofSeconds(1), false, 1),
        THRESHOLDS,
        (spec, p, ctx) -> new OpenFilesSensor(spec, ctx, p.thresholds(80, 95, 0, 100)));
    b.register(
        "clock-offset",
        "clock offset from an NTP server by one SNTP exchange, ms (absolute value judged)",
        new Defaults(ofSeconds(60), ofSeconds(2), false, 1),
        with(THRESHOLDS, "server", "port"),
        (spec, p, ctx) ->
            new ClockOffsetSensor(
                spec,
                ctx,
                InetSocketAddress.createUnresolved(
                    p.string("server"), p.integer("port", 123, 1, 65535)),
                p.thresholds(100, 500, 0, 3_600_000)));
    b.register(
        "nic-link",
        "interface operstate up and carrier 1 (/sys/class/net/<if>)",
        new Defaults(ofSeconds(5), ofSeconds(1), true, 0),
        List.of("interface"),
        (spec, p, ctx) -> new NicLinkSensor(spec, ctx, p.string("interface")));
    b.register(
        "voip-address",
        "the VoIP service address is assigned to this host (optionally to one interface)",
        new Defaults(ofSeconds(5), ofSeconds(1), false, 2),
        List.of("address", "interface"),
        (spec, p, ctx) ->
            new VoipAddressSensor(
                spec, ctx, literal(spec.name(), p.string("address")), p.optional("interface")));
    b.register(
        "default-route",
        "an IPv4 default route exists (/proc/net/route), optionally via one interface",
        new Defaults(ofSeconds(10), ofSeconds(1), false, 2),
        List.of("interface"),
        (spec, p, ctx) -> new DefaultRouteSensor(spec, ctx, p.optional("interface")));
    b.register(
        "dns-resolution",
        "a resolver answers a name (optionally with expected values); value is ms",
        new Defaults(ofSeconds(30), ofSeconds(2), false, 1),
        List.of("server", "port", "name", "type", "expect"),
        (spec, p, ctx) ->
            new DnsResolutionSensor(
                spec,
                ctx,
                new InetSocketAddress(
                    literal(spec.name(), p.string("server")), p.integer("port", 53, 1, 65535)),
                dnsName(spec.name(), p.string("name")),
                dnsType(spec.name(), p.string("type", "A")),
                p.list("expect", List.of())));
    b.register(
        "process-alive",
        "at least min processes with this /proc/<pid>/comm (asterisk, freeswitch)",
        new Defaults(ofSeconds(5), ofSeconds(1), true, 0),
        List.of("name", "min"),
        (spec, p, ctx) ->
            new ProcessAliveSensor(spec, ctx, p.string("name"), p.integer("min", 1, 1, 10_000)));
    b.register(
        "port-listening",
        "a socket is bound to the SIP port (/proc/net/udp, tcp; v4 and v6)",
        new Defaults(ofSeconds(5), ofSeconds(1), true, 0),
        List.of("port", "transport"),
        (spec, p, ctx) ->
            new PortListeningSensor(
                spec,
                ctx,
                p.integer("port", 5060, 1, 65535),
                transport(spec.name(), p.string("transport", "udp"))));
    b.register(
        "sync-freshness",
        "age in seconds of the last successful sync, from a stamp file's mtime",
        new Defaults(ofSeconds(30), ofSeconds(1), false, 2),
        with(THRESHOLDS, "stamp-file"),
        (spec, p, ctx) ->
            SyncFreshnessSensor.ofStampFile(
                spec, ctx, p.string("stamp-file"), p.thresholds(600, 1800, 0, 1e9)));
    b.register(
        "db-replication-lag",
        "seconds the standby database lags the primary (PostgreSQL or MariaDB over JDBC)",
        new Defaults(ofSeconds(15), ofSeconds(3), false, 3),
        with(THRESHOLDS, "dialect", "url", "user", "password-env", "expect-replica"),
        (spec, p, ctx) ->
            new ReplicationLagSensor(
                spec,
                ctx,
                new JdbcReplicationLag(
                    dialect(spec.name(), p.string("dialect")),
                    p.string("url"),
                    p.string("user", ""),
                    p.optional("password-env").map(System::getenv).orElse(""),
                    spec.timeout()),
                p.thresholds(30, 300, 0, 1e9),
                p.bool("expect-replica", true)));
  }

  private static InetAddress literal(String sensor, String address) {
    if (!address.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      throw new ConfigException(
          "sensor " + sensor + ": expected an IP address literal, got " + address);
    }
    try {
      return InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      throw new ConfigException("sensor " + sensor + ": expected an IP address, got " + address);
    }
  }

  private static Name dnsName(String sensor, String name) {
    try {
      return Name.fromString(name.endsWith(".") ? name : name + ".");
    } catch (TextParseException e) {
      throw new ConfigException("sensor " + sensor + ": parameter 'name': not a DNS name: " + name);
    }
  }

  private static int dnsType(String sensor, String type) {
    int t = Type.value(type.toUpperCase(Locale.ROOT));
    if (t < 0) {
      throw new ConfigException(
          "sensor " + sensor + ": parameter 'type': unknown DNS type " + type);
    }
    return t;
  }

  private static PortListeningSensor.Transport transport(String sensor, String value) {
    try {
      return PortListeningSensor.Transport.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "sensor " + sensor + ": parameter 'transport': expected udp, tcp or both, got " + value);
    }
  }

  private static JdbcReplicationLag.Dialect dialect(String sensor, String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "postgresql", "postgres" -> JdbcReplicationLag.Dialect.POSTGRESQL;
      case "mariadb", "mysql" -> JdbcReplicationLag.Dialect.MARIADB;
      default ->
          throw new ConfigException(
              "sensor "
                  + sensor
                  + ": parameter 'dialect': expected postgresql or mariadb, got "
                  + value);
    };
  }
}
