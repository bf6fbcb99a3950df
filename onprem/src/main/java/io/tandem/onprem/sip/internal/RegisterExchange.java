package io.tandem.onprem.sip.internal;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.TransientException;
import io.tandem.onprem.sip.RegistrarUnavailableException;
import io.tandem.onprem.sip.SipEndpoint;
import io.tandem.onprem.sip.SipTarget;
import io.tandem.onprem.sip.SipTrunk;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Optional;
import javax.sip.InvalidArgumentException;
import javax.sip.address.Address;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.header.MinExpiresHeader;
import javax.sip.header.ProxyAuthenticateHeader;
import javax.sip.header.RetryAfterHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * One REGISTER exchange with one registrar target, including digest challenges (401/407) and 423
 * Interval Too Brief. Keeps the Call-ID, CSeq and the last challenge of one trunk so refreshes
 * reuse the nonce (nc+1) instead of paying a challenge round trip each time.
 *
 * <p>Thread-safety: callers serialise use per trunk (the registrar holds a per-trunk lock).
 */
public final class RegisterExchange {

  /** Bounds the challenge/423 dance: never loop on a misbehaving registrar. */
  private static final int MAX_ROUNDS = 5;

  private final SipEndpoint endpoint;
  private final SipTrunk trunk;
  private final String callId;
  private long cseq;
  private DigestChallenge challenge;
  private int nonceCount;

  public RegisterExchange(SipEndpoint endpoint, SipTrunk trunk) {
    this.endpoint = endpoint;
    this.trunk = trunk;
    this.callId = endpoint.newCallId();
  }

  /** The 200 OK and the lifetime the request finally asked for (after a 423). */
  public record Result(Response response, int requestedExpires) {}

