package io.tandem.testkit;

import io.tandem.sim.peer.AwsEmulatorPeer;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts the AWS emulator (moto's standalone server; LocalStack through Testcontainers where a
 * Docker engine answers) serving EC2, Route 53 and DynamoDB. State is reset between test classes.
 *
 * <p>Put it on a test class; declare a {@link AwsEmulatorPeer} parameter (constructor,
 * {@code @BeforeAll}, {@code @BeforeEach} or test method) to receive the connection details. One
 * peer process per test class, on 127.0.0.1 with ephemeral ports and a temporary directory; its log
 * is printed when a test fails; it is stopped after the class. A missing binary fails the test with
 * the install command (never a silent skip).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(io.tandem.testkit.internal.AwsEmulatorExtension.class)
public @interface AwsEmulator {}
