package io.tandem.testkit.internal;

import org.junit.jupiter.api.extension.Extension;

/** Starts the {@code @Bind9} peer. Placeholder until the testkit lands. */
public class Bind9Extension implements Extension {}
