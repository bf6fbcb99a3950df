package io.tandem.app.server;

import io.tandem.app.audit.AuditLog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Spring Boot server behind {@code tandem agent}, {@code tandem witness} and {@code tandem
 * lab}: REST API, console, witness endpoints, metrics. The mode decides which runtime beans are
 * registered (see {@link #start}).
 */
@SpringBootApplication(
    scanBasePackages = {
      "io.tandem.app.server",
      "io.tandem.app.security",
      "io.tandem.app.witness",
      "io.tandem.app.metrics",
      "io.tandem.app.peer",
      "io.tandem.app.sync"
    })
public class TandemServer {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  AuditLog auditLog(@Value("${tandem.data-dir:./tandem-data}") Path dataDir, JsonMapper json) {
    return new AuditLog(dataDir.resolve("audit.jsonl"), json);
  }

  /**
   * Starts the server with extra properties and ready-made beans (the mode's runtime, the witness
   * backend, ...).
   *
   * @param properties Spring properties (port, data dir, security users...)
   * @param beans singletons to register by name before the context refreshes
   */
  public static ConfigurableApplicationContext start(
      Map<String, Object> properties, Map<String, Object> beans, String... args) {
    return new SpringApplicationBuilder(TandemServer.class)
        .properties(properties)
        .initializers(
            ctx ->
                beans.forEach((name, bean) -> ctx.getBeanFactory().registerSingleton(name, bean)))
        .run(args);
  }
}
