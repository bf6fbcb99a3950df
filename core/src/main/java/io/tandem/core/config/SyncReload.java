package io.tandem.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the receiving site runs after a sync job changed something, so the PBX uses it: an Asterisk
 * or FreeSWITCH module reload, a FreeSWITCH API command such as {@code reloadxml}, or a command.
 */
public sealed interface SyncReload {

  /** Words for decisions and plans, e.g. {@code "module reload res_pjsip.so"}. */
  String describe();

  /**
   * Reload one module through the PBX's own interface (Asterisk AMI {@code ModuleLoad} with {@code
   * LoadType: reload}; FreeSWITCH {@code reload mod_x}).
   */
  record Module(String module) implements SyncReload {
    public Module {
      Objects.requireNonNull(module, "module");
    }

    @Override
    public String describe() {
      return "module reload " + module;
    }
  }

  /** A FreeSWITCH API command over the event socket, e.g. {@code reloadxml}. */
  record FreeswitchApi(String command) implements SyncReload {
    public FreeswitchApi {
      Objects.requireNonNull(command, "command");
    }

    @Override
    public String describe() {
      return "freeswitch api " + command;
    }
  }

  /** A local command (argument vector, no shell), with a timeout; exit 0 is success. */
  record Command(List<String> argv, Duration timeout) implements SyncReload {
    public Command {
      argv = List.copyOf(argv);
      Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public String describe() {
      return "command " + String.join(" ", argv);
    }
  }
}
