package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.testkit.Sshd;
import io.tandem.testkit.SshdPeer;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @Sshd} server; see {@link Sshd}. */
public final class SshdExtension extends PeerExtension<SshdPeer, Sshd> {

  public SshdExtension() {
    super(SshdPeer.class, Sshd.class);
  }

  @Override
  PeerHandle<SshdPeer> start(Sshd settings, ExtensionContext context, PeerBinaries binaries) {
    return RunningSshd.start(
        binaries.system("sshd", "openssh-server"), binaries.system("ssh-keygen", "openssh-client"));
  }
}
