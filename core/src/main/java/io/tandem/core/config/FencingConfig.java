package io.tandem.core.config;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How to stop a site's old primary from serving when another site takes over (best effort; the
 * witness ticket is what guarantees safety).
 *
 * @param kind fencer type understood by an adapter, e.g. {@code aws-ec2-stop}, {@code
 *     azure-vm-deallocate}, {@code ipmi-power-off}, {@code power-outlet}, {@code fence-agent}
 * @param target what to fence, e.g. an instance id, a VM resource id, a BMC or PDU address
 * @param enabled false keeps the settings but never fences
 * @param params fencer-specific settings (strings); for the fence-agent kinds, the agent's options
 * @param secret the device's password or community (fence-agent kinds), from env or a file
 */
public record FencingConfig(
    String kind,
    String target,
    boolean enabled,
    Map<String, String> params,
    Optional<SecretRef> secret) {

  /** Kinds driven by a ClusterLabs fence agent (power devices: IPMI BMCs, switched PDUs). */
  public static final Set<String> FENCE_AGENT_KINDS =
      Set.of("ipmi-power-off", "power-outlet", "fence-agent");

  /** Fence agent options that hold secrets: they go in {@code secret}, never in {@code params}. */
  private static final Set<String> SECRET_PARAMS =
      Set.of("password", "passwd", "snmp_priv_passwd", "community", "password_script");

  public FencingConfig {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(target, "target");
    params = Map.copyOf(params);
    Objects.requireNonNull(secret, "secret");
  }

  public FencingConfig(String kind, String target, boolean enabled, Map<String, String> params) {
    this(kind, target, enabled, params, Optional.empty());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link FencingConfig}. */
  public static final class Builder extends ConfigBuilder<FencingConfig> {
    private String kind;
    private String target;
    private Boolean enabled;
    private Map<String, String> params = Map.of();
    private SecretRef secret;

    public Builder kind(String v) {
      kind = v;
      return this;
    }

    public Builder target(String v) {
      target = v;
      return this;
    }

    public Builder enabled(Boolean v) {
      enabled = v;
      return this;
    }

    public Builder params(Map<String, String> v) {
      params = v == null ? Map.of() : v;
      return this;
    }

    public Builder secret(SecretRef v) {
      secret = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      v.required(kind, "kind", "a fencer kind such as aws-ec2-stop");
      v.required(target, "target", "what to fence, e.g. an instance id");
      if (kind != null && FENCE_AGENT_KINDS.contains(kind)) {
        if (!kind.equals("ipmi-power-off")
            && !params.getOrDefault("agent", "").matches("fence_[a-z0-9_]+|/.+")) {
          v.add("params.agent", "the fence agent to run, e.g. fence_apc_snmp");
        }
        if (kind.equals("power-outlet") && !params.containsKey("plug")) {
          v.add("params.plug", "the PDU outlet the machine is plugged into, e.g. \"3\"");
        }
        String timeout = params.get("timeout");
        if (timeout != null && Durations.parse(timeout).isEmpty()) {
          v.add("params.timeout", "a duration such as 30s");
        }
        for (String key : params.keySet()) {
          if (SECRET_PARAMS.contains(key.replace('-', '_'))) {
            v.add(
                "params." + key,
                "no secret here: use fencing.secret (${env:NAME} or ${file:/path})");
          }
        }
      }
    }

    @Override
    protected FencingConfig create() {
      return new FencingConfig(
          kind, target, enabled == null || enabled, params, Optional.ofNullable(secret));
    }

    @Override
    protected String what() {
      return "fencing";
    }
  }
}
