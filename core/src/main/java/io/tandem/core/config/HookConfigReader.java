package io.tandem.core.config;

import io.tandem.core.config.Fields.Indexed;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code hooks:} list of a cluster file into {@link HookConfig}s, every problem located
 * like the rest of the file (unknown events with a suggestion, duplicate names with the first one's
 * place). Used by {@link ClusterConfigLoader}.
 */
final class HookConfigReader {

  private HookConfigReader() {}

  static void read(Fields top, ClusterConfig.Builder cluster) {
    Map<String, Integer> names = new HashMap<>();
    for (Indexed i : top.objects("hooks")) {
      Fields f = i.fields();
      HookConfig.Builder b =
          HookConfig.builder()
              .name(f.string("name"))
              .command(f.string("command"))
              .timeout(f.duration("timeout"));
      List<String> on = f.stringList("on");
      if (on != null) {
        b.onGiven();
        List<String> known = ConfigEnum.names(HookEvent.class);
        for (int k = 0; k < on.size(); k++) {
          var event = ConfigEnum.find(HookEvent.class, on.get(k));
          if (event.isPresent()) {
            b.on(event.get());
          } else {
            f.context()
                .problem(
                    f.at("on") + "[" + k + "]",
                    "expected one of "
                        + known
                        + ", found '"
                        + on.get(k)
                        + "'"
                        + NameSuggestions.hint(on.get(k), known));
          }
        }
      }
      f.finish();
      List<Violation> violations = b.violations();
      if (!violations.isEmpty()) {
        f.context().violations(f.path(), violations);
        f.context().rejectObject(f.path());
        continue;
      }
      HookConfig hook = b.build();
      Integer first = names.putIfAbsent(hook.name(), i.index());
      if (first != null) {
        f.context()
            .problem(
                f.at("name"),
                "expected a unique hook name; " + hook.name() + " is already hooks[" + first + "]");
        continue;
      }
      cluster.hook(hook);
    }
  }
}
