package io.tandem.testkit.internal;

import org.junit.jupiter.api.extension.Extension;

/** Starts the {@code @Kamailio} peer. Placeholder until the testkit lands. */
public class KamailioExtension implements Extension {}
