package io.tandem.app.witness;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.tandem.core.error.ConfigException;
import io.tandem.core.witness.BuiltInWitness;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * The built-in witness's listener: the JDK's own HTTP(S) server ({@code com.sun.net.httpserver})
 * with one virtual thread per exchange, serving {@link WitnessHandler}. Chosen over the Spring MVC
 * stack the agents' API uses because the witness answers tens of thousands of tiny requests per
 * second and nothing else: measured on the same core classes, Spring MVC, its observations, Tomcat
 * and the security filter chain cost over 90 % of the CPU per request (see
 * docs/witness-protocol.md, "Capacity").
 *
 * <p>TLS: a PKCS#12 keystore; optionally mutual TLS against a PKCS#12 truststore ({@code want} or
 * {@code need}); TLS 1.3 and 1.2 with AEAD cipher suites only. Connection and request limits are
 * the JDK server's system properties, set by {@link #configureJdkServer} before the first server is
 * created (they are read once per JVM).
 */
public final class WitnessHttpServer implements AutoCloseable {

  /** Largest request body accepted (a witness request is about 150 bytes). */
  public static final int MAX_BODY = 8 * 1024;

  private static final List<String> AEAD_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /**
   * TLS settings.
   *
   * @param keystore PKCS#12 with the witness's key and certificate
   * @param keystorePassword its password
   * @param clientAuth {@code none}, {@code want} or {@code need}
   * @param truststore PKCS#12 with the CAs of the sites' client certificates (mutual TLS)
   * @param truststorePassword its password
   */
  public record Tls(
      Path keystore,
      char[] keystorePassword,
      String clientAuth,
      Optional<Path> truststore,
      char[] truststorePassword) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final WitnessVantage vantage;
  private final Admission admission;

  private WitnessHttpServer(
      HttpServer server, ExecutorService executor, WitnessVantage vantage, Admission admission) {
    this.server = server;
    this.executor = executor;
    this.vantage = vantage;
    this.admission = admission;
  }

  /**
   * Sets the JDK HTTP server's limits unless already set: {@code maxConnections} open connections
   * (each site keeps one), as many kept idle (a site renews every few seconds; closing idle
   * connections would cost a TLS handshake per request), requests and responses bounded to 10 s (a
   * slow client cannot hold a connection), at most 32 headers of 16 KiB in all, no Nagle delay.
   */
  public static void configureJdkServer(int maxConnections) {
    Map<String, String> limits =
        Map.of(
            "jdk.httpserver.maxConnections", Integer.toString(maxConnections),
            "sun.net.httpserver.maxIdleConnections", Integer.toString(maxConnections),
            "sun.net.httpserver.idleInterval", "60",
            "sun.net.httpserver.maxReqTime", "10",
            "sun.net.httpserver.maxRspTime", "10",
            "sun.net.httpserver.maxReqHeaders", "32",
            "sun.net.httpserver.maxReqHeaderSize", Integer.toString(16 * 1024),
            "sun.net.httpserver.nodelay", "true");
    limits.forEach(
        (k, v) -> {
          if (System.getProperty(k) == null) {
            System.setProperty(k, v);
          }
        });
  }

  /**
   * Starts serving {@code witness} on {@code address} ({@code port 0}: an ephemeral port).
   *
   * @param probeTargets per cluster and site, the only targets probed for it
   * @throws ConfigException if the address cannot be bound or the TLS stores cannot be read
   */
  public static WitnessHttpServer start(
      InetSocketAddress address,
      Optional<Tls> tls,
      BuiltInWitness witness,
      Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probeTargets) {
    return start(address, tls, witness, probeTargets, Admission.Limits.defaults());
  }

  static WitnessHttpServer start(
      InetSocketAddress address,
      Optional<Tls> tls,
      BuiltInWitness witness,
      Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probeTargets,
      Admission.Limits limits) {
    configureJdkServer(25_000);
    HttpServer server;
    try {
      if (tls.isPresent()) {
        HttpsServer https = HttpsServer.create(address, 1024);
        https.setHttpsConfigurator(configurator(tls.get()));
        server = https;
      } else {
        server = HttpServer.create(address, 1024);
      }
    } catch (IOException e) {
      throw new ConfigException(
          "witness listen address "
              + address.getHostString()
              + ":"
              + address.getPort()
              + ": cannot listen ("
              + e.getMessage()
              + ")");
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    WitnessVantage vantage = new WitnessVantage(address.getAddress().getHostAddress());
    Admission admission = new Admission(limits);
    server.createContext(
        "/", new WitnessHandler(witness, probeTargets, vantage, admission, MAX_BODY));
    server.setExecutor(executor);
    server.start();
    return new WitnessHttpServer(server, executor, vantage, admission);
  }

  /** Where it listens (the real port when started on port 0). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Requests turned away by admission control so far. */
  public long shed() {
    return admission.shed();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    vantage.close();
  }

  private static HttpsConfigurator configurator(Tls tls) {
    SSLContext ssl = sslContext(tls);
    return new HttpsConfigurator(ssl) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = ssl.getDefaultSSLParameters();
        Set<String> supported = Set.of(ssl.getSupportedSSLParameters().getCipherSuites());
        p.setCipherSuites(AEAD_SUITES.stream().filter(supported::contains).toArray(String[]::new));
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        p.setNeedClientAuth(tls.clientAuth().equals("need"));
        if (!p.getNeedClientAuth()) {
          p.setWantClientAuth(tls.clientAuth().equals("want"));
        }
        params.setSSLParameters(p);
      }
    };
  }

  private static SSLContext sslContext(Tls tls) {
    try {
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(
          load(tls.keystore(), tls.keystorePassword(), "--tls-keystore"), tls.keystorePassword());
      TrustManagerFactory tmf = null;
      if (tls.truststore().isPresent()) {
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(tls.truststore().get(), tls.truststorePassword(), "--tls-truststore"));
      } else if (!tls.clientAuth().equals("none")) {
        throw new ConfigException(
            "--tls-client-auth " + tls.clientAuth() + ": needs --tls-truststore (the sites' CAs)");
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new ConfigException("witness TLS: " + e.getClass().getSimpleName(), e);
    } finally {
      Arrays.fill(tls.keystorePassword(), '\0');
      Arrays.fill(tls.truststorePassword(), '\0');
    }
  }

  private static KeyStore load(Path file, char[] password, String option) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password);
      return ks;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(
          option + " " + file + ": cannot read the PKCS#12 store (" + e.getMessage() + ")");
    }
  }
}
