package io.tandem.app.server;

import io.tandem.core.error.TandemException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Errors as RFC 9457 problem details. Validation failures of request bodies are handled by the base
 * class (400 with the field errors); our own categories map to statuses here.
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {

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
