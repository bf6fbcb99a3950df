package io.tandem.app.lab;

import io.tandem.app.agent.AgentDriver;
import io.tandem.app.agent.PeerTransport;
import io.tandem.core.agent.PeerPromise;
import io.tandem.core.agent.PeerReport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The lab's peer link: delivers reports and promises between the in-process agents asynchronously
 * (as a network would), dropping them when the {@link LabNetwork} cut the link.
 */
final class LabPeerTransport implements PeerTransport, AutoCloseable {

  private final String self;
  private final LabNetwork network;
  private final Map<String, AgentDriver> agents;
  private final ExecutorService wire = Executors.newVirtualThreadPerTaskExecutor();

  LabPeerTransport(String self, LabNetwork network, Map<String, AgentDriver> agents) {
    this.self = self;
    this.network = network;
    this.agents = agents;
  }

  static Map<String, AgentDriver> registry() {
    return new ConcurrentHashMap<>();
  }

  private void deliver(String to, java.util.function.Consumer<AgentDriver> message) {
    if (!network.peerReachable(self, to)) {
      return;
    }
    AgentDriver peer = agents.get(to);
    if (peer == null || !peer.running()) {
      return;
    }
    try {
      wire.execute(() -> message.accept(peer));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the lab is shutting down
    }
  }

  @Override
  public void sendReport(String toSite, PeerReport report) {
    deliver(toSite, p -> p.onReport(report));
  }

  @Override
  public void sendPromiseRequest(String toSite, String fromSite, long sentAtNanos) {
    deliver(toSite, p -> p.onPromiseRequest(fromSite, sentAtNanos));
  }

  @Override
  public void sendPromise(String toSite, PeerPromise promise) {
    deliver(toSite, p -> p.onPromise(promise));
  }

  @Override
  public void close() {
    wire.shutdownNow();
  }
}
