package io.tandem.app.lab;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lab's simulated management network: which sites can reach the witness and each other.
 * Scenarios cut and heal links here; the lab's witness link and peer transport consult it on every
 * message. Thread-safe.
 */
public final class LabNetwork {

  private final Set<String> isolated = ConcurrentHashMap.newKeySet();
  private volatile boolean witnessDown;

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
