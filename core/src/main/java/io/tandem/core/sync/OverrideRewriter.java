package io.tandem.core.sync;

import io.tandem.core.config.SyncOverride;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies a job's override rules for one receiving site to the content of a received file: each
 * matching rule in order, literal text or a regular expression per line, the replacement filled
 * with the site's values. Text is read as UTF-8 when it is valid UTF-8, else byte for byte
 * (ISO-8859-1), so a file is never re-encoded. Immutable; thread-safe.
 */
public final class OverrideRewriter {

  private record Rule(
      List<PathMatcher> files, Optional<String> literal, Optional<Pattern> regex, String with) {}

  private final List<Rule> rules = new ArrayList<>();

  /**
   * @param overrides the job's rules
   * @param site the receiving site
   * @param values the site's template values
   */
  public OverrideRewriter(List<SyncOverride> overrides, String site, Map<String, String> values) {
    for (SyncOverride o : overrides) {
      if (!o.appliesOn(site) || o.templateFor(site).isEmpty()) {
        continue;
      }
      String with = SyncOverride.fill(o.templateFor(site).get(), values);
      rules.add(
          new Rule(
              o.files().stream().map(SyncGlob::matcher).toList(),
              o.replace(),
              o.regex().map(r -> Pattern.compile(r, Pattern.MULTILINE)),
              with));
    }
  }

  /**
   * Whether any rule applies to the file at {@code relative} (a path under the job's directory).
   */
  public boolean matches(String relative) {
    Path p = Path.of(relative);
    return rules.stream().anyMatch(r -> r.files().stream().anyMatch(m -> SyncGlob.matches(m, p)));
  }

  /** A fingerprint of the rules (changes when the rules or the site's values change). */
  public String fingerprint() {
    StringBuilder sb = new StringBuilder();
    for (Rule r : rules) {
      sb.append(r.literal().orElse(""))
          .append('\u0000')
          .append(r.regex().map(Pattern::pattern).orElse(""))
          .append('\u0000')
          .append(r.with())
          .append('\u0001');
    }
    return Integer.toHexString(sb.toString().hashCode());
  }

  /**
   * The content after every matching rule, or the same array when nothing changed.
   *
   * @param relative the file's path under the job's directory
   * @param content its received content
   */
  public byte[] rewrite(String relative, byte[] content) {
    Path p = Path.of(relative);
    boolean utf8 = validUtf8(content);
    java.nio.charset.Charset cs = utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
    String text = new String(content, cs);
    String out = text;
    for (Rule r : rules) {
      if (r.files().stream().noneMatch(m -> SyncGlob.matches(m, p))) {
        continue;
      }
      if (r.literal().isPresent()) {
        out = out.replace(r.literal().get(), r.with());
      } else {
        Matcher m = r.regex().get().matcher(out);
        out = m.replaceAll(r.with());
      }
    }
    return out.equals(text) ? content : out.getBytes(cs);
  }

  private static boolean validUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  static PathMatcher glob(String g) {
    return FileSystems.getDefault().getPathMatcher("glob:" + g);
  }
}
