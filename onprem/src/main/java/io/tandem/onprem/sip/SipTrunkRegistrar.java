package io.tandem.onprem.sip;

import io.tandem.core.error.ConflictException;
import io.tandem.core.error.FencedException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.TrunkBinding;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.TicketGuard;
import io.tandem.core.witness.FencingToken;
import io.tandem.onprem.sip.internal.RegisterExchange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TrunkRegistrar} over SIP REGISTER (RFC 3261 §10) with digest authentication.
 *
 * <p><b>Fencing at the carrier.</b> A registrar keeps no epoch, so the ticket holder makes itself
 * the <em>only</em> binding of the trunk: {@link #register} binds the new site's contact, then
 * removes every other contact the 200 OK lists (a REGISTER with that exact Contact and {@code
 * Expires: 0}; RFC 3261 §10.2.2 and §10.3 step 6 allow removing a binding made under another
 * Call-ID), and verifies with the registrar's answer that its own contact is the only one left
 * ({@link ConflictException} otherwise). Every refresh does the same, so a stale holder that
 * re-registers is removed again within one refresh interval. Refreshes run only while the {@link
 * TicketGuard} says this agent still holds the ticket the contact was registered under: a site that
 * lost the ticket sends nothing and its binding expires (or is removed by the new holder). It keeps
 * asking the guard every {@link #HOLD_RECHECK}, so a site that holds the same ticket again (a
 * renewal answered late, the failsafe keeping it through a witness outage) refreshes at once
 * instead of leaving the carrier without a contact while it reports itself ACTIVE.
 *
 * <p>{@link #register} schedules a refresh after {@code refreshRatio} of the granted lifetime on
 * the injected scheduler (a failed refresh retries after {@link #RETRY_AFTER_FAILURE}, or after the
 * registrar's {@code Retry-After} when it answered 503 with one, until {@link #unregister} or
 * {@link #close}). {@link #unregister} removes one contact with {@code Expires: 0}; if the
 * registrar cannot be reached it throws {@link TransientException} and the runbook decides whether
 * to retry. {@link #observe} queries the bindings with a REGISTER without Contact (§10.2.3).
 *
 * <p>A {@code contact} is a SIP URI ({@code sip:trunk1@203.0.113.7:5060}) or {@code host:port} (the
 * trunk's user and transport are added).
 *
 * <p>Thread-safe: operations on one trunk are serialised; different trunks run in parallel. A
 * register carrying an older epoch than the last one used for the trunk is refused with {@link
 * StaleEpochException}.
 */
public final class SipTrunkRegistrar implements TrunkRegistrar, AutoCloseable {

  /** How often a refresh put off because the ticket was not held asks the guard again. */
  public static final Duration HOLD_RECHECK = Duration.ofSeconds(1);

  /** Delay before retrying a failed refresh. */
  public static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(SipTrunkRegistrar.class);

  private final SipEndpoint endpoint;
  private final Map<String, SipTrunk> trunks;
  private final RegistrarLocator locator;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final TicketGuard guard;
  private final Map<String, TrunkState> states = new ConcurrentHashMap<>();

  /**
   * @param endpoint the process's SIP endpoint
   * @param trunks trunk settings by name
   * @param locator resolves each trunk's registrar (RFC 3263)
   * @param clock wall clock for {@code expiresAt}
   * @param scheduler runs refreshes; owned by the caller (not shut down by {@link #close})
   * @param guard whether this agent still holds the ticket of a token; asked before every register
   *     and every refresh (fast, local)
   */
  public SipTrunkRegistrar(
      SipEndpoint endpoint,
      List<SipTrunk> trunks,
      RegistrarLocator locator,
      Clock clock,
      ScheduledExecutorService scheduler,
      TicketGuard guard) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    Map<String, SipTrunk> byName = new ConcurrentHashMap<>();
    for (SipTrunk t : trunks) {
      byName.put(t.name(), t);
    }
    this.trunks = Map.copyOf(byName);
    this.locator = Objects.requireNonNull(locator, "locator");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.guard = Objects.requireNonNull(guard, "guard");
  }

  @Override
  public String provider() {
    return "sip";
  }

  /** Queries the registrar's current bindings (REGISTER without Contact). */
  @Override
  public TrunkBinding observe(String trunk) {
    TrunkState state = state(trunk);
    synchronized (state) {
      Response ok = exchange(state, Optional.empty(), 0).response(); // no Contact: a query
      return new TrunkBinding(trunk, contacts(ok), state.expiresAt);
    }
  }

  @Override
  public TrunkBinding register(String trunk, String contact, FencingToken token) {
    Objects.requireNonNull(token, "token");
    TrunkState state = state(trunk);
    synchronized (state) {
      if (token.epoch() < state.epoch) {
        throw new StaleEpochException("trunk " + trunk, token.epoch(), state.epoch);
      }
      if (!guard.holds(token)) {
        throw new FencedException(
            "trunk " + trunk + ": not registering, this agent no longer holds ticket " + token);
      }
      state.epoch = token.epoch();
      state.token = token;
      String uri = contactUri(state.trunk, contact);
      TrunkBinding binding = bindAsOnlyContact(state, uri);
      log.info(
          "trunk {}: registered {} (epoch {}), registrar holds {}",
          trunk,
          uri,
          token.epoch(),
          binding.contacts());
      return binding;
    }
  }

  /**
   * The failover move: registers {@code newContact}, then removes {@code oldContact} (the old
   * site's binding) if the registrar answers. A registrar that cannot be reached for the removal is
   * logged, not thrown: the new binding is in place and the old one expires on its own.
   *
   * @return the registrar's bindings after the last successful step
   */
  public TrunkBinding replace(
      String trunk, String newContact, String oldContact, FencingToken token) {
    TrunkBinding registered = register(trunk, newContact, token);
    try {
      return unregister(trunk, oldContact);
    } catch (TransientException e) {
      log.warn(
          "trunk {}: old contact {} not removed ({}); it expires by itself",
          trunk,
          oldContact,
          e.getMessage());
      return registered;
    }
  }

  @Override
  public TrunkBinding unregister(String trunk, String contact) {
    TrunkState state = state(trunk);
    synchronized (state) {
      String uri = contactUri(state.trunk, contact);
      if (state.contact != null && sameContact(state.contact, uri)) {
        state.cancelRefresh();
        state.contact = null;
        state.expiresAt = Optional.empty();
      }
      // Registrars match bindings by exact URI (RFC 3261 §10.3 compares URIs with their
      // parameters), so query first and remove the binding exactly as the registrar lists it.
      List<String> current = contacts(exchange(state, Optional.empty(), 0).response());
      Optional<String> listed = current.stream().filter(c -> sameContact(c, uri)).findFirst();
      if (listed.isEmpty()) {
        log.info("trunk {}: {} is not bound (registrar holds {})", trunk, uri, current);
        return new TrunkBinding(trunk, current, state.expiresAt);
      }
      Response ok = exchange(state, listed, 0).response();
      List<String> left = contacts(ok);
      if (left.stream().anyMatch(c -> sameContact(c, uri))) {
        throw new ConflictException(
            "trunk " + trunk + ": registrar still lists " + uri + " after Expires: 0");
      }
      log.info("trunk {}: unregistered {}, registrar holds {}", trunk, uri, left);
      return new TrunkBinding(trunk, left, state.expiresAt);
    }
  }

  /** Stops every refresh (does not unregister; the bindings expire on their own). */
  @Override
  public void close() {
    states.values().forEach(TrunkState::cancelRefresh);
  }

  private TrunkBinding doRegister(TrunkState state, String uri) {
    int wanted = (int) Math.min(Integer.MAX_VALUE, state.trunk.expires().toSeconds());
    RegisterExchange.Result result = exchange(state, Optional.of(uri), wanted);
    Response ok = result.response();
    List<String> listed = contacts(ok);
    int granted = grantedExpires(ok, uri, result.requestedExpires());
    if (listed.stream().noneMatch(c -> sameContact(c, uri)) || granted <= 0) {
      throw new ConflictException(
          "trunk "
              + state.trunk.name()
              + ": registrar answered 200 OK but does not list "
              + uri
              + " (it lists "
              + listed
              + ")");
    }
    state.contact = uri;
    state.expiresAt = Optional.of(clock.instant().plusSeconds(granted));
    scheduleRefresh(
        state, Duration.ofMillis((long) (granted * 1000L * state.trunk.refreshRatio())));
    return new TrunkBinding(state.trunk.name(), listed, state.expiresAt);
  }

  private void scheduleRefresh(TrunkState state, Duration delay) {
    state.cancelRefresh();
    String contactAtSchedule = state.contact;
    state.refresh =
        scheduler.schedule(
            () -> refresh(state, contactAtSchedule), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void refresh(TrunkState state, String contact) {
    synchronized (state) {
      if (contact == null || !contact.equals(state.contact)) {
        return; // unregistered or replaced meanwhile
      }
      if (state.token == null) {
        state.contact = null;
        return;
      }
      if (!guard.holds(state.token)) {
        if (!state.waitingForTicket) {
          log.info(
              "trunk {}: not refreshing {}: this agent does not hold ticket {} now; the binding"
                  + " expires by itself or the new holder removes it, unless this agent holds the"
                  + " ticket again first",
              state.trunk.name(),
              contact,
              state.token);
          state.waitingForTicket = true;
        }
        scheduleRefresh(state, HOLD_RECHECK);
        return;
      }
      if (state.waitingForTicket) {
        log.info(
            "trunk {}: this agent holds ticket {} again; refreshing {}",
            state.trunk.name(),
            state.token,
            contact);
        state.waitingForTicket = false;
      }
      try {
        bindAsOnlyContact(state, contact);
        log.debug("trunk {}: refreshed {}", state.trunk.name(), contact);
      } catch (RuntimeException e) {
        Duration wait = retryDelay(e);
        log.warn(
            "trunk {}: refresh of {} failed ({}); retrying in {} s",
            state.trunk.name(),
            contact,
            e.getMessage(),
            wait.toSeconds());
        scheduleRefresh(state, wait);
      }
    }
  }

  /** {@link #RETRY_AFTER_FAILURE}, or longer when a 503 asked for it with {@code Retry-After}. */
  static Duration retryDelay(RuntimeException e) {
    if (e instanceof RegistrarUnavailableException u && u.retryAfter().isPresent()) {
      Duration asked = u.retryAfter().get();
      return asked.compareTo(RETRY_AFTER_FAILURE) > 0 ? asked : RETRY_AFTER_FAILURE;
    }
    return RETRY_AFTER_FAILURE;
  }

  /**
   * Binds {@code uri}, then removes every other contact the registrar lists for the trunk and
   * checks that {@code uri} is the only binding left.
   */
  private TrunkBinding bindAsOnlyContact(TrunkState state, String uri) {
    TrunkBinding bound = doRegister(state, uri);
    List<String> foreign = bound.contacts().stream().filter(c -> !sameContact(c, uri)).toList();
    if (foreign.isEmpty()) {
      return bound;
    }
    List<String> left = bound.contacts();
    for (String other : foreign) {
      // Remove it exactly as the registrar lists it (RFC 3261 §10.3 compares contact URIs).
      left = contacts(exchange(state, Optional.of(other), 0).response());
    }
    log.warn(
        "trunk {}: removed foreign contacts {} (this site holds ticket {}); registrar holds {}",
        state.trunk.name(),
        foreign,
        state.token,
        left);
    List<String> stillForeign = left.stream().filter(c -> !sameContact(c, uri)).toList();
    if (stillForeign.size() > 0 || left.stream().noneMatch(c -> sameContact(c, uri))) {
      throw new ConflictException(
          "trunk "
              + state.trunk.name()
              + ": "
              + uri
              + " is not the only binding after removing the others: registrar holds "
              + left);
    }
    return new TrunkBinding(state.trunk.name(), left, state.expiresAt);
  }

  /** Tries each resolved target in order; moves on only after a timeout or transport error. */
  private RegisterExchange.Result exchange(
      TrunkState state, Optional<String> contact, int expires) {
    SipTrunk t = state.trunk;
    List<SipTarget> targets = locator.locate(t.registrar(), t.transport());
    TransientException last = null;
    for (SipTarget target : targets) {
      try {
        return state.exchange.register(target, contact, expires);
      } catch (TransientException e) {
        last = e;
        log.debug("trunk {}: {} failed: {}", t.name(), target, e.getMessage());
      }
    }
    String why = last == null ? "" : ": " + last.getMessage();
    String message =
        "trunk " + t.name() + ": no registrar answered (" + targets.size() + " tried)" + why;
    if (last instanceof RegistrarUnavailableException u) {
      throw new RegistrarUnavailableException(message, u.retryAfter(), last);
    }
    throw new TransientException(message, last);
  }

  private TrunkState state(String trunk) {
    SipTrunk t = trunks.get(trunk);
    if (t == null) {
      throw new ResourceNotFoundException("no SIP trunk named " + trunk + " is configured");
    }
    return states.computeIfAbsent(trunk, n -> new TrunkState(t, new RegisterExchange(endpoint, t)));
  }

  private String contactUri(SipTrunk trunk, String contact) {
    Objects.requireNonNull(contact, "contact");
    if (contact.startsWith("sip:") || contact.startsWith("sips:")) {
      return contact;
    }
    SipTarget hostPort = SipTarget.parse("contact", contact, trunk.transport().orElse("udp"));
    String uri = "sip:" + trunk.user() + "@" + hostPort.hostPort();
    return hostPort.transport().equals("tcp") ? uri + ";transport=tcp" : uri;
  }

  private static List<String> contacts(Response ok) {
    List<String> out = new ArrayList<>();
    ListIterator<?> it = ok.getHeaders(ContactHeader.NAME);
    while (it.hasNext()) {
      ContactHeader h = (ContactHeader) it.next();
      if (h.getAddress() != null && h.getAddress().getURI() != null) {
        out.add(h.getAddress().getURI().toString());
      }
    }
    return out;
  }

  /** Our contact's {@code expires} parameter, else the Expires header, else what we asked. */
  private int grantedExpires(Response ok, String uri, int requested) {
    ListIterator<?> it = ok.getHeaders(ContactHeader.NAME);
    while (it.hasNext()) {
      ContactHeader h = (ContactHeader) it.next();
      if (h.getAddress() != null && sameContact(h.getAddress().getURI().toString(), uri)) {
        if (h.getExpires() >= 0) {
          return h.getExpires();
        }
      }
    }
    ExpiresHeader expires = ok.getExpires();
    return expires != null ? expires.getExpires() : requested;
  }

  /** Same user, host and port (RFC 3261 §19.1.4 compares more, but registrars echo these). */
  boolean sameContact(String a, String b) {
    try {
      URI ua = endpoint.addresses().createURI(a);
      URI ub = endpoint.addresses().createURI(b);
      if (ua instanceof SipURI sa && ub instanceof SipURI sb) {
        return Objects.equals(sa.getUser(), sb.getUser())
            && sa.getHost().equalsIgnoreCase(sb.getHost())
            && port(sa) == port(sb);
      }
      return a.equals(b);
    } catch (java.text.ParseException e) {
      return a.equals(b);
    }
  }

  private static int port(SipURI uri) {
    return uri.getPort() > 0 ? uri.getPort() : 5060;
  }

  /** Mutable per-trunk state, guarded by its own monitor. */
  private static final class TrunkState {
    final SipTrunk trunk;
    final RegisterExchange exchange;
    long epoch;
    FencingToken token;
    String contact;
    Optional<Instant> expiresAt = Optional.empty();
    ScheduledFuture<?> refresh;
    boolean waitingForTicket;

    TrunkState(SipTrunk trunk, RegisterExchange exchange) {
      this.trunk = trunk;
      this.exchange = exchange;
    }

    void cancelRefresh() {
      if (refresh != null) {
        refresh.cancel(false);
        refresh = null;
      }
    }
  }
}
