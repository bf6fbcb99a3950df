package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.testkit.Azurite;
import io.tandem.testkit.AzuritePeer;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @Azurite} Blob service; see {@link Azurite}. */
public final class AzuriteExtension extends PeerExtension<AzuritePeer, Azurite> {

  public AzuriteExtension() {
    super(AzuritePeer.class, Azurite.class);
  }

  @Override
  PeerHandle<AzuritePeer> start(Azurite settings, ExtensionContext context, PeerBinaries binaries) {
    binaries.system("node", "nodejs npm");
    return RunningAzurite.start(
        binaries.projectLocal(
            "node/node_modules/.bin/azurite-blob",
            "cd .peers/node && npm install --no-audit --no-fund azurite@3"));
  }
}
