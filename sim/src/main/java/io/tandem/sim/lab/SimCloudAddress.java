package io.tandem.sim.lab;

import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.port.AddressMover;
import io.tandem.core.witness.FencingToken;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lab's SIMULATED cloud public address: an in-memory "Elastic IP" with epoch tags, plus a UDP
 * relay on 127.0.0.1 that forwards datagrams to whichever site it is attached to, so "the public
 * address answers SIP OPTIONS from the new site" is checked over a real socket.
 *
 * <p>Same contract as the real movers: {@link #move} refuses a stale epoch, records the token and
 * is idempotent. Thread-safe.
 */
public final class SimCloudAddress implements AddressMover, AutoCloseable {

  private record State(String attachedTo, long epoch, String site) {}

  private final String allocationId;
  private final Map<String, InetSocketAddress> targets;
  private final DatagramSocket front;
  private final Map<SocketAddress, DatagramSocket> upstreams = new ConcurrentHashMap<>();
  private volatile State state;
  private volatile long calls;

  /**
   * @param allocationId e.g. {@code eipalloc-lab}
   * @param targets target id (site instance) to the PBX's SIP address it represents
   * @param initialTarget where it starts attached
   */
  public SimCloudAddress(
      String allocationId, Map<String, InetSocketAddress> targets, String initialTarget)
      throws SocketException {
    this.allocationId = allocationId;
    this.targets = Map.copyOf(targets);
    this.state = new State(initialTarget, 0, null);
    this.front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread.ofVirtual().name("lab-public-address").start(this::relay);
  }

  /** The "public" address clients use: 127.0.0.1 and the relay's port. */
  public InetSocketAddress publicAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), front.getLocalPort());
  }

  @Override
  public String provider() {
    return "simulated-cloud";
  }

  @Override
  public synchronized AddressBinding observe(String address) {
    check(address);
    calls++;
    State s = state;
    return new AddressBinding(
        allocationId,
        publicAddress().getAddress().getHostAddress() + ":" + front.getLocalPort(),
        Optional.ofNullable(s.attachedTo()),
        s.epoch(),
        Optional.ofNullable(s.site()));
  }

  @Override
  public synchronized AddressBinding move(String address, String target, FencingToken token) {
    check(address);
    if (!targets.containsKey(target)) {
      throw new ResourceNotFoundException("simulated target '" + target + "' does not exist");
    }
    State s = state;
    if (!token.mayOverwrite(s.epoch())) {
      throw new StaleEpochException("simulated address " + allocationId, token.epoch(), s.epoch());
    }
    if (!(target.equals(s.attachedTo()) && s.epoch() == token.epoch())) {
      state = new State(target, token.epoch(), token.site());
    }
    return observe(address);
  }

  /** API calls made so far (observe and move each count one). */
  public long calls() {
    return calls;
  }

  private void check(String address) {
    if (!allocationId.equals(address)) {
      throw new ResourceNotFoundException(
          "simulated address '" + address + "' does not exist (the lab has " + allocationId + ")");
    }
  }

  private void relay() {
    byte[] buf = new byte[65_535];
    while (!front.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        front.receive(p);
        String attached = state.attachedTo();
        InetSocketAddress to = attached == null ? null : targets.get(attached);
        if (to == null) {
          continue;
        }
        SocketAddress client = p.getSocketAddress();
        DatagramSocket up = upstreams.computeIfAbsent(client, this::openUpstream);
        up.send(new DatagramPacket(p.getData(), p.getLength(), to));
      } catch (IOException | RuntimeException e) {
        if (front.isClosed()) {
          return;
        }
      }
    }
  }

  private DatagramSocket openUpstream(SocketAddress client) {
    try {
      DatagramSocket up =
          new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread.ofVirtual()
          .name("lab-public-address-up")
          .start(
              () -> {
                byte[] buf = new byte[65_535];
                while (!up.isClosed() && !front.isClosed()) {
                  DatagramPacket r = new DatagramPacket(buf, buf.length);
                  try {
                    up.receive(r);
                    front.send(new DatagramPacket(r.getData(), r.getLength(), client));
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      return up;
    } catch (SocketException e) {
      throw new IllegalStateException("cannot open relay socket", e);
    }
  }

  @Override
  public void close() {
    front.close();
    upstreams.values().forEach(DatagramSocket::close);
  }
}
