package io.tandem.core.config;

import java.util.Map;
import java.util.Objects;

/**
 * How to stop a site's old primary from serving when another site takes over (best effort; the
 * witness ticket is what guarantees safety).
 *
 * @param kind fencer type understood by an adapter, e.g. {@code aws-ec2-stop}, {@code
 *     azure-vm-deallocate}, {@code power-outlet}
 * @param target what to fence, e.g. an instance id, a VM resource id, an outlet URL
 * @param enabled false keeps the settings but never fences
 * @param params fencer-specific settings (strings)
 */
public record FencingConfig(
    String kind, String target, boolean enabled, Map<String, String> params) {

  public FencingConfig {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(target, "target");
    params = Map.copyOf(params);
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

    @Override
    protected void check(Violations v) {
      v.required(kind, "kind", "a fencer kind such as aws-ec2-stop");
      v.required(target, "target", "what to fence, e.g. an instance id");
    }

    @Override
    protected FencingConfig create() {
      return new FencingConfig(kind, target, enabled == null || enabled, params);
    }

    @Override
    protected String what() {
      return "fencing";
    }
  }
}
