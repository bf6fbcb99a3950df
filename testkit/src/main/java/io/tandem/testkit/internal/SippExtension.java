package io.tandem.testkit.internal;

import org.junit.jupiter.api.extension.Extension;

/** Starts the {@code @Sipp} peer. Placeholder until the testkit lands. */
public class SippExtension implements Extension {}
