package io.tandem.app.audit;

import java.time.Instant;

/**
 * One operator action: who did what, when, with which result.
 *
 * @param at when
 * @param actor the authenticated name ({@code alice}, {@code token:ci-bot})
 * @param action e.g. {@code switchover}
 * @param target e.g. the target site
 * @param result {@code accepted}, {@code refused}, {@code error}
 * @param detail the answer given, never a secret
 */
public record AuditEntry(
    Instant at, String actor, String action, String target, String result, String detail) {}
