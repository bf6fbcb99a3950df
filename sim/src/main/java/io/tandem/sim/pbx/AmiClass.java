package io.tandem.sim.pbx;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Asterisk Manager permission classes, as {@code manager.conf}'s {@code read=} and {@code write=}
 * name them (main/manager.c {@code perms[]}). An action runs only when the session's write classes
 * include one of the action's classes; an event reaches a session only when its read classes (and
 * its {@code Events:} mask) include the event's class.
 */
public enum AmiClass {
  SYSTEM,
  CALL,
  LOG,
  VERBOSE,
  COMMAND,
  AGENT,
  USER,
  CONFIG,
  DTMF,
  REPORTING,
  CDR,
  DIALPLAN,
  ORIGINATE,
  AGI,
  CC,
  AOC,
  TEST,
  SECURITY,
  MESSAGE;

  /** The label in manager.conf and in {@code Privilege:} headers. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every class ({@code all}). */
  public static Set<AmiClass> all() {
    return EnumSet.allOf(AmiClass.class);
  }

  /**
   * Parses a manager.conf style list ({@code system,call}, {@code all}, {@code none}) the way
   * main/manager.c {@code strings_to_mask} does for {@code Events:}: {@code on}/{@code yes} mean
   * all, {@code off}/{@code no} none, unknown labels are ignored.
   */
  public static Set<AmiClass> parse(String list) {
    String s = list == null ? "" : list.trim().toLowerCase(Locale.ROOT);
    if (s.equals("on") || s.equals("yes") || s.equals("true") || s.equals("all")) {
      return all();
    }
    Set<AmiClass> out = EnumSet.noneOf(AmiClass.class);
    for (String part : s.split(",")) {
      for (AmiClass c : values()) {
        if (c.label().equals(part.trim())) {
          out.add(c);
        }
      }
      if (part.trim().equals("all")) {
        out.addAll(all());
      }
    }
    return out;
  }
}
