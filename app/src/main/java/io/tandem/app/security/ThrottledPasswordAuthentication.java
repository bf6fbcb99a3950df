package io.tandem.app.security;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * Checks user names and passwords (basic auth and the login form) so that no flood of wrong
 * passwords can take the agent's CPU from its decision loop:
 *
 * <ol>
 *   <li>a credential that succeeded lately is accepted from {@link CredentialCache} without a
 *       bcrypt check; one that failed lately is refused without one (each such refusal still counts
 *       against the client);
 *   <li>each client address may fail only {@code burst} times, then once per {@code refill} ({@link
 *       ClientBuckets}); beyond that its unknown credentials are not checked at all but answered
 *       429 with {@code Retry-After} ({@link LoginThrottledException});
 *   <li>bcrypt runs on one low-priority thread with a short queue, so password checks can never
 *       take more than one core, and a full queue is answered 429 too rather than waited on.
 * </ol>
 *
 * <p>An unknown user costs a bcrypt check against a dummy hash, as Spring Security's {@code
 * DaoAuthenticationProvider} does, so that response times do not tell which users exist. Counters
 * {@code tandem.auth.checks{outcome}} count what each attempt cost. Thread-safe.
 */
final class ThrottledPasswordAuthentication implements AutoCloseable {

  /**
   * bcrypt of a password no user has, at {@link SecurityConfiguration#BCRYPT_STRENGTH}: checked for
   * unknown users. A constant rather than hashed at each start (issue 17.4: it was on the agent's
   * start path); it is no secret, only its cost matters ({@code LazyPasswordHashesTest}).
   */
  static final String DUMMY_HASH = "$2a$10$d0o91BXAnpdEweq.L6SKEOp98VxMeTuQvlWHYF0Mp.1lvTnM/McN.";

  private final UserDetailsService users;
  private final PasswordEncoder encoder;
  private final CredentialCache cache;
  private final ClientBuckets failures;
  private final String dummyHash;
  private final MeterRegistry meters;
  private final ThreadPoolExecutor bcrypt;

  ThrottledPasswordAuthentication(
      UserDetailsService users,
      PasswordEncoder encoder,
      CredentialCache cache,
      ClientBuckets failures,
      int queue,
      MeterRegistry meters) {
    this.users = users;
    this.encoder = encoder;
    this.cache = cache;
    this.failures = failures;
    this.meters = meters != null ? meters : Metrics.globalRegistry;
    this.dummyHash = DUMMY_HASH;
    this.bcrypt =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, "tandem-password-check");
              t.setDaemon(true);
              t.setPriority(Thread.MIN_PRIORITY);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
  }

  /**
   * The provider Spring Security calls. (This class is not one itself: as a bean of that type it
   * would also become the global authentication manager, which Spring warns about at each start.)
   */
  AuthenticationProvider provider() {
    return new AuthenticationProvider() {
      @Override
      public Authentication authenticate(Authentication presented) {
        return ThrottledPasswordAuthentication.this.authenticate(presented);
      }

      @Override
      public boolean supports(Class<?> type) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(type);
      }
    };
  }

  Authentication authenticate(Authentication presented) {
    String user = presented.getName();
    String password =
        presented.getCredentials() == null ? "" : presented.getCredentials().toString();
    String client = client(presented);
    String key = cache.key(user, password);
    var known = cache.success(key);
    if (known.isPresent()) {
      count("cached-ok");
      return known.get();
    }
    if (!failures.has(client)) {
      count("throttled");
      throw new LoginThrottledException(
          "too many failed logins from " + client + "; try again later",
          failures.retryAfterSeconds(client));
    }
    if (cache.failedLately(key)) {
      failures.take(client);
      count("cached-failed");
      throw new BadCredentialsException("wrong user name or password");
    }
    // the look-up runs on the password thread too: the users' hashes are made at the first one
    Checked checked =
        check(
            () -> {
              UserDetails d = find(user);
              return new Checked(
                  d, encoder.matches(password, d == null ? dummyHash : d.getPassword()));
            },
            client);
    UserDetails details = checked.details();
    if (!checked.ok() || details == null || !details.isEnabled()) {
      failures.take(client);
      cache.failed(key);
      count("bcrypt-failed");
      throw new BadCredentialsException("wrong user name or password");
    }
    Authentication auth =
        UsernamePasswordAuthenticationToken.authenticated(
            details.getUsername(), null, details.getAuthorities());
    cache.succeeded(key, auth);
    count("bcrypt-ok");
    return auth;
  }

  private UserDetails find(String user) {
    try {
      return users.loadUserByUsername(user);
    } catch (UsernameNotFoundException e) {
      return null;
    }
  }

  private record Checked(UserDetails details, boolean ok) {}

  private Checked check(Callable<Checked> check, String client) {
    Future<Checked> f;
    try {
      f = bcrypt.submit(check);
    } catch (RejectedExecutionException busy) {
      count("busy");
      throw new LoginThrottledException("password checks are busy; try again shortly", 1);
    }
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new AuthenticationServiceException("interrupted while checking a password");
    } catch (ExecutionException | TimeoutException e) {
      f.cancel(true);
      throw new AuthenticationServiceException("password check failed: " + e);
    }
  }

  private static String client(Authentication a) {
    return a.getDetails() instanceof WebAuthenticationDetails d && d.getRemoteAddress() != null
        ? d.getRemoteAddress()
        : "unknown";
  }

  private void count(String outcome) {
    meters.counter("tandem.auth.checks", "outcome", outcome).increment();
  }

  @Override
  public void close() {
    bcrypt.shutdownNow();
  }
}
