package io.tandem.testkit;

import io.tandem.sim.peer.KamailioPeer;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts Kamailio as a SIP registrar with digest authentication (UDP and TCP on one port), which
 * answers OPTIONS and exposes its location table.
 *
 * <p>Put it on a test class; declare a {@link KamailioPeer} parameter (constructor,
 * {@code @BeforeAll}, {@code @BeforeEach} or test method) to receive the connection details. One
 * peer process per test class, on 127.0.0.1 with ephemeral ports and a temporary directory; its log
 * is printed when a test fails; it is stopped after the class. A missing binary fails the test with
 * the install command (never a silent skip).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(io.tandem.testkit.internal.KamailioExtension.class)
public @interface Kamailio {

  /**
   * Users known at start as {@code user:password}; more can be added at run time with {@link
   * KamailioPeer#addUser}.
   */
  String[] users() default {"trunk1:secret1", "trunk2:secret2"};

  /** SIP domain and digest realm. */
  String domain() default "tandem.test";

  /**
   * Digest algorithm offered in challenges: {@code MD5} (default, what most trunks speak) or {@code
   * SHA-256} (RFC 8760; Kamailio 5.6's auth module supports it).
   */
  String digestAlgorithm() default "MD5";
}
