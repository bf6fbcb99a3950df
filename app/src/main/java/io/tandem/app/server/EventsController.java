package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.api.ClusterRuntime;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Live decisions, state changes and runbook steps over server-sent events.
 *
 * <p>Open streams are ended when the server stops (this lifecycle stops before the web server's
 * graceful shutdown): otherwise a stream whose browser has gone away, which nothing writes to any
 * more, would hold the shutdown for its whole timeout. Thread-safe.
 */
@RestController
@Tag(name = "status")
public class EventsController implements SmartLifecycle {

  private static final Duration MAX_STREAM = Duration.ofMinutes(30);

  private final ClusterRuntime runtime;
  private final Set<SseEmitter> open = ConcurrentHashMap.newKeySet();
  private volatile boolean running;

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
                open.remove(emitter);
                closeQuietly(sub[0]);
              }
            });
    open.add(emitter);
    Runnable cleanup =
        () -> {
          open.remove(emitter);
          closeQuietly(sub[0]);
        };
    emitter.onCompletion(cleanup);
    emitter.onTimeout(cleanup);
    emitter.onError(e -> cleanup.run());
    return emitter;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    for (SseEmitter e : open) {
      e.complete(); // the completion callback unsubscribes it
    }
    open.clear();
  }

  @Override
  public boolean isRunning() {
    return running;
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
