package io.tandem.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Issue 17.4: no bcrypt hash is made while the agent starts (each one is about 0.1 s of CPU with
 * C2, several times that with the launcher's C1 only; the profile of a cached start showed three).
 * The security beans are built as Spring builds them, with the real encoder counted: building them
 * hashes nothing; the first password check hashes every user once, on the password thread, whoever
 * is asked for; logins then behave as before. The unknown-user dummy hash has the encoder's cost.
 */
class LazyPasswordHashesTest {

  /** The configuration's encoder, counting what it hashes. */
  static final class Counting implements PasswordEncoder {
    final PasswordEncoder real = new SecurityConfiguration().passwordEncoder();
    final AtomicInteger encoded = new AtomicInteger();
    final List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public String encode(CharSequence raw) {
      encoded.incrementAndGet();
      threads.add(Thread.currentThread().getName());
      return real.encode(raw);
    }

    @Override
    public boolean matches(CharSequence raw, String encoded) {
      return real.matches(raw, encoded);
    }
  }

  static Authentication login(String user, String password) {
    return UsernamePasswordAuthenticationToken.unauthenticated(user, password);
  }

  @Test
  void startingHashesNoPasswordTheFirstCheckHashesEachUserOnceOnThePasswordThread() {
    SecurityConfiguration config = new SecurityConfiguration();
    Counting encoder = new Counting();
    SecurityProperties props =
        new SecurityProperties(
            List.of(
                new SecurityProperties.User("ada", Role.ADMIN, "ada-password-0123"),
                new SecurityProperties.User("olive", Role.OPERATOR, "olive-password-0123")),
            List.of());
    var users = config.users(props, encoder);
    try (ThrottledPasswordAuthentication auth =
        new ThrottledPasswordAuthentication(
            users,
            encoder,
            new CredentialCache(
                Duration.ofMinutes(5), Duration.ofMinutes(1), 10_000, System::nanoTime),
            config.loginFailures(),
            4,
            new SimpleMeterRegistry())) {
      assertThat(encoder.encoded).as("hashes made while the beans are built").hasValue(0);

      assertThatThrownBy(() -> auth.authenticate(login("nobody", "whatever-password")))
          .as("an unknown user is checked against the dummy hash")
          .isInstanceOf(BadCredentialsException.class);
      assertThat(encoder.encoded).as("the first check hashed every user").hasValue(2);
      assertThat(encoder.threads).containsOnly("tandem-password-check");

      assertThat(auth.authenticate(login("olive", "olive-password-0123")).isAuthenticated())
          .isTrue();
      assertThatThrownBy(() -> auth.authenticate(login("ada", "wrong-password-0123")))
          .isInstanceOf(BadCredentialsException.class);
      assertThat(auth.authenticate(login("ada", "ada-password-0123")).getAuthorities())
          .extracting(Object::toString)
          .contains("ROLE_ADMIN");
      assertThat(encoder.encoded).as("once").hasValue(2);
    }
  }

  @Test
  void theDummyHashHasTheEncodersCostAndIsNoUsersPassword() {
    BCryptPasswordEncoder bcrypt = new BCryptPasswordEncoder(SecurityConfiguration.BCRYPT_STRENGTH);
    assertThat(ThrottledPasswordAuthentication.DUMMY_HASH)
        .startsWith(String.format("$2a$%02d$", SecurityConfiguration.BCRYPT_STRENGTH));
    assertThat(bcrypt.upgradeEncoding(ThrottledPasswordAuthentication.DUMMY_HASH)).isFalse();
    assertThat(bcrypt.matches("", ThrottledPasswordAuthentication.DUMMY_HASH)).isFalse();
    assertThat(
            bcrypt.matches(
                "tandem-dummy-password-for-unknown-users",
                ThrottledPasswordAuthentication.DUMMY_HASH))
        .isTrue();
  }
}
