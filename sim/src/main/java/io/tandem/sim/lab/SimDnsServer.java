package io.tandem.sim.lab;

import io.tandem.core.error.ConflictException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.witness.FencingToken;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The lab's SIMULATED authoritative DNS server: an in-memory zone served over UDP on 127.0.0.1
 * (dnsjava for the wire format), updated through the {@link DnsUpdater} port with the same
 * compare-and-set and epoch rules as the real updaters. {@link #verify} asks the server over the
 * wire, as the real updaters ask their authoritative servers. Thread-safe.
 */
public final class SimDnsServer implements DnsUpdater, AutoCloseable {

  private record Key(String name, String type) {}

  private final String zone;
  private final DatagramSocket socket;
  private final Map<Key, DnsRecord> records = new ConcurrentHashMap<>();
  private final Map<Key, Long> epochs = new ConcurrentHashMap<>();

  public SimDnsServer(String zone, List<DnsRecord> initial) throws SocketException {
    this.zone = zone.toLowerCase(Locale.ROOT);
    initial.forEach(r -> records.put(key(r.name(), r.type()), r));
    this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread.ofVirtual().name("lab-dns").start(this::serve);
  }

  public int port() {
    return socket.getLocalPort();
  }

  @Override
  public String provider() {
    return "simulated-dns";
  }

  @Override
  public Optional<DnsRecord> observe(String zone, String name, String type) {
    return Optional.ofNullable(records.get(key(name, type)));
  }

  @Override
  public synchronized DnsRecord replace(
      Optional<DnsRecord> expected, DnsRecord desired, FencingToken token) {
    Key k = key(desired.name(), desired.type());
    long recorded = epochs.getOrDefault(k, 0L);
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException(desired.name() + " " + desired.type(), token.epoch(), recorded);
    }
    DnsRecord current = records.get(k);
    if (desired.equals(current)) {
      epochs.put(k, token.epoch());
      return current;
    }
    if (!java.util.Objects.equals(expected.orElse(null), current)) {
      throw new ConflictException(
          "simulated DNS: "
              + desired.name()
              + " "
              + desired.type()
              + " changed since observed: "
              + (current == null ? "absent" : current.values()));
    }
    records.put(k, desired);
    epochs.put(k, token.epoch());
    return desired;
  }

  @Override
  public boolean verify(DnsRecord desired) {
    try {
      SimpleResolver r = new SimpleResolver(InetAddress.getLoopbackAddress());
      r.setPort(port());
      r.setTimeout(Duration.ofSeconds(2));
      Lookup lookup = new Lookup(desired.name(), Type.value(desired.type()));
      lookup.setResolver(r);
      lookup.setCache(null);
      Record[] answers = lookup.run();
      if (answers == null) {
        return false;
      }
      List<String> got =
          java.util.Arrays.stream(answers).map(Record::rdataToString).sorted().toList();
      return got.equals(desired.values().stream().sorted().toList());
    } catch (IOException e) {
      return false;
    }
  }

  private void serve() {
    byte[] buf = new byte[4096];
    while (!socket.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
        byte[] out = answer(new Message(java.util.Arrays.copyOf(p.getData(), p.getLength())));
        socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
      } catch (IOException | RuntimeException e) {
        if (socket.isClosed()) {
          return;
        }
      }
    }
  }

  private byte[] answer(Message query) throws TextParseException {
    Message resp = new Message(query.getHeader().getID());
    resp.getHeader().setFlag(Flags.QR);
    resp.getHeader().setFlag(Flags.AA);
    Record q = query.getQuestion();
    resp.addRecord(q, Section.QUESTION);
    String name = q.getName().toString().toLowerCase(Locale.ROOT);
    if (!name.endsWith(zone)) {
      resp.getHeader().setRcode(Rcode.REFUSED);
      return resp.toWire();
    }
    DnsRecord r = records.get(new Key(name, Type.string(q.getType())));
    if (r == null) {
      resp.getHeader().setRcode(Rcode.NXDOMAIN);
      return resp.toWire();
    }
    Name owner = Name.fromString(r.name());
    for (String v : r.values()) {
      try {
        resp.addRecord(
            Record.fromString(owner, q.getType(), DClass.IN, r.ttl(), v, Name.root),
            Section.ANSWER);
      } catch (IOException e) {
        resp.getHeader().setRcode(Rcode.SERVFAIL);
      }
    }
    return resp.toWire();
  }

  private static Key key(String name, String type) {
    String n = name.toLowerCase(Locale.ROOT);
    return new Key(n.endsWith(".") ? n : n + ".", type.toUpperCase(Locale.ROOT));
  }

  @Override
  public void close() {
    socket.close();
  }
}
