package io.tandem.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts an OpenSSH server (Debian {@code openssh-server}) as a plain process on 127.0.0.1 with an
 * ephemeral port, its own host key, and a client key authorised for the user the tests run as
 * (public-key authentication only). Declare a {@link SshdPeer} parameter to receive it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(io.tandem.testkit.internal.SshdExtension.class)
public @interface Sshd {}
