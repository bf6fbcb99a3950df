package io.tandem.onprem.sync;

import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * The manifest and data-stream framing of the {@code files} kind: one line per entry, fields
 * separated by tabs, names percent-encoded where they hold {@code %}, tabs, line breaks or other
 * control characters. Line-based so both sides stream it; hand-written because it is ten fields and
 * a JSON library would add nothing but allocation. Stateless.
 *
 * <pre>
 * f	0644	0	0	root	root	1733400000000	1234	&lt;sha256&gt;		0/pjsip.conf
 * </pre>
 */
final class ManifestCodec {

  static final String HEADER = "tandem-files-manifest 1";

  private ManifestCodec() {}

  static void writeHeader(Writer w) throws IOException {
    w.write(HEADER + "\n");
  }

  static void write(Writer w, FileEntry e) throws IOException {
    w.write(e.type());
    w.write('\t');
    w.write(Integer.toOctalString(e.mode()));
    w.write('\t');
    w.write(Integer.toString(e.uid()));
    w.write('\t');
    w.write(Integer.toString(e.gid()));
    w.write('\t');
    w.write(encode(e.owner()));
    w.write('\t');
    w.write(encode(e.group()));
    w.write('\t');
    w.write(Long.toString(e.mtimeMillis()));
    w.write('\t');
    w.write(Long.toString(e.size()));
    w.write('\t');
    w.write(e.sha256());
    w.write('\t');
    w.write(encode(e.link()));
    w.write('\t');
    w.write(encode(e.key()));
    w.write('\n');
  }

  /** Reads the next entry, or null at the end. */
  static FileEntry read(BufferedReader r) throws IOException {
    String line = r.readLine();
    if (line == null || line.isEmpty()) {
      return null;
    }
    String[] f = line.split("\t", -1);
    if (f.length != 11 || f[0].length() != 1 || "fdl".indexOf(f[0].charAt(0)) < 0) {
      throw new IOException("malformed manifest line: " + abbreviate(line));
    }
    try {
      String key = decode(f[10]);
      checkKey(key);
      return new FileEntry(
          key,
          f[0].charAt(0),
          Integer.parseInt(f[1], 8),
          Integer.parseInt(f[2]),
          Integer.parseInt(f[3]),
          decode(f[4]),
          decode(f[5]),
          Long.parseLong(f[6]),
          Long.parseLong(f[7]),
          f[8],
          decode(f[9]));
    } catch (NumberFormatException e) {
      throw new IOException("malformed manifest line: " + abbreviate(line));
    }
  }

  static BufferedReader reader(InputStream in) throws IOException {
    BufferedReader r =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    String header = r.readLine();
    if (!HEADER.equals(header)) {
      throw new IOException(
          "not a tandem files manifest (header " + abbreviate(String.valueOf(header)) + ")");
    }
    return r;
  }

  /** Refuses keys that could leave the job's directory: absolute, {@code ..}, empty parts. */
  static void checkKey(String key) throws IOException {
    int slash = key.indexOf('/');
    if (slash <= 0 || key.indexOf('\0') >= 0) {
      throw new IOException("malformed entry name " + abbreviate(key));
    }
    for (int i = 0; i < slash; i++) {
      if (!Character.isDigit(key.charAt(i))) {
        throw new IOException("malformed entry name " + abbreviate(key));
      }
    }
    String rel = key.substring(slash + 1);
    if (rel.isEmpty()) {
      return; // the job's directory itself
    }
    for (String part : rel.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new IOException("entry name leaves the job's directory: " + abbreviate(key));
      }
    }
  }

  /**
   * Reads a data-stream header line ({@link #writeDataHeader}); a stream that ends first is a cut
   * transfer ({@link SyncReason#TRANSFER_FAILED}).
   */
  static String readDataHeader(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(128);
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new SyncFailedException(
            SyncReason.TRANSFER_FAILED, "the content ended early (sender stopped or link cut)");
      }
      b.write(c);
      if (b.size() > 16384) {
        throw new SyncFailedException(SyncReason.VERIFY_FAILED, "content header too long");
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  /** Data-stream header of one file's content. */
  static void writeDataHeader(OutputStream out, String key, long size) throws IOException {
    out.write((encode(key) + "\t" + size + "\n").getBytes(StandardCharsets.UTF_8));
  }

  static String encode(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' || c < 0x20 || c == 0x7f) {
        if (sb == null) {
          sb = new StringBuilder(s.substring(0, i));
        }
        sb.append('%').append(String.format("%02X", (int) c));
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? s : sb.toString();
  }

  static String decode(String s) throws IOException {
    if (s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new IOException("malformed escape in " + abbreviate(s));
        }
        try {
          sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
        } catch (NumberFormatException e) {
          throw new IOException("malformed escape in " + abbreviate(s));
        }
        i += 2;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "…" : s;
  }
}
