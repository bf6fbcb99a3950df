package io.tandem.testkit.internal;

import org.junit.jupiter.api.extension.Extension;

/** Starts the {@code @AwsEmulator} peer. Placeholder until the testkit lands. */
public class AwsEmulatorExtension implements Extension {}
