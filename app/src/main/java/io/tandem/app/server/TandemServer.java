package io.tandem.app.server;

import io.tandem.app.audit.AuditLog;
import io.tandem.app.security.RefusalAudit;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

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

  /**
   * Bounds request bodies on every path of this listener, before security or MVC read them ({@code
   * tandem.http.max-request-bytes}, 64 KiB by default: every message Tandem exchanges is far
   * smaller).
   */
  @Bean
  FilterRegistrationBean<RequestBodyLimit> requestBodyLimit(
      @Value("${tandem.http.max-request-bytes:65536}") long maxBytes, RefusalAudit audit) {
    var r = new FilterRegistrationBean<>(new RequestBodyLimit(maxBytes, audit));
    r.setOrder(Ordered.HIGHEST_PRECEDENCE);
    r.addUrlPatterns("/*");
    return r;
  }

  /**
   * Bounds the API's share of the container's threads ({@code tandem.http.api-permits}, 8 by
   * default; the container has 32), so that the peer link and witness endpoints always find one;
   * {@code tandem.http.command-permits} (2) more are kept for operator commands.
   */
  @Bean
  FilterRegistrationBean<ApiAdmission> apiAdmission(
      @Value("${tandem.http.api-permits:8}") int permits,
      @Value("${tandem.http.command-permits:2}") int commandPermits) {
    var r = new FilterRegistrationBean<>(new ApiAdmission(permits, commandPermits, 200));
    r.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
    r.addUrlPatterns("/*");
    return r;
  }

  /**
   * TLS 1.3 and 1.2 with AEAD suites only (no CBC, no SHA-1 MAC, no static RSA key exchange), as
   * Mozilla's "intermediate" server profile; TLS 1.3's own suites are listed too, since naming
   * suites switches off every suite not named. Applies to every listener that serves HTTPS (agent,
   * witness) and changes nothing without TLS.
   */
  static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  static final String[] TLS_CIPHERS = {
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
  };

  @Bean
  WebServerFactoryCustomizer<ConfigurableServletWebServerFactory> aeadOnlyTls() {
    return factory -> {
      if (factory instanceof AbstractConfigurableWebServerFactory f && Ssl.isEnabled(f.getSsl())) {
        f.getSsl().setEnabledProtocols(TLS_PROTOCOLS);
        f.getSsl().setCiphers(TLS_CIPHERS);
      }
    };
  }

  @Bean(destroyMethod = "close")
  AuditLog auditLog(@Value("${tandem.data-dir:./tandem-data}") Path dataDir) {
    return new AuditLog(dataDir.resolve("audit.jsonl"));
  }

  @Bean(destroyMethod = "close")
  RefusalAudit refusalAudit(AuditLog auditLog, Clock clock) {
    return new RefusalAudit(auditLog, clock);
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
