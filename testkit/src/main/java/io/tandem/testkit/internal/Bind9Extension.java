package io.tandem.testkit.internal;

import io.tandem.testkit.Bind9;
import io.tandem.testkit.Bind9Peer;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @Bind9} name server; see {@link Bind9}. */
public final class Bind9Extension extends PeerExtension<Bind9Peer, Bind9> {

  public Bind9Extension() {
    super(Bind9Peer.class, Bind9.class);
  }

  @Override
  PeerHandle<Bind9Peer> start(Bind9 settings, ExtensionContext context, PeerBinaries binaries) {
    return RunningBind9.start(binaries.system("named", "bind9 bind9-utils dnsutils"));
  }
}
