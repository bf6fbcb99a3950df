package io.tandem.app.server;

import io.tandem.app.security.RefusalAudit;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds every request body on this server's listener (API, console login, peer link, witness)
 * before anything reads it, as etcd bounds its requests ({@code --max-request-bytes}, 1.5 MiB by
 * default): a declared {@code Content-Length} above the limit is answered 413 at once, without
 * reading a byte of the body, and the connection is closed; a body of unknown length (chunked) is
 * read into memory only up to the limit and refused as soon as it goes beyond. Forms are bounded by
 * the container's own {@code max-http-form-post-size}, set to the same limit.
 *
 * <p>Runs first in the filter chain, before authentication: the cost of a refused request does not
 * depend on its size. Thread-safe.
 */
public final class RequestBodyLimit extends OncePerRequestFilter {

  private final long maxBytes;
  private final RefusalAudit audit;

  /**
   * @param maxBytes the largest body accepted
   * @param audit records each refusal
   */
  public RequestBodyLimit(long maxBytes, RefusalAudit audit) {
    this.audit = audit;
    if (maxBytes < 1024) {
      throw new IllegalArgumentException("maxBytes: expected at least 1 KiB, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /**
   * The sync transport ({@code /sync/v1/}) streams manifests and content far larger than this limit
   * and bounds them itself: its HMAC is checked on the headers before a byte of the body is read, a
   * manifest is streamed to disk up to 256 MiB, content is read only as far as the signed
   * manifest's file sizes (the job's {@code maxBytes}) and never buffered ({@code SyncController}).
   */
  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return request.getRequestURI().startsWith("/sync/v1/");
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long declared = request.getContentLengthLong();
    if (declared > maxBytes) {
      refuse(request, response, "declared " + declared + " bytes");
      return;
    }
    if (declared >= 0 || !hasBody(request) || isForm(request)) {
      chain.doFilter(request, response);
      return;
    }
    byte[] body = readAtMost(request.getInputStream(), maxBytes);
    if (body == null) {
      refuse(request, response, "more than " + maxBytes + " bytes sent");
      return;
    }
    chain.doFilter(new Buffered(request, body), response);
  }

  private void refuse(HttpServletRequest request, HttpServletResponse response, String seen)
      throws IOException {
    // the unread rest of the body is not worth swallowing: close instead of keeping the connection
    response.setHeader("Connection", "close");
    audit.refused(
        request, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "body too large, " + seen);
    Problems.write(
        request,
        response,
        HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
        "Request body too large",
        "this server accepts request bodies up to " + maxBytes + " bytes (" + seen + ")");
  }

  private static boolean hasBody(HttpServletRequest request) {
    return request.getHeader("Transfer-Encoding") != null;
  }

  private static boolean isForm(HttpServletRequest request) {
    String type = request.getContentType();
    return type != null && type.toLowerCase().startsWith("application/x-www-form-urlencoded");
  }

  /** The whole stream if it holds at most {@code max} bytes, else null (having read max + 1). */
  static byte[] readAtMost(InputStream in, long max) throws IOException {
    byte[] all = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
    return all.length > max ? null : all;
  }

  /** The request with its (bounded) body already read. */
  private static final class Buffered extends HttpServletRequestWrapper {
    private final byte[] body;

    Buffered(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("the body is already buffered");
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      String enc = getCharacterEncoding();
      Charset cs = enc == null ? StandardCharsets.UTF_8 : Charset.forName(enc);
      return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), cs));
    }
  }
}
