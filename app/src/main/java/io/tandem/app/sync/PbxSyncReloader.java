package io.tandem.app.sync;

import io.tandem.core.config.SyncReload;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.PbxControl;
import io.tandem.core.sync.SyncReloader;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.esl.EslPbxControl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Runs a job's reload on this site's PBX: a module reload through AMI ({@code ModuleLoad}, {@code
 * LoadType: reload}; {@code all} reloads every module, as Asterisk does for a ModuleLoad without a
 * module) or the event socket ({@code reload mod_x}), a FreeSWITCH API command such as {@code
 * reloadxml}, or a local command with its timeout.
 */
final class PbxSyncReloader implements SyncReloader {

  private final PbxControl pbx;

  PbxSyncReloader(PbxControl pbx) {
    this.pbx = pbx;
  }

  @Override
  public String reload(SyncReload reload) {
    return switch (reload) {
      case SyncReload.Module m -> module(m.module());
      case SyncReload.FreeswitchApi f -> {
        if (!(pbx instanceof EslPbxControl esl)) {
          throw new ProtocolException("a FreeSWITCH API reload needs a FreeSWITCH PBX");
        }
        String answer = esl.api(f.command()).strip();
        if (answer.startsWith("-ERR")) {
          throw new ProtocolException(f.command() + " answered " + answer);
        }
        yield answer.isEmpty() ? "ok" : answer.lines().findFirst().orElse("ok");
      }
      case SyncReload.Command c -> command(c);
    };
  }

  private String module(String module) {
    switch (pbx) {
      case AmiPbxControl ami -> ami.reloadModule("all".equals(module) ? null : module);
      case EslPbxControl esl -> esl.reloadModule(module);
      default ->
          throw new ProtocolException("no module reload for " + pbx.getClass().getSimpleName());
    }
    return "ok";
  }

  private static String command(SyncReload.Command c) {
    try {
      Process p = new ProcessBuilder(c.argv()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      if (!p.waitFor(c.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new TransientException(c.describe() + " did not finish within " + c.timeout());
      }
      String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        throw new ProtocolException(
            c.describe() + " exited " + p.exitValue() + (out.isEmpty() ? "" : ": " + out));
      }
      return "exit 0";
    } catch (IOException e) {
      throw new TransientException(c.describe() + " could not run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException(c.describe() + " interrupted");
    }
  }
}
