package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/azure-rbac.md and terraform/azure/main.tf grant the same thing (15.11): the custom role's
 * actions (in order), not-actions, data actions and description, and the built-in role the witness
 * container is assigned. Terraform cannot run here, so the HCL is read for those attributes; the
 * documented role definition is parsed as JSON.
 */
class AzureRbacDocsTest {

  private static final Path ROOT = Path.of("..");

  @Test
  void theDocumentedRoleAndTheTerraformRoleDefinitionGrantTheSameActions() throws IOException {
    String hcl = Files.readString(ROOT.resolve("terraform/azure/main.tf"));
    JsonNode documented = documentedRole("Tandem Failover Operator");

    String definition = between(hcl, "resource \"azurerm_role_definition\" \"tandem\"", "\n}\n");
    assertThat(strings(documented.path("Actions")))
        .isNotEmpty()
        .containsExactlyElementsOf(list(definition, "actions"));
    assertThat(strings(documented.path("NotActions")))
        .containsExactlyElementsOf(list(definition, "not_actions"));
    assertThat(strings(documented.path("DataActions")))
        .as("the control-plane role has no data actions in either place")
        .isEmpty();
    assertThat(definition).doesNotContain("data_actions");
    assertThat(string(definition, "description"))
        .isEqualTo(documented.path("Description").asString());
  }

  @Test
  void theWitnessContainerGetsTheDocumentedBuiltInRole() throws IOException {
    String hcl = Files.readString(ROOT.resolve("terraform/azure/main.tf"));
    String md = Files.readString(ROOT.resolve("docs/azure-rbac.md"));
    String assignment = between(hcl, "resource \"azurerm_role_assignment\" \"witness\"", "\n}\n");
    String role = string(assignment, "role_definition_name");
    Matcher documented =
        Pattern.compile("--role \"([^\"]+)\"\\s*\\\\?\\s*\\n\\s*--scope \\S*/containers/")
            .matcher(md);
    assertThat(documented.find())
        .as("docs/azure-rbac.md assigns a role at container scope")
        .isTrue();
    assertThat(role).isEqualTo(documented.group(1)).isEqualTo("Storage Blob Data Contributor");
    assertThat(string(assignment, "scope")).contains("azurerm_storage_container.witness");
  }

  private static JsonNode documentedRole(String name) throws IOException {
    String md = Files.readString(ROOT.resolve("docs/azure-rbac.md"));
    Matcher block = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(md);
    JsonMapper json = JsonMapper.builder().build();
    while (block.find()) {
      JsonNode role = json.readTree(block.group(1));
      if (name.equals(role.path("Name").asString())) {
        return role;
      }
    }
    throw new AssertionError("docs/azure-rbac.md has no role definition named " + name);
  }

  private static String between(String text, String start, String end) {
    int from = text.indexOf(start);
    assertThat(from).as("main.tf has %s", start).isNotNegative();
    return text.substring(from, text.indexOf(end, from) + end.length());
  }

  private static List<String> list(String block, String attribute) {
    Matcher m =
        Pattern.compile("(?m)^\\s*" + attribute + "\\s*=\\s*\\[([^\\]]*)\\]").matcher(block);
    assertThat(m.find()).as("%s in %s", attribute, block).isTrue();
    List<String> out = new ArrayList<>();
    Matcher s = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
    while (s.find()) {
      out.add(s.group(1));
    }
    return out;
  }

  private static String string(String block, String attribute) {
    Matcher m =
        Pattern.compile("(?m)^\\s*" + attribute + "\\s*=\\s*(\"[^\"]*\"|\\S+)").matcher(block);
    assertThat(m.find()).as("%s in %s", attribute, block).isTrue();
    return m.group(1).replaceAll("^\"|\"$", "");
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }
}
