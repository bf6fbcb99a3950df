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
        if (f.command().strip().equals("reloadxml")) {
          // mod_commands.c reload_xml_function answers "+OK [<err>]" whatever happened: err is
          // "Success" only when freeswitch.xml parsed (switch_xml.c switch_xml_open_root);
          // otherwise FreeSWITCH keeps its old configuration
          String err =
              answer.startsWith("+OK [") && answer.endsWith("]")
                  ? answer.substring(5, answer.length() - 1)
                  : answer;
          if (!err.equals("Success")) {
            throw new ProtocolException("reloadxml failed: " + err);
          }
          yield "ok";
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
      // read while it runs: a command that writes more than a pipe holds would otherwise block
      // until its timeout; the first 4 KiB go into the words
      java.util.concurrent.CompletableFuture<byte[]> output =
          new java.util.concurrent.CompletableFuture<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try (var in = p.getInputStream()) {
                  byte[] head = in.readNBytes(4096);
                  in.transferTo(java.io.OutputStream.nullOutputStream());
                  output.complete(head);
                } catch (IOException e) {
                  output.complete(new byte[0]);
                }
              });
      if (!p.waitFor(c.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new TransientException(c.describe() + " did not finish within " + c.timeout());
      }
      String out;
      try {
        out = new String(output.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        out = ""; // a child it left behind holds the pipe open: the exit status decides
      }
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
