package io.tandem.aws;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The IAM policy documents of {@code terraform/aws/main.tf}, read mechanically (Terraform cannot
 * run here): every {@code data "aws_iam_policy_document"} block, its {@code statement} blocks and
 * its {@code dynamic "statement"} blocks with their {@code for_each} guard, each statement's {@code
 * sid} and {@code actions}. Guards are evaluated for one deployment; a guard of a form this reader
 * does not know fails loudly rather than being guessed.
 */
record TerraformPolicies(String hcl) {

  static final Path MAIN_TF = Path.of("..", "terraform", "aws", "main.tf");

  /** One statement: its id, its actions, and the {@code for_each} guard if it is dynamic. */
  record Statement(String sid, Set<String> actions, Optional<String> guard) {}

  /**
   * The variables the guards read. {@code fencing} is {@code var.fencing}; every other variable is
   * taken as configured (a non-empty list or string), as in a deployment that moves an Elastic IP
   * and changes a Route 53 record.
   */
  record Deployment(String fencing) {}

  static TerraformPolicies read() throws IOException {
    return new TerraformPolicies(Files.readString(MAIN_TF));
  }

  /** Every statement of the named policy document, guards not evaluated. */
  List<Statement> statements(String document) {
    String body = block("data \"aws_iam_policy_document\" \"" + document + "\"", hcl, 0);
    List<Statement> out = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^\\s*(statement|dynamic \"statement\")\\s*\\{").matcher(body);
    while (m.find()) {
      String st = block("", body, m.start());
      Optional<String> guard = Optional.empty();
      if (m.group(1).startsWith("dynamic")) {
        Matcher g = Pattern.compile("for_each\\s*=\\s*(.+)").matcher(st);
        guard = Optional.of(g.find() ? g.group(1).strip() : "?");
        st = block("content", st, 0);
      }
      out.add(new Statement(sid(st), actions(st), guard));
    }
    return out;
  }

  /** The statements of the named document that the deployment creates. */
  List<Statement> statements(String document, Deployment deployment) {
    return statements(document).stream()
        .filter(s -> s.guard().map(g -> creates(g, deployment)).orElse(true))
        .toList();
  }

  /** Whether a {@code for_each = <cond> ? [] : [1]} (or {@code ? [1] : []}) guard creates it. */
  static boolean creates(String guard, Deployment d) {
    Matcher m =
        Pattern.compile("^(.+?)\\s*\\?\\s*(\\[\\]|\\[1\\])\\s*:\\s*(\\[\\]|\\[1\\])$")
            .matcher(guard);
    if (!m.matches()) {
      throw new IllegalArgumentException("unknown for_each guard in main.tf: " + guard);
    }
    boolean cond = false;
    for (String atom : m.group(1).split("\\|\\|")) {
      cond |= atom(atom.strip(), d);
    }
    return (cond ? m.group(2) : m.group(3)).equals("[1]");
  }

  private static boolean atom(String atom, Deployment d) {
    Matcher eq = Pattern.compile("^var\\.(\\w+)\\s*==\\s*\"([^\"]*)\"$").matcher(atom);
    if (eq.matches()) {
      String value = eq.group(1).equals("fencing") ? d.fencing() : "configured";
      return value.equals(eq.group(2));
    }
    if (atom.matches("^length\\(var\\.\\w+\\)\\s*==\\s*0$")) {
      return false; // every list variable is configured (non-empty)
    }
    throw new IllegalArgumentException("unknown condition in a main.tf guard: " + atom);
  }

  private static String sid(String statement) {
    Matcher m = Pattern.compile("sid\\s*=\\s*\"([^\"]+)\"").matcher(statement);
    return m.find() ? m.group(1) : "";
  }

  private static Set<String> actions(String statement) {
    Matcher m = Pattern.compile("actions\\s*=\\s*\\[([^\\]]*)\\]").matcher(statement);
    Set<String> out = new LinkedHashSet<>();
    if (m.find()) {
      Matcher a = Pattern.compile("\"([^\"]+)\"").matcher(m.group(1));
      while (a.find()) {
        out.add(a.group(1));
      }
    }
    return out;
  }

  /**
   * The text between the braces of the first block at or after {@code from} whose header starts
   * with {@code header} (any block when empty). Strings and {@code #} comments are skipped while
   * counting braces ({@code "${...}"} interpolations hold braces).
   */
  private static String block(String header, String text, int from) {
    int start = header.isEmpty() ? from : text.indexOf(header, from);
    if (start < 0) {
      throw new IllegalArgumentException("main.tf has no block " + header);
    }
    int open = text.indexOf('{', start);
    int depth = 0;
    for (int i = open; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        i = closingQuote(text, i);
      } else if (c == '#') {
        i = text.indexOf('\n', i);
      } else if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return text.substring(open + 1, i);
      }
    }
    throw new IllegalArgumentException("unbalanced braces after " + header);
  }

  private static int closingQuote(String text, int open) {
    for (int i = open + 1; i < text.length(); i++) {
      if (text.charAt(i) == '\\') {
        i++;
      } else if (text.charAt(i) == '"') {
        return i;
      }
    }
    throw new IllegalArgumentException("unterminated string in main.tf");
  }

  /**
   * The statements as an IAM policy for moto: same ids and actions, {@code Resource "*"}, no
   * conditions (see {@link IamLeastPrivilegeTest} for why), less the {@code dropped} action.
   */
  static String motoPolicy(List<Statement> statements, String dropped) {
    StringBuilder json = new StringBuilder("{\"Version\":\"2012-10-17\",\"Statement\":[");
    String sep = "";
    for (Statement s : statements) {
      List<String> actions = s.actions().stream().filter(a -> !a.equals(dropped)).toList();
      if (actions.isEmpty()) {
        continue; // IAM refuses a statement without actions; dropping it is the same
      }
      json.append(sep)
          .append("{\"Sid\":\"")
          .append(s.sid())
          .append("\",\"Effect\":\"Allow\",\"Action\":[")
          .append(String.join(",", actions.stream().map(a -> "\"" + a + "\"").toList()))
          .append("],\"Resource\":\"*\"}");
      sep = ",";
    }
    return json.append("]}").toString();
  }
}
