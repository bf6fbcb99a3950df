package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.testkit.Sipp;
import io.tandem.testkit.SippPeer;
import java.util.Locale;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @Sipp} user-agent server; see {@link Sipp}. */
public final class SippExtension extends PeerExtension<SippPeer, Sipp> {

  public SippExtension() {
    super(SippPeer.class, Sipp.class);
  }

  @Override
  PeerHandle<SippPeer> start(Sipp settings, ExtensionContext context, PeerBinaries binaries) {
    String transport = settings.transport().toLowerCase(Locale.ROOT);
    if (!transport.equals("udp") && !transport.equals("tcp")) {
      throw new IllegalArgumentException("@Sipp(transport) is udp or tcp");
    }
    return RunningSipp.start(binaries.system("sipp", "sip-tester"), transport);
  }
}
