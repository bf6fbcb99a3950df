package io.tandem.app.security;

import java.util.List;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * The configured users, their passwords hashed (bcrypt) at the first look-up instead of during the
 * agent's start (issue 17.4: each hash is about 0.1 s of CPU with the C2 compiler and several times
 * that with C1 only, on the start's critical path). {@link ThrottledPasswordAuthentication} looks
 * users up on its one low-priority password thread, so the hashing runs there, once, whichever user
 * (known or not) is asked for first, and the first check's time does not tell which users exist.
 * The plaintext list is dropped once hashed. Thread-safe.
 */
final class LazyUsers implements UserDetailsService {

  private final PasswordEncoder encoder;
  private List<SecurityProperties.User> plain;
  private volatile InMemoryUserDetailsManager hashed;

  /**
   * @param users validated users ({@link SecurityProperties#validate()})
   * @param encoder hashes their passwords at the first look-up
   */
  LazyUsers(List<SecurityProperties.User> users, PasswordEncoder encoder) {
    this.plain = List.copyOf(users);
    this.encoder = encoder;
  }

  @Override
  public UserDetails loadUserByUsername(String username) {
    return hashed().loadUserByUsername(username);
  }

  /** Whether the passwords were hashed yet (they are at the first look-up). */
  boolean isHashed() {
    return hashed != null;
  }

  private InMemoryUserDetailsManager hashed() {
    InMemoryUserDetailsManager h = hashed;
    if (h != null) {
      return h;
    }
    synchronized (this) {
      if (hashed == null) {
        var manager = new InMemoryUserDetailsManager();
        for (var u : plain) {
          manager.createUser(
              User.withUsername(u.name())
                  .password(encoder.encode(u.password()))
                  .roles(u.role().name())
                  .build());
        }
        hashed = manager;
        plain = List.of();
      }
      return hashed;
    }
  }
}
