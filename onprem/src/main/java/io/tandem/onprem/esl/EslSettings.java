package io.tandem.onprem.esl;

import io.tandem.core.error.ConfigException;
import io.tandem.onprem.pbx.PbxAccess;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one FreeSWITCH event socket (inbound mode): the shared {@link PbxAccess} (its secret
 * is the {@code event_socket.conf.xml} password, or a directory user's {@code esl-password} when
 * {@link PbxAccess#user()} names {@code user@domain} for {@code userauth}) and the Sofia profile
 * holding the trunks. Immutable; {@link #toString()} hides the password.
 *
 * @param access host, port, optional directory user, password and timings
 * @param profile the Sofia profile holding the trunks' gateways (e.g. {@code external})
 */
public record EslSettings(PbxAccess access, String profile) {

  public static final int DEFAULT_PORT = 8021;
  public static final String DEFAULT_PROFILE = "external";

  public EslSettings {
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(profile, "profile");
    if (!profile.matches("[A-Za-z0-9_.-]+")) {
      throw new ConfigException("esl: profile: expected a Sofia profile name, got " + profile);
    }
    if (access.user().isPresent()
        && !access.user().get().matches("[A-Za-z0-9_.+-]+@[A-Za-z0-9_.-]+")) {
      throw new ConfigException("esl: user: expected user@domain, got " + access.user().get());
    }
  }

  /** Settings with the default timings, the global password and the {@code external} profile. */
  public static EslSettings of(String host, int port, String password) {
    return new EslSettings(
        builder().host(host).port(port).secret(password).build(), DEFAULT_PROFILE);
  }

  /** A validating builder of the access part; {@link #of(PbxAccess)} completes it. */
  public static PbxAccess.Builder builder() {
    return PbxAccess.builder("esl", DEFAULT_PORT);
  }

  /** Settings for {@code access} with the {@code external} profile. */
  public static EslSettings of(PbxAccess access) {
    return new EslSettings(access, DEFAULT_PROFILE);
  }

  public EslSettings withTimeout(Duration t) {
    return new EslSettings(access.withTimeout(t), profile);
  }

  public EslSettings withAccess(PbxAccess a) {
    return new EslSettings(a, profile);
  }

  public EslSettings withProfile(String p) {
    return new EslSettings(access, p);
  }

  @Override
  public String toString() {
    return "EslSettings[" + access + ", profile=" + profile + "]";
  }
}
