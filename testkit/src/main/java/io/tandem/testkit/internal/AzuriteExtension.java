package io.tandem.testkit.internal;

import org.junit.jupiter.api.extension.Extension;

/** Starts the {@code @Azurite} peer. Placeholder until the testkit lands. */
public class AzuriteExtension implements Extension {}
