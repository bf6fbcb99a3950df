package io.tandem.azure.internal;

import io.tandem.core.error.ConfigException;
import java.util.Locale;

/**
 * A parsed ARM resource id: {@code /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/
 * {name}[/{childType}/{childName}]}. Also accepts a bare name, resolved in the site's resource
 * group. Immutable.
 *
 * @param subscriptionId subscription
 * @param resourceGroup resource group
 * @param type provider type in lower case, e.g. {@code microsoft.network/networkinterfaces}
 * @param name resource name
 * @param childName child resource name (e.g. the NIC's IP configuration), or {@code null}
 */
public record ArmResourceId(
    String subscriptionId, String resourceGroup, String type, String name, String childName) {

  /**
   * Parses {@code value}, a full id of {@code expectedType} or a bare name in the default group.
   *
   * @param field configuration field for the error message
   */
  public static ArmResourceId parse(
      String field,
      String value,
      String expectedType,
      boolean withChild,
      String defaultSubscription,
      String defaultGroup) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(field + ": expected a resource id or name, was nothing");
    }
    if (!value.startsWith("/")) {
      if (withChild) {
        int slash = value.indexOf('/');
        if (slash <= 0 || slash == value.length() - 1 || value.indexOf('/', slash + 1) >= 0) {
          throw new ConfigException(
              field + ": expected '<nic>/<ipconfig>' or a full resource id, was '" + value + "'");
        }
        return new ArmResourceId(
            defaultSubscription,
            defaultGroup,
            expectedType,
            value.substring(0, slash),
            value.substring(slash + 1));
      }
      return new ArmResourceId(defaultSubscription, defaultGroup, expectedType, value, null);
    }
    String[] p = value.substring(1).split("/");
    int expectedParts = withChild ? 10 : 8;
    if (p.length != expectedParts
        || !p[0].equalsIgnoreCase("subscriptions")
        || !p[2].equalsIgnoreCase("resourceGroups")
        || !p[4].equalsIgnoreCase("providers")
        || !(p[5] + "/" + p[6]).equalsIgnoreCase(expectedType)) {
      throw new ConfigException(
          field
              + ": expected a resource id of type "
              + expectedType
              + (withChild ? " with a child" : "")
              + ", was '"
              + value
              + "'");
    }
    return new ArmResourceId(
        p[1], p[3], expectedType.toLowerCase(Locale.ROOT), p[7], withChild ? p[9] : null);
  }

  /** Whether two ids name the same resource (ARM ids compare case-insensitively). */
  public static boolean same(String a, String b) {
    return a != null && b != null && a.equalsIgnoreCase(b);
  }
}
