package io.tandem.app.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.app.FakeClusterRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The HTTPS listener that {@code tandem agent --tls-keystore} and {@code tandem witness
 * --tls-keystore} configure (the same {@code server.ssl.*} properties) offers TLS 1.3 and TLS 1.2
 * with AEAD suites only: a client that offers only CBC suites (SHA-1 or SHA-256 MAC) or an older
 * protocol does not get a session.
 */
class TlsPolicyTest {

  static final String PASS = "test-store-pass";
  @TempDir static Path dir;
  static ConfigurableApplicationContext ctx;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    keytool(
        "-genkeypair",
        "-alias",
        "agent",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "san=ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        dir.resolve("agent.p12").toString(),
        "-storepass",
        PASS);
    Map<String, Object> p = ApiHardeningTest.props(dir);
    // as AgentCommand sets them for --tls-keystore
    p.put("server.ssl.enabled", "true");
    p.put("server.ssl.key-store", dir.resolve("agent.p12").toString());
    p.put("server.ssl.key-store-type", "PKCS12");
    p.put("server.ssl.key-store-password", PASS);
    ctx = TandemServer.start(p, Map.of("clusterRuntime", new FakeClusterRuntime()));
    port = ctx.getEnvironment().getProperty("local.server.port", Integer.class);
  }

  @AfterAll
  static void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  /** Handshakes offering only {@code protocol} and {@code suite}; returns the suite agreed. */
  static String handshake(String protocol, String suite) throws Exception {
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, new TrustManager[] {new TrustAll()}, null);
    try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.setEnabledProtocols(new String[] {protocol});
      if (suite != null) {
        s.setEnabledCipherSuites(new String[] {suite});
      }
      s.startHandshake();
      return s.getSession().getCipherSuite();
    }
  }

  @Test
  void tls13AndTls12AeadSuitesAreOffered() throws Exception {
    assertThat(handshake("TLSv1.3", null)).startsWith("TLS_AES_");
    assertThat(handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
        .isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    assertThat(handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"))
        .isEqualTo("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  }

  @Test
  void cbcSuitesAreNotOffered() {
    for (String cbc :
        List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384")) {
      assertThatThrownBy(() -> handshake("TLSv1.2", cbc)).as(cbc).isInstanceOf(SSLException.class);
    }
  }

  @Test
  void tls11IsNotOffered() {
    assertThatThrownBy(() -> handshake("TLSv1.1", null)).isInstanceOf(SSLException.class);
  }

  /** The test checks the server's offer, not its certificate. */
  static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }
}
