package io.tandem.app.server;

import io.tandem.app.audit.AuditUnavailableException;
import io.tandem.app.security.RefusalAudit;
import io.tandem.core.config.SafeText;
import io.tandem.core.error.TandemException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Errors as RFC 9457 problem details. Validation failures of request bodies are handled by the base
 * class (400 with the field errors); our own categories map to statuses here.
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {

  private final RefusalAudit refusals;

  public ProblemAdvice(ObjectProvider<RefusalAudit> refusals) {
    this.refusals = refusals.getIfAvailable();
  }

  /**
   * A body that does not bind: names the property and the expected type, never the value sent (it
   * may be huge, or carry text meant to mislead whoever reads the answer).
   */
  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, unreadable(e));
    p.setTitle("Invalid request body");
    return handleExceptionInternal(e, p, headers, HttpStatus.BAD_REQUEST, request);
  }

  static String unreadable(HttpMessageNotReadableException e) {
    Throwable cause = e.getMostSpecificCause();
    if (cause instanceof UnrecognizedPropertyException u) {
      return "unknown property '"
          + SafeText.cut(u.getPropertyName(), 64)
          + "'; expected one of "
          + u.getKnownPropertyIds();
    }
    if (cause instanceof MismatchedInputException m) {
      String field =
          m.getPath().stream()
              .map(
                  r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
              .reduce((a, b) -> a + "." + b)
              .orElse("body");
      Class<?> type = m.getTargetType();
      return SafeText.cut(field, 64)
          + ": expected "
          + (type == null ? "a value of the documented type" : describe(type));
    }
    if (cause instanceof StreamReadException) {
      return "not well-formed JSON";
    }
    return "expected a JSON object as documented in /v3/api-docs";
  }

  private static String describe(Class<?> type) {
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
      return "a number";
    }
    return "an object";
  }

  @ExceptionHandler(AuditUnavailableException.class)
  ProblemDetail auditUnavailable(AuditUnavailableException e) {
    ProblemDetail p =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.SERVICE_UNAVAILABLE, e.getMessage() + ": command refused, nothing done");
    p.setTitle("Audit log unavailable");
    return p;
  }

  /** Requests refused here are audited like those the security layer refuses. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception e, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    auditRefusal(request, status, body);
    return super.handleExceptionInternal(e, body, headers, status, request);
  }

  private void auditRefusal(WebRequest request, HttpStatusCode status, Object body) {
    if (refusals != null
        && status.is4xxClientError()
        && request instanceof ServletWebRequest w
        && "POST".equals(w.getRequest().getMethod())) {
      String why = body instanceof ProblemDetail p ? p.getDetail() : status.toString();
      refusals.refused(w.getRequest(), status.value(), String.valueOf(why));
    }
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ProblemDetail badRequest(IllegalArgumentException e) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    p.setTitle("Invalid request");
    return p;
  }

  @ExceptionHandler(NotFoundException.class)
  ProblemDetail notFound(NotFoundException e) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    p.setTitle("Not found");
    return p;
  }

  @ExceptionHandler(TandemException.class)
  ProblemDetail tandem(TandemException e) {
    HttpStatus status =
        switch (e.category()) {
          case CONFIG -> HttpStatus.BAD_REQUEST;
          case CONFLICT, FENCED -> HttpStatus.CONFLICT;
          case PERMISSION -> HttpStatus.FORBIDDEN;
          case NOT_FOUND -> HttpStatus.NOT_FOUND;
          case TRANSIENT -> HttpStatus.SERVICE_UNAVAILABLE;
          case PROTOCOL -> HttpStatus.BAD_GATEWAY;
        };
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, e.getMessage());
    p.setTitle(e.category().name().toLowerCase() + ": " + e.category().safeAction());
    return p;
  }
}
