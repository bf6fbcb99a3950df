package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/aws-iam.md and terraform/aws/main.tf state the same agent and witness policies: the same
 * statement ids with the same actions (15.11). Terraform cannot run here, so the HCL is read for
 * its {@code sid} / {@code actions} pairs; the documented JSON is parsed as JSON.
 */
class IamPolicyDocsTest {

  private static final Path ROOT = Path.of("..");

  @Test
  void theDocumentedPoliciesAndTheTerraformPoliciesHaveTheSameStatements() throws IOException {
    Map<String, Set<String>> terraform = terraformStatements();
    Map<String, Set<String>> documented = documentedStatements();

    assertThat(terraform).isNotEmpty();
    assertThat(documented).isEqualTo(terraform);
  }

  private static Map<String, Set<String>> terraformStatements() throws IOException {
    String hcl = Files.readString(ROOT.resolve("terraform/aws/main.tf"));
    Map<String, Set<String>> out = new TreeMap<>();
    Matcher m =
        Pattern.compile("sid\\s*=\\s*\"([^\"]+)\"\\s*\\n\\s*actions\\s*=\\s*\\[([^\\]]*)\\]")
            .matcher(hcl);
    while (m.find()) {
      Set<String> actions = new TreeSet<>();
      Matcher a = Pattern.compile("\"([^\"]+)\"").matcher(m.group(2));
      while (a.find()) {
        actions.add(a.group(1));
      }
      out.put(m.group(1), actions);
    }
    return out;
  }

  private static Map<String, Set<String>> documentedStatements() throws IOException {
    String md = Files.readString(ROOT.resolve("docs/aws-iam.md"));
    Map<String, Set<String>> out = new TreeMap<>();
    Matcher block = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(md);
    JsonMapper json = JsonMapper.builder().build();
    while (block.find()) {
      JsonNode policy = json.readTree(block.group(1));
      for (JsonNode st : policy.path("Statement")) {
        if (!st.has("Sid") || st.has("Principal")) {
          continue; // trust policies and unnamed operator policies are not in main.tf's roles
        }
        Set<String> actions = new TreeSet<>();
        JsonNode a = st.path("Action");
        if (a.isArray()) {
          a.forEach(x -> actions.add(x.asString()));
        } else {
          actions.add(a.asString());
        }
        out.put(st.path("Sid").asString(), actions);
      }
    }
    return out;
  }
}