  /**
   * Sends REGISTER to {@code target}.
   *
   * @param contact contact URI to bind (or remove when {@code expires == 0}); empty to query
   * @param expires requested lifetime in seconds; 0 removes {@code contact}
   * @throws PermissionException on 403, or a repeated non-stale challenge (wrong credentials)
   * @throws TransientException on timeout, transport error, 408/480/5xx ({@link
   *     RegistrarUnavailableException} for 503, with its {@code Retry-After})
   * @throws ProtocolException on any other answer
   */
  public Result register(SipTarget target, Optional<String> contact, int expires) {
    int wanted = expires;
    boolean answeredFreshChallenge = false;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Request request = build(target, contact, wanted);
      Response response = endpoint.send(request, target, trunk.requestTimeout());
      int code = response.getStatusCode();
      if (code >= 200 && code < 300) {
        return new Result(response, wanted);
      }
      switch (code) {
        case Response.UNAUTHORIZED, Response.PROXY_AUTHENTICATION_REQUIRED -> {
          DigestChallenge next = strongestChallenge(response, target);
          if (answeredFreshChallenge && !next.stale()) {
            throw wrongCredentials(target, code, response.getReasonPhrase());
          }
          answeredFreshChallenge = true;
          challenge = next;
          nonceCount = 0;
        }
        case Response.FORBIDDEN -> throw wrongCredentials(target, code, response.getReasonPhrase());
        case Response.INTERVAL_TOO_BRIEF -> {
          MinExpiresHeader min = (MinExpiresHeader) response.getHeader(MinExpiresHeader.NAME);
          if (min == null || min.getExpires() <= wanted || wanted == 0) {
            throw new ProtocolException(
                "trunk " + trunk.name() + ": 423 from " + target + " without a usable Min-Expires");
          }
          wanted = min.getExpires();
        }
        case Response.SERVICE_UNAVAILABLE -> throw unavailable(target, response);
        case Response.REQUEST_TIMEOUT, Response.TEMPORARILY_UNAVAILABLE ->
            throw transientAnswer(target, response);
        default -> {
          if (code >= 500) {
            throw transientAnswer(target, response);
          }
          throw new ProtocolException(
              "trunk "
                  + trunk.name()
                  + ": registrar "
                  + target
                  + " answered "
                  + code
                  + " "
                  + response.getReasonPhrase());
        }
      }
    }
    throw new ProtocolException(
        "trunk "
            + trunk.name()
            + ": registrar "
            + target
            + " kept challenging after "
            + MAX_ROUNDS);
  }

  private PermissionException wrongCredentials(SipTarget target, int code, String reason) {
    return new PermissionException(
        "wrong credentials for trunk "
            + trunk.name()
            + " (registrar "
            + target
            + " answered "
            + code
            + " "
            + reason
            + " for user "
            + trunk.authUser()
            + ")");
  }

  private TransientException transientAnswer(SipTarget target, Response response) {
    return new TransientException(
        "trunk "
            + trunk.name()
            + ": registrar "
            + target
            + " answered "
            + response.getStatusCode()
            + " "
            + response.getReasonPhrase());
  }

  /**
   * 503: RFC 3261 §21.5.4 — the server is overloaded or in maintenance and may say when to retry
   * ({@code Retry-After}, §20.33); without it the client acts as for a 500. RFC 3263 §4.3: the
   * client tries the next target, which the registrar's target loop does for every transient
   * failure.
   */
  private RegistrarUnavailableException unavailable(SipTarget target, Response response) {
    RetryAfterHeader h = (RetryAfterHeader) response.getHeader(RetryAfterHeader.NAME);
    Optional<Duration> retryAfter =
        h == null || h.getRetryAfter() <= 0
            ? Optional.empty()
            : Optional.of(Duration.ofSeconds(h.getRetryAfter()));
    return new RegistrarUnavailableException(
        "trunk "
            + trunk.name()
            + ": registrar "
            + target
            + " answered 503 "
            + response.getReasonPhrase()
            + retryAfter.map(d -> " (Retry-After " + d.toSeconds() + " s)").orElse(""),
        retryAfter);
  }

  private DigestChallenge strongestChallenge(Response response, SipTarget target) {
    boolean proxy = response.getStatusCode() == Response.PROXY_AUTHENTICATION_REQUIRED;
    String headerName = proxy ? ProxyAuthenticateHeader.NAME : WWWAuthenticateHeader.NAME;
    List<DigestChallenge> offered = new ArrayList<>();
    ListIterator<?> headers = response.getHeaders(headerName);
    while (headers.hasNext()) {
      WWWAuthenticateHeader h = (WWWAuthenticateHeader) headers.next();
      if (!"Digest".equalsIgnoreCase(h.getScheme())) {
        continue;
      }
      offered.add(
          new DigestChallenge(
              h.getRealm() == null ? "" : h.getRealm(),
              h.getNonce() == null ? "" : h.getNonce(),
              h.getAlgorithm(),
              DigestChallenge.parseQops(h.getQop()),
              Optional.ofNullable(h.getOpaque()),
              "true".equalsIgnoreCase(h.getParameter("stale")),
              proxy));
    }
    return DigestChallenge.strongest(offered)
        .orElseThrow(
            () ->
                new ProtocolException(
                    "trunk "
                        + trunk.name()
                        + ": registrar "
                        + target
                        + " offered no digest challenge Tandem can answer"));
  }

  private Request build(SipTarget target, Optional<String> contact, int expires) {
    try {
      SipURI requestUri = SipRequests.uri(endpoint, null, trunk.domain(), target.transport());
      Request request =
          SipRequests.build(
              endpoint,
              Request.REGISTER,
              requestUri,
              trunk.user(),
              trunk.domain(),
              callId,
              ++cseq,
              target);
      var hf = endpoint.headers();
      if (contact.isPresent()) {
        Address address = endpoint.addresses().createAddress(contact.get());
        ContactHeader contactHeader = hf.createContactHeader(address);
        request.addHeader(contactHeader);
        request.addHeader(hf.createExpiresHeader(expires));
      }
      if (challenge != null) {
        String value =
            DigestResponder.authorization(
                challenge,
                trunk.authUser(),
                trunk.password(),
                Request.REGISTER,
                requestUri.toString(),
                ++nonceCount,
                DigestResponder.newCnonce());
        request.addHeader(
            hf.createHeader(challenge.proxy() ? "Proxy-Authorization" : "Authorization", value));
      }
      return request;
    } catch (ParseException | InvalidArgumentException e) {
      throw new ProtocolException(
          "trunk " + trunk.name() + ": cannot build REGISTER: " + e.getMessage(), e);
    }
  }
}
