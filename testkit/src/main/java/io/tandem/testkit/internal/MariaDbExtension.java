package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.testkit.MariaDb;
import io.tandem.testkit.MariaDbPeer;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @MariaDb} server; see {@link MariaDb}. */
public final class MariaDbExtension extends PeerExtension<MariaDbPeer, MariaDb> {

  public MariaDbExtension() {
    super(MariaDbPeer.class, MariaDb.class);
  }

  @Override
  PeerHandle<MariaDbPeer> start(MariaDb settings, ExtensionContext context, PeerBinaries binaries) {
    return RunningMariaDb.start(
        binaries.system("mariadb-install-db", RunningMariaDb.PACKAGE),
        binaries.system("mariadbd", RunningMariaDb.PACKAGE),
        binaries.system("mariadb", RunningMariaDb.PACKAGE));
  }
}
