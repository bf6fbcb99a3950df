package io.tandem.app.audit;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.tandem.core.config.SafeText;
import java.time.Instant;

/**
 * One audited event: who did (or tried) what, when, with which result, chained to the entry before
 * it.
 *
 * @param seq position in the log, from 1, without gaps (0 before {@link AuditLog#append})
 * @param at when
 * @param actor the authenticated name ({@code alice}, {@code token:ci-bot}) or, for a refused
 *     request, who it claimed to be ({@code claimed:alice}, {@code anonymous})
 * @param action e.g. {@code switchover}, or the method and path of a refused request
 * @param target e.g. the target site
 * @param result {@code requested}, {@code accepted}, {@code refused}, {@code error}
 * @param detail the answer given, never a secret, never a request body
 * @param prev the hash of the entry before (64 zeros for the first)
 * @param hash SHA-256 of {@code prev} and this entry's other fields (see {@link AuditChain})
 */
@JsonPropertyOrder({"seq", "at", "actor", "action", "target", "result", "detail", "prev", "hash"})
public record AuditEntry(
    long seq,
    Instant at,
    String actor,
    String action,
    String target,
    String result,
    String detail,
    String prev,
    String hash) {

  /** Longest text kept per field; a longer value is cut and says so. */
  public static final int MAX_FIELD = 256;

  /** An entry to append (the log numbers and chains it). Client text is cut and escaped. */
  public static AuditEntry of(
      Instant at, String actor, String action, String target, String result, String detail) {
    return new AuditEntry(
        0,
        at,
        SafeText.cut(actor, 96),
        SafeText.cut(action, 96),
        SafeText.cut(target, 96),
        result,
        SafeText.cut(detail, MAX_FIELD),
        null,
        null);
  }

  AuditEntry chained(long seq, String prev, String hash) {
    return new AuditEntry(seq, at, actor, action, target, result, detail, prev, hash);
  }
}
