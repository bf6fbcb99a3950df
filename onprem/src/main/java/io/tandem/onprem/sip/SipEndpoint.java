package io.tandem.onprem.sip;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TooManyListenersException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sip.ClientTransaction;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.AddressFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * One Jain-SIP stack with one UDP and one TCP listening point on the same local address and port,
 * used as a client: it sends requests in their own client transactions and hands back the final
 * response.
 *
 * <p>Jain-SIP keeps one stack per name and a process normally needs only one; create one endpoint
 * per process (per management address) and share it between the {@link SipOptionsProbe}s and the
 * {@link SipTrunkRegistrar}. Port {@code 0} picks a free port (tests).
 *
 * <p>Thread-safe. {@link #close()} stops the stack; pending requests then fail with a {@link
 * TransientException}. Incoming requests (e.g. an OPTIONS from a carrier) are answered {@code 200
 * OK} for OPTIONS and {@code 405} otherwise, so the carrier sees a live contact.
 */
public final class SipEndpoint implements AutoCloseable {

  private static final AtomicLong STACKS = new AtomicLong();

  private final SipStack stack;
  private final SipProvider provider;
  private final String host;
  private final int port;
  private final MessageFactory messageFactory;
  private final HeaderFactory headerFactory;
  private final AddressFactory addressFactory;
  private final Map<ClientTransaction, Pending> pending = new ConcurrentHashMap<>();

  /** A request waiting for its final response, and the peer it went to. */
  private record Pending(CompletableFuture<Response> answer, SipTarget target) {}

  private SipEndpoint(String host, int requestedPort) {
    SipFactory factory = SipFactory.getInstance();
    factory.setPathName("gov.nist");
    Properties props = new Properties();
    props.setProperty("javax.sip.STACK_NAME", "tandem-" + STACKS.incrementAndGet());
    props.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
    // The RI logs through Log4j 1 (reload4j); keep its own trace off: our callers log outcomes.
    props.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
    props.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
    props.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
    props.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "4");
    try {
      this.stack = factory.createSipStack(props);
      this.messageFactory = factory.createMessageFactory();
      this.headerFactory = factory.createHeaderFactory();
      this.addressFactory = factory.createAddressFactory();
      ListeningPoint udp = bindUdp(host, requestedPort);
      this.port = udp.getPort();
      ListeningPoint tcp = stack.createListeningPoint(host, port, ListeningPoint.TCP);
      this.provider = stack.createSipProvider(udp);
      provider.addListeningPoint(tcp);
      provider.addSipListener(new Listener());
      this.host = host;
      stack.start();
    } catch (SipException | javax.sip.InvalidArgumentException | TooManyListenersException e) {
      throw new ConfigException(
          "cannot open SIP endpoint on " + host + ":" + requestedPort + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens an endpoint on {@code host} (an address of this machine, e.g. the management address) and
   * {@code port} (0 picks a free one, used for both UDP and TCP).
   *
   * @throws ConfigException if the address cannot be bound
   */
  public static SipEndpoint open(String host, int port) {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new ConfigException("SIP endpoint port must be 0..65535, was " + port);
    }
    return new SipEndpoint(host, port);
  }

  private ListeningPoint bindUdp(String host, int requestedPort)
      throws javax.sip.InvalidArgumentException, javax.sip.TransportNotSupportedException {
    if (requestedPort != 0) {
      return stack.createListeningPoint(host, requestedPort, ListeningPoint.UDP);
    }
    // UDP and TCP must share one port (the Contact and Via name one port for both), so pick a
    // port free for both up front rather than letting each transport choose; bounded retries
    // cover the small race with other processes binding meanwhile.
    javax.sip.InvalidArgumentException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      int candidate = FreePort.forUdpAndTcp(host);
      try {
        return stack.createListeningPoint(host, candidate, ListeningPoint.UDP);
      } catch (javax.sip.InvalidArgumentException e) {
        last = e;
      }
    }
    throw last;
  }

  /** Local address the endpoint listens on. */
  public String host() {
    return host;
  }

  /** Local port (UDP and TCP). */
  public int port() {
    return port;
  }

  public MessageFactory messages() {
    return messageFactory;
  }

  public HeaderFactory headers() {
    return headerFactory;
  }

  public AddressFactory addresses() {
    return addressFactory;
  }

  /** A new Call-ID from the stack's provider. */
  public String newCallId() {
    return provider.getNewCallId().getCallId();
  }

  /**
   * Sends {@code request} in a new client transaction and waits for its final response (1xx are
   * skipped).
   *
   * @param target the peer the request is routed to (its Request-URI or first Route), used to match
   *     transport errors to requests
   * @throws TransientException on timeout, transport error or interruption (interrupt flag kept)
   */
  public Response send(Request request, SipTarget target, Duration timeout) {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    ClientTransaction tx;
    try {
      tx = provider.getNewClientTransaction(request);
      pending.put(tx, new Pending(answer, target));
      tx.sendRequest();
    } catch (SipException e) {
      throw new TransientException(
          "cannot send " + request.getMethod() + " to " + request.getRequestURI() + ": " + cause(e),
          e);
    }
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TransientException(
          "no answer to "
              + request.getMethod()
              + " "
              + request.getRequestURI()
              + " within "
              + timeout.toMillis()
              + " ms",
          e);
    } catch (ExecutionException e) {
      throw new TransientException(
          request.getMethod() + " to " + request.getRequestURI() + " failed: " + cause(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("interrupted while waiting for " + request.getMethod(), e);
    } finally {
      pending.remove(tx);
      try {
        tx.terminate();
      } catch (Exception ignored) {
        // the transaction may already have ended; nothing to release then
      }
    }
  }

  private static String cause(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }

  @Override
  public void close() {
    pending.values().forEach(p -> p.answer().completeExceptionally(new SipException("closed")));
    stack.stop();
  }

  @Override
  public String toString() {
    return "SipEndpoint[" + host + ":" + port + "]";
  }

  private final class Listener implements SipListener {

    @Override
    public void processResponse(ResponseEvent event) {
      ClientTransaction tx = event.getClientTransaction();
      if (tx == null || event.getResponse().getStatusCode() < 200) {
        return;
      }
      Pending p = pending.get(tx);
      if (p != null) {
        p.answer().complete(event.getResponse());
      }
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
      if (event.getClientTransaction() != null) {
        Pending p = pending.get(event.getClientTransaction());
        if (p != null) {
          p.answer().completeExceptionally(new SipException("transaction timed out"));
        }
      }
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
      String peer = event.getHost() + ":" + event.getPort() + "/" + event.getTransport();
      for (Pending p : pending.values()) {
        SipTarget t = p.target();
        // Hosts given by name (rather than resolved) do not match here: those requests end by
        // their timeout instead, which is only slower.
        if (t.host().equals(event.getHost())
            && t.port() == event.getPort()
            && t.transport().equalsIgnoreCase(event.getTransport())) {
          p.answer().completeExceptionally(new SipException("transport error towards " + peer));
        }
      }
    }

    @Override
    public void processRequest(RequestEvent event) {
      Request request = event.getRequest();
      if (Request.ACK.equals(request.getMethod())) {
        return;
      }
      int code = Request.OPTIONS.equals(request.getMethod()) ? Response.OK : 405;
      try {
        ServerTransaction st = event.getServerTransaction();
        if (st == null) {
          st = provider.getNewServerTransaction(request);
        }
        st.sendResponse(messageFactory.createResponse(code, request));
      } catch (Exception e) {
        // best effort: the peer retransmits or gives up; nothing of ours depends on it
      }
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {}

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {}
  }
}
