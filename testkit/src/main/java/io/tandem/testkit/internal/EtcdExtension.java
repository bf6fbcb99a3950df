package io.tandem.testkit.internal;

import org.junit.jupiter.api.extension.Extension;

/** Starts the {@code @Etcd} peer. Placeholder until the testkit lands. */
public class EtcdExtension implements Extension {}
