package io.tandem.testkit.internal;

import io.tandem.sim.peer.KamailioPeer;
import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.sim.peer.internal.RunningKamailio;
import io.tandem.testkit.Kamailio;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @Kamailio} registrar; see {@link Kamailio}. */
public final class KamailioExtension extends PeerExtension<KamailioPeer, Kamailio> {

  public KamailioExtension() {
    super(KamailioPeer.class, Kamailio.class);
  }

  @Override
  PeerHandle<KamailioPeer> start(
      Kamailio settings, ExtensionContext context, PeerBinaries binaries) {
    Map<String, String> users = new LinkedHashMap<>();
    for (String entry : settings.users()) {
      int colon = entry.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("@Kamailio(users) entries are user:password");
      }
      users.put(entry.substring(0, colon), entry.substring(colon + 1));
    }
    String algorithm = settings.digestAlgorithm();
    if (!algorithm.equals("MD5") && !algorithm.equals("SHA-256")) {
      throw new IllegalArgumentException("@Kamailio(digestAlgorithm) is MD5 or SHA-256");
    }
    RunningKamailio kamailio =
        RunningKamailio.start(
            binaries.system("kamailio", "kamailio"), settings.domain(), algorithm, users);
    return PeerHandle.of(kamailio, kamailio);
  }
}
