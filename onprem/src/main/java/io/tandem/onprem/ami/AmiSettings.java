package io.tandem.onprem.ami;

import io.tandem.core.error.ConfigException;
import io.tandem.onprem.pbx.PbxAccess;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one Asterisk's manager interface: the shared {@link PbxAccess} (whose user is the
 * manager.conf user, required here) and the dialplan global that gates new calls. Immutable; {@link
 * #toString()} hides the secret.
 *
 * @param access host, port, user, secret and timings
 * @param acceptVariable dialplan global that gates new calls ({@code 0} refuses), see
 *     docs/pbx-setup.md
 */
public record AmiSettings(PbxAccess access, String acceptVariable) {

  public static final String DEFAULT_ACCEPT_VARIABLE = "TANDEM_ACCEPT_CALLS";
  public static final int DEFAULT_PORT = 5038;

  public AmiSettings {
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(acceptVariable, "acceptVariable");
    if (access.user().isEmpty()) {
      throw new ConfigException("ami: username: missing");
    }
    if (!acceptVariable.matches("[A-Za-z0-9_]+")) {
      throw new ConfigException("ami: acceptVariable: expected a dialplan variable name");
    }
  }

  /** Settings with the default timings and accept variable. */
  public static AmiSettings of(String host, int port, String username, String secret) {
    return new AmiSettings(
        builder().host(host).port(port).user(username).secret(secret).build(),
        DEFAULT_ACCEPT_VARIABLE);
  }

  /** A validating builder of the access part; {@link #of(PbxAccess)} completes it. */
  public static PbxAccess.Builder builder() {
    return PbxAccess.builder("ami", DEFAULT_PORT);
  }

  /** Settings for {@code access} with the default accept variable. */
  public static AmiSettings of(PbxAccess access) {
    return new AmiSettings(access, DEFAULT_ACCEPT_VARIABLE);
  }

  public String username() {
    return access.user().orElseThrow();
  }

  public AmiSettings withTimeout(Duration t) {
    return new AmiSettings(access.withTimeout(t), acceptVariable);
  }

  public AmiSettings withAccess(PbxAccess a) {
    return new AmiSettings(a, acceptVariable);
  }

  public AmiSettings withAcceptVariable(String variable) {
    return new AmiSettings(access, variable);
  }

  @Override
  public String toString() {
    return "AmiSettings[" + access + ", acceptVariable=" + acceptVariable + "]";
  }
}
