package io.tandem.app.sync;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The framing of a sync run's content on the wire ({@value #ENCODING}): the content cut into chunks
 * of up to {@value #CHUNK} bytes, each sent as a frame {@code [kind:1][length:4]} followed by the
 * chunk raw ({@code R}) or deflated on its own ({@code Z}, preceded by its raw length), and an end
 * frame ({@code E}), written only by {@link Out#finish()} once everything was written — so a stream
 * cut anywhere, even between two files, or given up by a failing sender, is known to be cut.
 *
 * <p>Compression only where it pays: a chunk is deflated (fast level) and sent compressed only when
 * that saves at least a tenth; after a chunk that does not compress, the next 1, 2, 4 … up to 64
 * chunks (4 MiB) go raw without trying, so recordings, archives and other compressed content cost
 * one trial per few MiB instead of a deflate of every byte (deflate at the fast level runs at about
 * 30 MB/s on incompressible data on the reference machine; a raw frame costs a copy). Written here
 * because gzip, which the previous format used for the whole stream, cannot skip what does not
 * compress, and the JDK has no block-level alternative. Not thread-safe.
 */
final class Frames {

  /** The value of the encoding header for this format. */
  static final String ENCODING = "tandem-frames-1";

  static final int CHUNK = 1 << 16;
  private static final int MAX_SKIP = 64;

  private Frames() {}

  /** The writing side: frames what is written; {@code close()} writes the end frame. */
  static final class Out extends OutputStream {
    private final OutputStream out;
    private final byte[] buf = new byte[CHUNK];
    private final byte[] packed = new byte[CHUNK + (CHUNK >> 3) + 64];
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    private int n;
    private int skip;
    private int backoff = 1;
    private long raw;
    private long sent;
    private boolean closed;
    private boolean finished;

    Out(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      buf[n++] = (byte) b;
      if (n == CHUNK) {
        frame();
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int k = Math.min(len, CHUNK - n);
        System.arraycopy(b, off, buf, n, k);
        n += k;
        off += k;
        len -= k;
        if (n == CHUNK) {
          frame();
        }
      }
    }

    /** Sends what is buffered as a frame (the receiver can start on it). */
    @Override
    public void flush() throws IOException {
      if (n > 0) {
        frame();
      }
      out.flush();
    }

    private void frame() throws IOException {
      raw += n;
      if (skip > 0) {
        skip--;
        rawFrame();
        return;
      }
      deflater.reset();
      deflater.setInput(buf, 0, n);
      deflater.finish();
      int z = 0;
      while (!deflater.finished() && z < packed.length) {
        z += deflater.deflate(packed, z, packed.length - z);
      }
      if (deflater.finished() && z <= n - n / 10) {
        header('Z', z + 4);
        writeInt(n);
        out.write(packed, 0, z);
        sent += z + 9;
        backoff = 1;
      } else {
        rawFrame();
        skip = backoff;
        backoff = Math.min(MAX_SKIP, backoff * 2);
      }
      n = 0;
    }

    private void rawFrame() throws IOException {
      header('R', n);
      out.write(buf, 0, n);
      sent += n + 5;
      n = 0;
    }

    private void header(char kind, int length) throws IOException {
      out.write(kind);
      writeInt(length);
    }

    private void writeInt(int v) throws IOException {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
    }

    /** Bytes of content written so far. */
    long rawBytes() {
      return raw + n;
    }

    /** Bytes put on the wire so far. */
    long wireBytes() {
      return sent;
    }

    /**
     * Marks the content complete: sends what is buffered and the end frame. Only a writer that
     * wrote everything calls this; a stream closed without it reads as cut on the other side.
     */
    void finish() throws IOException {
      if (finished) {
        return;
      }
      if (n > 0) {
        frame();
      }
      header('E', 0);
      sent += 5;
      out.flush();
      finished = true;
    }

    /** Closes the stream, with no end frame unless {@link #finish()} was called. */
    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        out.close();
      } finally {
        deflater.end();
      }
    }
  }

  /**
   * The reading side: the content, as written. A stream that ends before its end frame throws
   * {@link EOFException} ("the content ended before its end"); a malformed frame an {@link
   * IOException}.
   */
  static final class In extends InputStream {
    private final DataInputStream in;
    private final Inflater inflater = new Inflater(true);
    private final byte[] packed = new byte[CHUNK + (CHUNK >> 3) + 64];
    private final byte[] buf = new byte[CHUNK];
    private int pos;
    private int len;
    private boolean ended;

    In(InputStream in) {
      this.in = new DataInputStream(in);
    }

    @Override
    public int read() throws IOException {
      if (!fill()) {
        return -1;
      }
      return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
      if (n == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int k = Math.min(n, len - pos);
      System.arraycopy(buf, pos, b, off, k);
      pos += k;
      return k;
    }

    private boolean fill() throws IOException {
      while (pos >= len) {
        if (ended) {
          return false;
        }
        int kind;
        int length;
        try {
          kind = in.readUnsignedByte();
          length = in.readInt();
        } catch (EOFException e) {
          throw new EOFException("the content ended before its end (sender stopped or link cut)");
        }
        if (length < 0
            || length > packed.length
            || (kind == 'R' && length > CHUNK)
            || (kind == 'Z' && length < 4)
            || (kind == 'E' && length != 0)) {
          throw new IOException("malformed content frame (length " + length + ")");
        }
        pos = 0;
        switch (kind) {
          case 'E' -> {
            ended = true;
            len = 0;
          }
          case 'R' -> {
            readFully(buf, length);
            len = length;
          }
          case 'Z' -> {
            int rawLength = readInt();
            if (rawLength < 0 || rawLength > CHUNK) {
              throw new IOException("malformed content frame (raw length " + rawLength + ")");
            }
            readFully(packed, length - 4);
            inflater.reset();
            inflater.setInput(packed, 0, length - 4);
            try {
              int got = 0;
              while (got < rawLength && !inflater.finished()) {
                int k = inflater.inflate(buf, got, rawLength - got);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                  break;
                }
                got += k;
              }
              if (got != rawLength) {
                throw new IOException("a compressed content frame does not hold its length");
              }
            } catch (DataFormatException e) {
              throw new IOException("a compressed content frame is damaged: " + e.getMessage());
            }
            len = rawLength;
          }
          default -> throw new IOException("malformed content frame (kind " + kind + ")");
        }
      }
      return true;
    }

    private int readInt() throws IOException {
      try {
        return in.readInt();
      } catch (EOFException e) {
        throw new EOFException("the content ended before its end (sender stopped or link cut)");
      }
    }

    private void readFully(byte[] b, int n) throws IOException {
      try {
        in.readFully(b, 0, n);
      } catch (EOFException e) {
        throw new EOFException("the content ended before its end (sender stopped or link cut)");
      }
    }

    @Override
    public void close() throws IOException {
      inflater.end();
      in.close();
    }
  }
}
