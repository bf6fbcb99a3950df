package io.tandem.app.witness;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.timeout.IdleStateHandler;
import io.tandem.core.error.ConfigException;
import io.tandem.core.witness.BuiltInWitness;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in witness's listener: HTTP/1.1 on Netty's event loops (the native epoll transport and
 * BoringSSL when present, as gRPC and etcd's Java client use them), each request then answered on
 * its own virtual thread by {@link WitnessProtocol}. Chosen because the witness answers tens of
 * thousands of tiny requests per second and nothing else: measured on the same core classes, Spring
 * MVC with its observations, Tomcat and the security filters cost over 90 % of the CPU per request,
 * and the JDK's built-in server still most of it (a selector re-registration and a date format per
 * request; docs/witness-protocol.md, "Capacity").
 *
 * <p>Limits, each refused before it costs much: at most {@code maxConnections} open connections
 * (each site keeps one), one request at a time per connection (a pipelining client waits), request
 * line 4 KiB, headers 16 KiB, body {@link #MAX_BODY} (refused from its {@code Content-Length}
 * before it is read), a request complete within 30 s of its first byte, a TLS handshake within 10
 * s, an idle connection closed after 60 s. TLS: a PKCS#12 keystore, optionally mutual TLS against a
 * PKCS#12 truststore ({@code want} or {@code need}); TLS 1.3 and 1.2 with AEAD cipher suites only.
 *
 * <p>New TLS connections are limited to {@link #DEFAULT_HANDSHAKES_PER_SECOND_PER_CPU} a second per
 * CPU, as HAProxy's {@code maxsslrate} limits them: a connection beyond the rate is closed at once,
 * before any cryptography. A handshake costs the event loop far more than a renewal on an open
 * connection, and an agent whose request times out drops its connection and opens another (the JDK
 * client does), so an overloaded witness would otherwise spend its CPU on handshakes while the
 * renewals on open connections miss their deadlines, which makes more agents reconnect. The sites
 * that are turned away try again on their next tick.
 */
public final class WitnessHttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WitnessHttpServer.class);

  /** Largest request body accepted (a witness request is about 150 bytes). */
  public static final int MAX_BODY = 8 * 1024;

  /** Open connections at most, by default (10,000 clusters of two sites, and some slack). */
  public static final int DEFAULT_MAX_CONNECTIONS = 25_000;

  /**
   * New TLS connections accepted per second and CPU, by default: a BoringSSL handshake costs the
   * witness about a third of a millisecond, so at most about a third of its CPU goes to handshakes
   * (20,000 sites reconnect within 20 s on one CPU).
   */
  public static final int DEFAULT_HANDSHAKES_PER_SECOND_PER_CPU = 1_000;

  /**
   * A rate of new TLS connections: {@code perPeriod} every {@code period}.
   *
   * @param perPeriod connections accepted per period
   * @param period the period
   */
  record HandshakeRate(int perPeriod, Duration period) {
    static HandshakeRate defaults() {
      // in tenths of a second, so a second's allowance does not arrive in one burst
      int cpus = Runtime.getRuntime().availableProcessors();
      return new HandshakeRate(
          Math.max(1, DEFAULT_HANDSHAKES_PER_SECOND_PER_CPU * cpus / 10), Duration.ofMillis(100));
    }
  }

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

  private final Channel server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService executor;
  private final WitnessVantage vantage;
  private final Admission admission;
  private final LongAdder handshakesRefused;

  private WitnessHttpServer(
      Channel server,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ExecutorService executor,
      WitnessVantage vantage,
      Admission admission,
      LongAdder handshakesRefused) {
    this.server = server;
    this.boss = boss;
    this.workers = workers;
    this.executor = executor;
    this.vantage = vantage;
    this.admission = admission;
    this.handshakesRefused = handshakesRefused;
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
    return start(
        address, tls, witness, probeTargets, Admission.Limits.defaults(), DEFAULT_MAX_CONNECTIONS);
  }

  /** As {@link #start(InetSocketAddress, Optional, BuiltInWitness, Map)}, with explicit limits. */
  public static WitnessHttpServer start(
      InetSocketAddress address,
      Optional<Tls> tls,
      BuiltInWitness witness,
      Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probeTargets,
      int maxConnections) {
    return start(address, tls, witness, probeTargets, Admission.Limits.defaults(), maxConnections);
  }

  static WitnessHttpServer start(
      InetSocketAddress address,
      Optional<Tls> tls,
      BuiltInWitness witness,
      Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probeTargets,
      Admission.Limits limits,
      int maxConnections) {
    return start(
        address, tls, witness, probeTargets, limits, maxConnections, HandshakeRate.defaults());
  }

  static WitnessHttpServer start(
      InetSocketAddress address,
      Optional<Tls> tls,
      BuiltInWitness witness,
      Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probeTargets,
      Admission.Limits limits,
      int maxConnections,
      HandshakeRate handshakeRate) {
    // Resilience4j's AtomicRateLimiter: a permit now or none (no waiting on the event loop)
    RateLimiter handshakes =
        RateLimiter.of(
            "witness-tls-handshakes",
            RateLimiterConfig.custom()
                .limitForPeriod(handshakeRate.perPeriod())
                .limitRefreshPeriod(handshakeRate.period())
                .timeoutDuration(Duration.ZERO)
                .build());
    LongAdder handshakesRefused = new LongAdder();
    SslContext ssl =
        tls.map(t -> Optional.ofNullable(PREPARED.remove(t)).orElseGet(() -> sslContext(t)))
            .orElse(null);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channel =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
    EventLoopGroup workers =
        new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    WitnessVantage vantage = new WitnessVantage(address.getAddress().getHostAddress());
    Admission admission = new Admission(limits);
    WitnessProtocol protocol =
        new WitnessProtocol(witness, probeTargets, vantage, admission, MAX_BODY);
    AtomicInteger open = new AtomicInteger();
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(channel)
            .option(ChannelOption.SO_BACKLOG, 4096)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (ssl != null && !handshakes.acquirePermission()) {
                      handshakesRefused.increment();
                      ch.close(); // beyond the handshake rate: no cryptography spent on it
                      return;
                    }
                    if (open.incrementAndGet() > maxConnections) {
                      open.decrementAndGet();
                      ch.close();
                      return;
                    }
                    ch.closeFuture().addListener(f -> open.decrementAndGet());
                    if (ssl != null) {
                      SslHandler h = ssl.newHandler(ch.alloc());
                      h.setHandshakeTimeout(10, TimeUnit.SECONDS);
                      ch.pipeline().addLast(h);
                    }
                    ch.pipeline()
                        .addLast(new WitnessChannel.RequestDeadline(30, TimeUnit.SECONDS))
                        .addLast(
                            new HttpServerCodec(
                                new HttpDecoderConfig()
                                    .setMaxInitialLineLength(4096)
                                    .setMaxHeaderSize(16 * 1024)
                                    .setMaxChunkSize(MAX_BODY)))
                        .addLast(new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS))
                        .addLast(new WitnessChannel.Aggregator(MAX_BODY, protocol))
                        .addLast(new WitnessChannel(protocol, executor));
                  }
                });
    Channel server;
    try {
      server = b.bind(address).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      executor.shutdownNow();
      throw new ConfigException(
          "witness listen address "
              + address.getHostString()
              + ":"
              + address.getPort()
              + ": cannot listen ("
              + e.getMessage()
              + ")");
    }
    log.info(
        "witness listener on {} ({} transport, {} TLS)",
        server.localAddress(),
        epoll ? "epoll" : "nio",
        ssl == null ? "no" : (OpenSsl.isAvailable() ? "BoringSSL" : "JDK"));
    return new WitnessHttpServer(
        server, boss, workers, executor, vantage, admission, handshakesRefused);
  }

  /** Where it listens (the real port when started on port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** New TLS connections closed at once so far, beyond the handshake rate. */
  public long handshakesRefused() {
    return handshakesRefused.sum();
  }

  /** Requests turned away by admission control so far. */
  public long shed() {
    return admission.shed();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    executor.shutdownNow();
    vantage.close();
  }

  /**
   * Contexts built ahead by {@link #prepare}, each taken by the next {@link #start} with that very
   * {@link Tls}; weak, so one prepared for a start that never came is dropped with its {@code Tls}.
   */
  private static final Map<Tls, SslContext> PREPARED =
      Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * Builds {@code tls}'s context now, e.g. on another thread while the cluster files are read:
   * loading the keystore (its key derivation) and BoringSSL were most of a cached witness restart
   * with 10,000 clusters (issue 17.4). The next {@link #start} with this very {@code tls} uses it;
   * a failure is left for that start to report.
   */
  public static void prepare(Tls tls) {
    try {
      PREPARED.put(tls, sslContext(tls));
    } catch (RuntimeException e) {
      log.debug("witness TLS context not prepared ahead; the start will say why: {}", e.toString());
    }
  }

  private static SslContext sslContext(Tls tls) {
    try {
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(
          load(tls.keystore(), tls.keystorePassword(), "--tls-keystore"), tls.keystorePassword());
      SslContextBuilder b =
          SslContextBuilder.forServer(kmf)
              .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
              .protocols("TLSv1.3", "TLSv1.2")
              .ciphers(AEAD_SUITES, SupportedCipherSuiteFilter.INSTANCE)
              .clientAuth(
                  switch (tls.clientAuth()) {
                    case "need" -> ClientAuth.REQUIRE;
                    case "want" -> ClientAuth.OPTIONAL;
                    default -> ClientAuth.NONE;
                  });
      if (tls.truststore().isPresent()) {
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(tls.truststore().get(), tls.truststorePassword(), "--tls-truststore"));
        b.trustManager(tmf);
      } else if (!tls.clientAuth().equals("none")) {
        throw new ConfigException(
            "--tls-client-auth " + tls.clientAuth() + ": needs --tls-truststore (the sites' CAs)");
      }
      return b.build();
    } catch (GeneralSecurityException | SSLException e) {
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
