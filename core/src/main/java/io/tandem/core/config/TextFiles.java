package io.tandem.core.config;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a config file's bytes into text, or says precisely why they are not a UTF-8 text file:
 * UTF-16 and UTF-32 (by their byte order mark or their NUL pattern), binary (a NUL byte), or
 * invalid UTF-8 (line, column and byte offset of the first bad byte). A UTF-8 byte order mark is
 * dropped. Stateless.
 */
final class TextFiles {

  private TextFiles() {}

  /**
   * @throws InvalidConfigException with one located problem when the bytes are not UTF-8 text
   */
  static String decode(byte[] b, String file) {
    if (startsWith(b, 0xFF, 0xFE, 0x00, 0x00) || startsWith(b, 0x00, 0x00, 0xFE, 0xFF)) {
      throw utf(file, "UTF-32", b, 4);
    }
    if (startsWith(b, 0xFF, 0xFE) || startsWith(b, 0xFE, 0xFF)) {
      throw utf(file, "UTF-16", b, 2);
    }
    int start = startsWith(b, 0xEF, 0xBB, 0xBF) ? 3 : 0;
    if (b.length - start >= 4 && (b[start] == 0 || b[start + 1] == 0) && looksLikeUtf16(b, start)) {
      throw ClusterConfigLoader.located(
          file,
          1,
          1,
          "the file looks like UTF-16 without a byte order mark (every other byte is 0):"
              + " expected UTF-8; save it as UTF-8");
    }
    for (int i = start; i < b.length; i++) {
      if (b[i] == 0) {
        int[] at = position(b, start, i);
        throw ClusterConfigLoader.located(
            file,
            at[0],
            at[1],
            "not a text file (a NUL byte at offset " + i + "): expected YAML text");
      }
    }
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(b, start, b.length - start);
    CharBuffer out = CharBuffer.allocate(b.length);
    CoderResult r = d.decode(in, out, true);
    if (!r.isError()) {
      r = d.flush(out);
    }
    if (r.isError()) {
      int bad = in.position();
      int[] at = position(b, start, bad);
      throw ClusterConfigLoader.located(
          file,
          at[0],
          at[1],
          String.format(
              "not valid UTF-8 (byte 0x%02X at offset %d): save the file as UTF-8",
              b[bad] & 0xff, bad));
    }
    return out.flip().toString();
  }

  private static InvalidConfigException utf(String file, String encoding, byte[] b, int bom) {
    StringBuilder mark = new StringBuilder();
    for (int i = 0; i < bom; i++) {
      mark.append(i == 0 ? "" : " ").append(String.format("%02X", b[i] & 0xff));
    }
    return ClusterConfigLoader.located(
        file,
        1,
        1,
        "the file is "
            + encoding
            + " (it starts with the byte order mark "
            + mark
            + "): expected UTF-8; save it as UTF-8");
  }

  private static boolean looksLikeUtf16(byte[] b, int start) {
    int zeros = 0;
    int n = Math.min(b.length - start, 64);
    for (int i = 0; i < n; i++) {
      if (b[start + i] == 0) {
        zeros++;
      }
    }
    return zeros * 3 >= n; // ASCII text in UTF-16 is half zeros
  }

  /** 1-based line and column (in characters) of byte {@code index}; bytes before are valid. */
  private static int[] position(byte[] b, int start, int index) {
    int lineStart = start;
    int line = 1;
    for (int i = start; i < index; i++) {
      if (b[i] == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    String before;
    try {
      before =
          StandardCharsets.UTF_8
              .newDecoder()
              .decode(ByteBuffer.wrap(b, lineStart, index - lineStart))
              .toString();
    } catch (CharacterCodingException e) {
      before = new String(b, lineStart, index - lineStart, StandardCharsets.ISO_8859_1);
    }
    return new int[] {line, before.length() + 1};
  }

  private static boolean startsWith(byte[] b, int... prefix) {
    if (b.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((b[i] & 0xff) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
