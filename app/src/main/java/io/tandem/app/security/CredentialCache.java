package io.tandem.app.security;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.core.Authentication;

/**
 * Recent outcomes of password checks, so that a credential costs one bcrypt check, not one per
 * request: a success is remembered for {@code successFor} (as Elasticsearch's realms cache
 * authenticated users, 20 minutes by default), a failure for {@code failureFor}. Entries are keyed
 * by an HMAC-SHA256 of user and password under a key drawn at start and never stored, so the cache
 * holds nothing an attacker could test passwords against. At most {@code maxEntries} of each kind,
 * least recently used dropped first. Thread-safe.
 */
final class CredentialCache {

  private record Hit(Authentication auth, long until) {}

  private final Mac mac;
  private final long successNanos;
  private final long failureNanos;
  private final LongSupplier nanos;
  private final Map<String, Hit> successes;
  private final Map<String, Long> failures;

  CredentialCache(Duration successFor, Duration failureFor, int maxEntries, LongSupplier nanos) {
    this.successNanos = successFor.toNanos();
    this.failureNanos = failureFor.toNanos();
    this.nanos = nanos;
    this.successes = lru(maxEntries);
    this.failures = lru(maxEntries);
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    try {
      this.mac = Mac.getInstance("HmacSHA256");
      this.mac.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required by every JDK", e);
    }
  }

  private static <V> Map<String, V> lru(int max) {
    return new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }

  /** The key of a presented credential. */
  synchronized String key(String user, String password) {
    mac.reset();
    mac.update(user.getBytes(StandardCharsets.UTF_8));
    mac.update((byte) 0);
    return HexFormat.of().formatHex(mac.doFinal(password.getBytes(StandardCharsets.UTF_8)));
  }

  synchronized Optional<Authentication> success(String key) {
    Hit h = successes.get(key);
    if (h == null || nanos.getAsLong() - h.until() > 0) {
      successes.remove(key);
      return Optional.empty();
    }
    return Optional.of(h.auth());
  }

  synchronized boolean failedLately(String key) {
    Long until = failures.get(key);
    if (until == null || nanos.getAsLong() - until > 0) {
      failures.remove(key);
      return false;
    }
    return true;
  }

  synchronized void succeeded(String key, Authentication auth) {
    failures.remove(key);
    successes.put(key, new Hit(auth, nanos.getAsLong() + successNanos));
  }

  synchronized void failed(String key) {
    failures.put(key, nanos.getAsLong() + failureNanos);
  }
}
