package io.tandem.app.server;

import io.tandem.core.config.SafeText;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes an RFC 9457 problem detail from places that answer before Spring MVC runs (servlet
 * filters, the security layer), so every refusal looks like every other error: {@code
 * application/problem+json} with type, title, status, detail and instance. Never echoes the request
 * body; the detail is the server's own words, cut to {@value #MAX_DETAIL} characters.
 */
public final class Problems {

  static final int MAX_DETAIL = 300;

  private Problems() {}

  /** Writes the problem unless the response is already committed. */
  public static void write(
      HttpServletRequest request,
      HttpServletResponse response,
      int status,
      String title,
      String detail)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("type", "about:blank");
    p.put("title", title);
    p.put("status", status);
    p.put("detail", SafeText.cut(detail, MAX_DETAIL));
    p.put("instance", SafeText.cut(request.getRequestURI(), 200));
    byte[] body = JsonMapper.shared().writeValueAsBytes(p);
    response.setStatus(status);
    response.setContentType("application/problem+json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    response.flushBuffer();
  }
}
