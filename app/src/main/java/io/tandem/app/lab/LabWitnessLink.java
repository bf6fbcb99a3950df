package io.tandem.app.lab;

import io.tandem.core.error.TransientException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import java.util.Optional;

/**
 * A site's path to the witness through the {@link LabNetwork}: the real HTTP client when the link
 * is up, a {@link TransientException} (as a timeout would be) when a scenario cut it.
 */
final class LabWitnessLink implements Witness {

  private final String site;
  private final Witness http;
  private final LabNetwork network;

  LabWitnessLink(String site, Witness http, LabNetwork network) {
    this.site = site;
    this.http = http;
    this.network = network;
  }

  private void check() {
    if (!network.witnessReachable(site)) {
      throw new TransientException("simulated partition: " + site + " cannot reach the witness");
    }
  }

  @Override
  public TicketResult acquire(TicketRequest request) {
    check();
    return http.acquire(request);
  }

  @Override
  public TicketResult renew(TicketRequest request) {
    check();
    return http.renew(request);
  }

  @Override
  public void release(String cluster, String site, long epoch) {
    check();
    http.release(cluster, site, epoch);
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    check();
    return http.observe(cluster);
  }
}
