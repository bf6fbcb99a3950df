package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.api.ClusterRuntime;
import java.io.IOException;
import java.time.Duration;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Live decisions, state changes and runbook steps over server-sent events. */
@RestController
@Tag(name = "status")
public class EventsController {

  private static final Duration MAX_STREAM = Duration.ofMinutes(30);

  private final ClusterRuntime runtime;

  public EventsController(ClusterRuntime runtime) {
    this.runtime = runtime;
  }

  @GetMapping(value = "/api/v1/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  @Operation(summary = "Server-sent events: decision, state, run, step")
  public SseEmitter events() {
    // Bounded: the browser's EventSource reconnects by itself after the stream ends.
    SseEmitter emitter = new SseEmitter(MAX_STREAM.toMillis());
    AutoCloseable[] sub = new AutoCloseable[1];
    sub[0] =
        runtime.subscribe(
            ev -> {
              try {
                emitter.send(SseEmitter.event().name(ev.type()).data(ev));
              } catch (IOException | IllegalStateException gone) {
                closeQuietly(sub[0]);
              }
            });
    Runnable cleanup = () -> closeQuietly(sub[0]);
    emitter.onCompletion(cleanup);
    emitter.onTimeout(cleanup);
    emitter.onError(e -> cleanup.run());
    return emitter;
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // unsubscribing an in-memory listener cannot fail in a way the client could act on
    }
  }
}
