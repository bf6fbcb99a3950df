package io.tandem.core.port;

import java.util.Objects;

/**
 * Whether a site's resource is fenced (stopped, deallocated, isolated).
 *
 * @param target provider id (instance id, VM resource id, outlet)
 * @param fenced true when it can no longer serve
 * @param detail a short sentence ("instance i-123 stopped", "security groups swapped")
 */
public record FenceState(String target, boolean fenced, String detail) {

  public FenceState {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(detail, "detail");
  }
}
