package io.tandem.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a MariaDB server (Debian {@code mariadb-server}) as a plain process: {@code
 * mariadb-install-db} into a temporary data directory, then {@code mariadbd} on 127.0.0.1 with an
 * ephemeral port and its own socket, with a database and a password user for the test. Declare a
 * {@link MariaDbPeer} parameter to receive the connection details. One server per test class; its
 * error log is printed when a test fails; a missing binary fails with the install command.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(io.tandem.testkit.internal.MariaDbExtension.class)
public @interface MariaDb {}
