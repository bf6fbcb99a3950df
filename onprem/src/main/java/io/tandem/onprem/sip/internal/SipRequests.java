package io.tandem.onprem.sip.internal;

import io.tandem.onprem.sip.SipEndpoint;
import io.tandem.onprem.sip.SipTarget;
import java.text.ParseException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.InvalidArgumentException;
import javax.sip.address.Address;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;

/** Builds the out-of-dialog requests Tandem sends (OPTIONS, REGISTER). */
public final class SipRequests {

  private static final String USER_AGENT = "Tandem";

  private SipRequests() {}

  /**
   * A request with the mandatory headers; the caller adds Contact, Expires, Authorization.
   *
   * @param requestUri e.g. {@code sip:tandem.test}
   * @param fromUser user part of From and To (e.g. the trunk's user)
   * @param domain host part of From and To
   */
  public static Request build(
      SipEndpoint endpoint,
      String method,
      SipURI requestUri,
      String fromUser,
      String domain,
      String callId,
      long cseq,
      SipTarget target)
      throws ParseException, InvalidArgumentException {
    var af = endpoint.addresses();
    var hf = endpoint.headers();
    SipURI aor = af.createSipURI(fromUser, domain);
    Address fromAddress = af.createAddress(aor);
    FromHeader from = hf.createFromHeader(fromAddress, tag());
    ToHeader to = hf.createToHeader(af.createAddress(aor), null);
    CallIdHeader callIdHeader = hf.createCallIdHeader(callId);
    CSeqHeader cseqHeader = hf.createCSeqHeader(cseq, method);
    MaxForwardsHeader maxForwards = hf.createMaxForwardsHeader(70);
    ViaHeader via = hf.createViaHeader(endpoint.host(), endpoint.port(), target.transport(), null);
    Request request =
        endpoint
            .messages()
            .createRequest(
                requestUri, method, callIdHeader, cseqHeader, from, to, List.of(via), maxForwards);
    request.addHeader(hf.createUserAgentHeader(List.of(USER_AGENT)));
    int uriPort = requestUri.getPort() < 0 ? 5060 : requestUri.getPort();
    if (requestUri.getHost().equals(target.host()) && uriPort == target.port()) {
      return request;
    }
    // Route the request to the resolved target whatever the Request-URI's host says (RFC 3263
    // resolution already happened); a loose route keeps the Request-URI intact.
    SipURI route = af.createSipURI(null, target.hostPort());
    route.setLrParam();
    route.setTransportParam(target.transport());
    request.addHeader(hf.createRouteHeader(af.createAddress(route)));
    return request;
  }

  /** A request URI {@code sip:[user@]host[:port];transport=...}. */
  public static SipURI uri(SipEndpoint endpoint, String user, String hostPort, String transport)
      throws ParseException {
    SipURI uri = endpoint.addresses().createSipURI(user, hostPort);
    if (transport.equals("tcp")) {
      uri.setTransportParam("tcp");
    }
    return uri;
  }

  private static String tag() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong());
  }
}
