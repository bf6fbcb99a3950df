package io.tandem.app.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.config.SyncReload;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.TransientException;
import io.tandem.onprem.esl.EslPbxControl;
import io.tandem.onprem.esl.EslSettings;
import io.tandem.sim.pbx.EslServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reload a job names after an apply: a FreeSWITCH API command over the event socket (against
 * the ESL simulator, which answers {@code reloadxml} as mod_commands.c does) and a local command.
 */
class PbxSyncReloaderTest {

  @Test
  void reloadxmlSucceedsOnlyWhenFreeswitchParsedTheXmlAndSaysWhyOtherwise() throws Exception {
    PbxModel model = new PbxModel("1.10.12");
    try (EslServer server = new EslServer(model, new PbxFaults(), "ClueCon-not");
        EslPbxControl esl =
            new EslPbxControl(EslSettings.of(server.host(), server.port(), "ClueCon-not"))) {
      PbxSyncReloader reloader = new PbxSyncReloader(esl);
      assertThat(reloader.reload(new SyncReload.FreeswitchApi("reloadxml"))).isEqualTo("ok");
      assertThat(model.reloadedModules()).contains("xml");

      // FreeSWITCH answers "+OK [<error>]" when freeswitch.xml does not parse, and keeps the old
      // configuration: the sync must not report that as a reload
      model.xmlError("Error on line 12: unclosed tag <extension>");
      assertThatThrownBy(() -> reloader.reload(new SyncReload.FreeswitchApi("reloadxml")))
          .isInstanceOf(ProtocolException.class)
          .hasMessage("reloadxml failed: Error on line 12: unclosed tag <extension>");

      assertThatThrownBy(() -> reloader.reload(new SyncReload.FreeswitchApi("reload mod_nope x")))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("-ERR");
    }
  }

  @Test
  void aCommandReloadSaysHowItEndedAndIsStoppedAtItsTimeout() {
    PbxSyncReloader reloader = new PbxSyncReloader(null);
    assertThat(
            reloader.reload(new SyncReload.Command(List.of("/bin/true"), Duration.ofSeconds(10))))
        .isEqualTo("exit 0");
    assertThatThrownBy(
            () ->
                reloader.reload(
                    new SyncReload.Command(
                        List.of("/bin/sh", "-c", "echo bad config >&2; exit 3"),
                        Duration.ofSeconds(10))))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("exited 3: bad config");
    // a chatty command does not block on a full pipe
    assertThat(
            reloader.reload(
                new SyncReload.Command(
                    List.of("/bin/sh", "-c", "head -c 300000 /dev/zero"), Duration.ofSeconds(10))))
        .isEqualTo("exit 0");
    assertThatThrownBy(
            () ->
                reloader.reload(
                    new SyncReload.Command(List.of("/bin/sleep", "30"), Duration.ofMillis(300))))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("did not finish within");
  }
}
