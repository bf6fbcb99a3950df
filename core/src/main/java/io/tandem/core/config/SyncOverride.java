package io.tandem.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A per-node rewrite of files a {@code files} job received: on the receiving site, in every
 * received file matching {@code files}, replace the literal text {@code replace} (or each match of
 * {@code regex}, per line) with {@code with} after filling in the receiving site's values, or with
 * that site's entry of {@code perSite}. The sender's own files are never changed.
 *
 * <p>Template placeholders are written {@code {{name}}}: {@code site}, {@code region}, {@code
 * managementAddress}, {@code managementHost}, {@code publicAddress} (the site's value of the first
 * A/AAAA record under {@code dns}), or a name set for the site in the job's {@code values}. With
 * {@code regex}, {@code $1}… refer to its groups.
 *
 * @param files globs relative to the job's path (e.g. {@code pjsip.conf}, {@code **}{@code
 *     /*.conf})
 * @param sites receiving sites the rule applies on; empty means every site
 * @param replace literal text to replace, or empty when {@code regex} is used
 * @param regex a Java regular expression applied to each line (multiline mode), or empty
 * @param with the replacement template, or empty when {@code perSite} is used
 * @param perSite replacement per receiving site, instead of {@code with}
 */
public record SyncOverride(
    List<String> files,
    List<String> sites,
    Optional<String> replace,
    Optional<String> regex,
    Optional<String> with,
    Map<String, String> perSite) {

  /** Names every site gets without configuring them. */
  public static final Set<String> BUILT_IN =
      Set.of("site", "region", "managementAddress", "managementHost", "publicAddress");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z][\\w.-]*)\\s*}}");

  public SyncOverride {
    files = List.copyOf(files);
    sites = List.copyOf(sites);
    Objects.requireNonNull(replace, "replace");
    Objects.requireNonNull(regex, "regex");
    Objects.requireNonNull(with, "with");
    perSite = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(perSite));
  }

  /** Whether the rule applies when {@code site} receives. */
  public boolean appliesOn(String site) {
    return sites.isEmpty() || sites.contains(site);
  }

  /** The replacement template for {@code site}, if the rule has one for it. */
  public Optional<String> templateFor(String site) {
    return perSite.isEmpty() ? with : Optional.ofNullable(perSite.get(site));
  }

  /** Placeholder names used by the rule's templates. */
  public Set<String> placeholders() {
    Set<String> out = new LinkedHashSet<>();
    List<String> templates = new ArrayList<>(perSite.values());
    with.ifPresent(templates::add);
    for (String t : templates) {
      Matcher m = PLACEHOLDER.matcher(t);
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** {@code template} with each {@code {{name}}} replaced by its value (unknown names kept). */
  public static String fill(String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = values.get(m.group(1));
      m.appendReplacement(sb, Matcher.quoteReplacement(v != null ? v : m.group()));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link SyncOverride}. */
  public static final class Builder extends ConfigBuilder<SyncOverride> {
    private final List<String> files = new ArrayList<>();
    private final List<String> sites = new ArrayList<>();
    private String replace;
    private String regex;
    private String with;
    private final Map<String, String> perSite = new LinkedHashMap<>();

    public Builder file(String v) {
      files.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder site(String v) {
      sites.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder replace(String v) {
      replace = v;
      return this;
    }

    public Builder regex(String v) {
      regex = v;
      return this;
    }

    public Builder with(String v) {
      with = v;
      return this;
    }

    public Builder perSite(String site, String v) {
      perSite.put(Objects.requireNonNull(site), Objects.requireNonNull(v));
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (files.isEmpty()) {
        v.add("files", "missing: expected the files to rewrite, as globs such as pjsip.conf");
      }
      for (int i = 0; i < files.size(); i++) {
        SyncGlobs.check(v, "files[" + i + "]", files.get(i));
      }
      if ((replace == null) == (regex == null)) {
        v.add(
            replace == null ? "replace" : "regex",
            "expected exactly one of replace (literal text) or regex (a regular expression)");
      }
      if (replace != null && replace.isEmpty()) {
        v.add("replace", "expected the text to replace, found an empty string");
      }
      if (regex != null) {
        try {
          Pattern.compile(regex, Pattern.MULTILINE);
        } catch (PatternSyntaxException e) {
          v.add(
              "regex",
              "expected a regular expression: " + e.getDescription() + " at " + e.getIndex());
        }
      }
      if ((with == null) == perSite.isEmpty()) {
        v.add(
            with == null ? "with" : "perSite",
            "expected exactly one of with (a template such as {{publicAddress}}) or perSite (a"
                + " replacement per site)");
      }
    }

    @Override
    protected SyncOverride create() {
      return new SyncOverride(
          files,
          sites,
          Optional.ofNullable(replace),
          Optional.ofNullable(regex),
          Optional.ofNullable(with),
          perSite);
    }

    @Override
    protected String what() {
      return "sync override";
    }
  }
}
