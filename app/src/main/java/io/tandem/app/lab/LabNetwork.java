package io.tandem.app.lab;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lab's simulated management network: which sites can reach the witness and each other.
 * Scenarios cut and heal links here. Each agent's HTTP client (witness calls and the peer link) is
 * wrapped by {@link #client} and consults it on every request; a cut link behaves as a dropped
 * route does (the request times out), so the production agents see what they would see in a real
 * partition. PBX, carrier and DNS traffic is not on the management network and is never cut.
 * Thread-safe.
 */
public final class LabNetwork {

  /** The witness's node name on this network. */
  static final String WITNESS = "witness";

  private final Set<String> isolated = ConcurrentHashMap.newKeySet();
  private final Map<String, String> nodeByAuthority = new ConcurrentHashMap<>();
  private volatile boolean witnessDown;

  /** Names the node listening at {@code 127.0.0.1:port} (the witness or a site's agent). */
  void node(String name, int port) {
    nodeByAuthority.put("127.0.0.1:" + port, name);
  }

  /** Whether a request from {@code site} to {@code target} gets through. */
  boolean reaches(String site, URI target) {
    String node = nodeByAuthority.get(target.getHost() + ":" + target.getPort());
    if (node == null) {
      return true; // not on the management network
    }
    return node.equals(WITNESS) ? witnessReachable(site) : peerReachable(site, node);
  }

  /** {@code site}'s HTTP client on this network: {@code inner} where the link is up. */
  HttpClient client(String site, HttpClient inner) {
    return new LabHttpClient(site, inner, this);
  }

  public boolean witnessReachable(String site) {
    return !witnessDown && !isolated.contains(site);
  }

  public boolean peerReachable(String from, String to) {
    return !isolated.contains(from) && !isolated.contains(to);
  }

  /** Cut a site from the witness and from every other site. */
  public void isolate(String site) {
    isolated.add(site);
  }

  public void witnessDown(boolean down) {
    witnessDown = down;
  }

  public void heal() {
    isolated.clear();
    witnessDown = false;
  }

  public String describe() {
    if (!witnessDown && isolated.isEmpty()) {
      return "all links up";
    }
    return (witnessDown ? "witness unreachable" : "")
        + (isolated.isEmpty() ? "" : (witnessDown ? "; " : "") + "isolated: " + isolated);
  }
}
