package io.tandem.sim.pbx;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One {@code [user]} section of a simulated {@code manager.conf}.
 *
 * @param name the section name, used as {@code Username:}
 * @param secret {@code secret=}
 * @param read {@code read=}: event classes the session may receive
 * @param write {@code write=}: action classes the session may run
 */
public record ManagerUser(String name, String secret, Set<AmiClass> read, Set<AmiClass> write) {

  public ManagerUser {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(secret, "secret");
    read = read.isEmpty() ? EnumSet.noneOf(AmiClass.class) : EnumSet.copyOf(read);
    write = write.isEmpty() ? EnumSet.noneOf(AmiClass.class) : EnumSet.copyOf(write);
  }

  /** A user with {@code read = all} and {@code write = all}. */
  public static ManagerUser all(String name, String secret) {
    return new ManagerUser(name, secret, AmiClass.all(), AmiClass.all());
  }

  /** A user with the given manager.conf lists, e.g. {@code ("system,reporting", "system")}. */
  public static ManagerUser of(String name, String secret, String read, String write) {
    return new ManagerUser(name, secret, AmiClass.parse(read), AmiClass.parse(write));
  }
}
