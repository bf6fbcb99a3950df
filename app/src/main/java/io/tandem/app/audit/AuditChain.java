package io.tandem.app.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The audit log's hash chain: each entry's hash is SHA-256 over the previous entry's hash and the
 * entry's own fields, each length-prefixed so no two different entries hash the same text. Editing
 * an entry changes its hash; deleting one breaks the link to the next (and leaves a gap in the
 * sequence numbers); removing entries from the end is detectable only against a head recorded
 * elsewhere (the agent logs the head at start; {@code tandem audit verify} prints it).
 *
 * <p>Why hand-written: a dozen lines over the JDK's {@link MessageDigest}; a transparency-log
 * library would bring a server and a storage format for what is one file per node.
 */
public final class AuditChain {

  /** The {@code prev} of the first entry. */
  public static final String GENESIS = "0".repeat(64);

  private AuditChain() {}

  /** The hash {@code e} must carry, given the hash before it. */
  public static String hash(String prev, AuditEntry e) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException x) {
      throw new IllegalStateException("SHA-256 is required by every JDK", x);
    }
    for (String field :
        new String[] {
          prev,
          Long.toString(e.seq()),
          String.valueOf(e.at()),
          e.actor(),
          e.action(),
          e.target(),
          e.result(),
          e.detail()
        }) {
      byte[] b = field == null ? new byte[] {(byte) 0xff} : field.getBytes(StandardCharsets.UTF_8);
      sha.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) ':');
      sha.update(b);
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
