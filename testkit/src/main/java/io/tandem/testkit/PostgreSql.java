package io.tandem.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a PostgreSQL 15 server (Debian {@code postgresql}) as a plain process: {@code initdb} into
 * a temporary data directory, then {@code postgres} on 127.0.0.1 with an ephemeral port, its socket
 * in that directory, password (SCRAM) authentication over TCP, and a database and user for the
 * test. PostgreSQL refuses to run as root: as root the server runs as the unprivileged system user
 * {@value io.tandem.testkit.internal.RunningPostgreSql#OS_USER} (created if missing). Declare a
 * {@link PostgreSqlPeer} parameter to receive the connection details.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(io.tandem.testkit.internal.PostgreSqlExtension.class)
public @interface PostgreSql {}
