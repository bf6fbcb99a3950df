package io.tandem.testkit.internal;

import io.tandem.sim.peer.Bind9Peer;
import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.sim.peer.internal.RunningBind9;
import io.tandem.testkit.Bind9;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @Bind9} name server; see {@link Bind9}. */
public final class Bind9Extension extends PeerExtension<Bind9Peer, Bind9> {

  public Bind9Extension() {
    super(Bind9Peer.class, Bind9.class);
  }

  @Override
  PeerHandle<Bind9Peer> start(Bind9 settings, ExtensionContext context, PeerBinaries binaries) {
    RunningBind9 bind = RunningBind9.start(binaries.system("named", "bind9 bind9-utils dnsutils"));
    return PeerHandle.of(bind, bind);
  }
}
