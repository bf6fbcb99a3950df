package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import io.tandem.app.api.StepView;
import io.tandem.core.event.EventPublisher;
import io.tandem.core.event.TandemEvent;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Live decisions, state changes, runs and runbook steps over server-sent events, from the agent's
 * typed event bus: {@code decision} (a {@link DecisionView}), {@code state} (the whole {@link
 * io.tandem.app.api.ClusterStatus}, on a state change), {@code run} (a {@link RunView}, when it
 * starts and ends), {@code step} (a {@link StepView}, as each step's result is journaled), {@code
 * drill}, {@code ticket}, {@code sensor} and {@code sync}.
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
    EventPublisher.Subscription[] sub = new EventPublisher.Subscription[1];
    sub[0] =
        runtime
            .events()
            .onEvent(
                ev -> {
                  try {
                    send(emitter, ev);
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
    try {
      // a comment at once, so the response's headers go out now and the client's EventSource
      // opens, rather than on the first event (which may be a tick away, or minutes on a witness)
      emitter.send(SseEmitter.event().comment("subscribed"));
    } catch (IOException gone) {
      cleanup.run();
    }
    return emitter;
  }

  /**
   * One event on the wire: the SSE event's name is its type, its data the envelope {@code {type,
   * at, data}} the console reads ({@code JSON.parse(e.data).data}, see {@code console.js}).
   */
  private void send(SseEmitter emitter, TandemEvent ev) throws IOException {
    switch (ev) {
      case TandemEvent.DecisionMade d -> {
        emit(emitter, "decision", d.at(), DecisionView.of(d.site(), d.decision()));
        if (d.stateChanged()) {
          // the whole status, as the console renders it (a decision view here once broke the
          // console's live view on every state change: "s.sites is not iterable")
          emit(emitter, "state", d.at(), runtime.status());
        }
      }
      case TandemEvent.RunStarted r -> emit(emitter, "run", r.at(), RunView.of(r));
      case TandemEvent.RunFinished r -> emit(emitter, "run", r.at(), RunView.of(r));
      case TandemEvent.StepFinished st -> emit(emitter, "step", st.at(), StepView.of(st));
      case TandemEvent.DrillFinished dr -> emit(emitter, "drill", dr.at(), dr);
      case TandemEvent.TicketAcquired t -> emit(emitter, "ticket", t.at(), t);
      case TandemEvent.TicketLost t -> emit(emitter, "ticket", t.at(), t);
      case TandemEvent.SensorChanged se ->
          emit(
              emitter,
              "sensor",
              se.at(),
              new SensorChange(
                  se.site(),
                  se.sensor().spec().name(),
                  se.sensor().up(),
                  se.sensor().last().detail(),
                  se.siteHealthy()));
      case TandemEvent.SyncFinished sy -> emit(emitter, "sync", sy.at(), sy.decision());
      case TandemEvent.TickCompleted t -> {} // for the metrics, not the console
    }
  }

  private static <T> void emit(SseEmitter emitter, String type, Instant at, T data)
      throws IOException {
    emitter.send(SseEmitter.event().name(type).data(new Streamed<>(type, at, data)));
  }

  /**
   * What one SSE event carries.
   *
   * @param type the event's name ({@code decision}, {@code state}, {@code run}, {@code step}, ...)
   * @param at when it happened
   * @param data the view the console renders for that type
   */
  record Streamed<T>(String type, Instant at, T data) {}

  /** A sensor change as the console shows it. */
  record SensorChange(String site, String sensor, boolean up, String detail, boolean siteHealthy) {}

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

  private static void closeQuietly(EventPublisher.Subscription c) {
    if (c != null) {
      c.close();
    }
  }
}
