package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.testkit.PostgreSql;
import io.tandem.testkit.PostgreSqlPeer;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @PostgreSql} server; see {@link PostgreSql}. */
public final class PostgreSqlExtension extends PeerExtension<PostgreSqlPeer, PostgreSql> {

  public PostgreSqlExtension() {
    super(PostgreSqlPeer.class, PostgreSql.class);
  }

  @Override
  PeerHandle<PostgreSqlPeer> start(
      PostgreSql settings, ExtensionContext context, PeerBinaries binaries) {
    return RunningPostgreSql.start(RunningPostgreSql.binDir(binaries));
  }
}
