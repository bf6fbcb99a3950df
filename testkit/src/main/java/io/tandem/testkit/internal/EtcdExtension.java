package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.testkit.Etcd;
import io.tandem.testkit.EtcdPeer;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts the {@code @Etcd} single-node cluster; see {@link Etcd}. */
public final class EtcdExtension extends PeerExtension<EtcdPeer, Etcd> {

  public EtcdExtension() {
    super(EtcdPeer.class, Etcd.class);
  }

  @Override
  PeerHandle<EtcdPeer> start(Etcd settings, ExtensionContext context, PeerBinaries binaries) {
    return settings.secure()
        ? RunningEtcd.startSecure(
            binaries.system("etcd", "etcd-server etcd-client"),
            binaries.system("etcdctl", "etcd-client"),
            binaries.system("openssl", "openssl"))
        : RunningEtcd.start(binaries.system("etcd", "etcd-server etcd-client"));
  }
}
