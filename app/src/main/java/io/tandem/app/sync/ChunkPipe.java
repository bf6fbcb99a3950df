package io.tandem.app.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A bounded pipe between the thread that reads the source and the HTTP client's body reader: the
 * writer hands over 64 KiB chunks, at most {@code depth} in flight, so memory stays bounded and the
 * slower side sets the pace. Written here because {@link java.io.PipedInputStream} polls with
 * one-second waits and ties itself to the writing thread's life.
 */
final class ChunkPipe {

  private static final byte[] END = new byte[0];
  private static final int CHUNK = 1 << 16;

  private final BlockingQueue<byte[]> queue;
  private volatile boolean readerClosed;

  ChunkPipe(int depth) {
    this.queue = new ArrayBlockingQueue<>(depth);
  }

  /** The writing end; {@code close()} ends the stream. */
  OutputStream out() {
    return new OutputStream() {
      private byte[] buf = new byte[CHUNK];
      private int n;
      private boolean closed;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
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
            hand();
          }
        }
      }

      @Override
      public void flush() throws IOException {
        if (n > 0) {
          hand();
        }
      }

      private void hand() throws IOException {
        put(java.util.Arrays.copyOf(buf, n));
        n = 0;
      }

      @Override
      public void close() throws IOException {
        if (closed) {
          return;
        }
        closed = true;
        flush();
        put(END);
      }
    };
  }

  /** Ends the stream early (the reader sees its end, which the receiver treats as a cut). */
  void abort() {
    queue.clear();
    queue.offer(END);
  }

  private void put(byte[] chunk) throws IOException {
    try {
      while (!readerClosed) {
        if (queue.offer(chunk, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
          return;
        }
      }
      throw new IOException("the request ended before its body was sent");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while sending");
    }
  }

  /** The reading end. */
  InputStream in() {
    return new InputStream() {
      private byte[] cur = new byte[0];
      private int pos;
      private boolean ended;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (pos >= cur.length) {
          if (ended) {
            return -1;
          }
          try {
            cur = queue.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the pipe");
          }
          pos = 0;
          if (cur == END) {
            ended = true;
            return -1;
          }
        }
        int k = Math.min(len, cur.length - pos);
        System.arraycopy(cur, pos, b, off, k);
        pos += k;
        return k;
      }

      @Override
      public void close() {
        readerClosed = true;
        queue.clear();
      }
    };
  }
}
