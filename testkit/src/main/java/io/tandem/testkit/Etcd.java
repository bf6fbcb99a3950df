package io.tandem.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a single-node etcd.
 *
 * <p>Put it on a test class; declare a {@link EtcdPeer} parameter (constructor, {@code @BeforeAll},
 * {@code @BeforeEach} or test method) to receive the connection details. One peer process per test
 * class, on 127.0.0.1 with ephemeral ports and a temporary directory; its log is printed when a
 * test fails; it is stopped after the class. A missing binary fails the test with the install
 * command (never a silent skip).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(io.tandem.testkit.internal.EtcdExtension.class)
public @interface Etcd {

  /**
   * Serve clients over TLS with client-certificate authentication ({@code --cert-file}, {@code
   * --key-file}, {@code --client-cert-auth}, {@code --trusted-ca-file}; a throwaway CA made with
   * {@code openssl}) and with etcd's authentication on ({@code etcdctl user add}, {@code role
   * grant-permission}, {@code auth enable}); see {@link EtcdPeer#security()}.
   */
  boolean secure() default false;
}
