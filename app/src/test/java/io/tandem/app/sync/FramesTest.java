package io.tandem.app.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The content framing of the peer-link transport: round trip, compression only where it pays. */
class FramesTest {

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  private static byte[] text(int n) {
    byte[] line = "exten => 100,1,Answer()\n".getBytes(StandardCharsets.US_ASCII);
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = line[i % line.length];
    }
    return b;
  }

  private record Framed(byte[] wire, long raw, long sent) {}

  private static Framed frame(byte[] content, int writeSize) throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    Frames.Out out = new Frames.Out(wire);
    for (int off = 0; off < content.length; off += writeSize) {
      out.write(content, off, Math.min(writeSize, content.length - off));
    }
    long raw = out.rawBytes();
    out.finish();
    out.close();
    return new Framed(wire.toByteArray(), raw, out.wireBytes());
  }

  private static byte[] unframe(byte[] wire) throws IOException {
    try (InputStream in = new Frames.In(new ByteArrayInputStream(wire))) {
      return in.readAllBytes();
    }
  }

  @Test
  void whatIsWrittenIsReadBackWhateverTheWriteSizes() throws IOException {
    byte[] mixed = new byte[3 * Frames.CHUNK + 1234];
    System.arraycopy(text(Frames.CHUNK + 100), 0, mixed, 0, Frames.CHUNK + 100);
    System.arraycopy(
        random(2 * Frames.CHUNK + 1134, 7), 0, mixed, Frames.CHUNK + 100, 2 * Frames.CHUNK + 1134);
    for (int size : new int[] {1, 7, 4096, Frames.CHUNK, Frames.CHUNK + 3, mixed.length}) {
      Framed f = frame(mixed, size);
      assertThat(unframe(f.wire())).as("writes of %d bytes", size).isEqualTo(mixed);
      assertThat(f.raw()).isEqualTo(mixed.length);
    }
    assertThat(unframe(frame(new byte[0], 1).wire())).isEmpty();
  }

  @Test
  void textIsCompressedAndIncompressibleContentIsSentRawWithoutTryingEveryChunk()
      throws IOException {
    Framed conf = frame(text(1 << 20), 8192);
    assertThat(conf.sent()).as("configuration text compresses").isLessThan((1 << 20) / 10);

    byte[] noise = random(64 * Frames.CHUNK, 3);
    Framed rec = frame(noise, 8192);
    // raw frames cost 5 bytes each (and the end frame 5), a failed trial nothing more on the wire
    assertThat(rec.sent()).isLessThanOrEqualTo(noise.length + 65L * 5);
    assertThat(unframe(rec.wire())).isEqualTo(noise);
    // after noise, text compresses again within the back-off (at most 64 chunks)
    byte[] both = new byte[noise.length + 200 * Frames.CHUNK];
    System.arraycopy(noise, 0, both, 0, noise.length);
    System.arraycopy(text(200 * Frames.CHUNK), 0, both, noise.length, 200 * Frames.CHUNK);
    Framed mixed = frame(both, Frames.CHUNK);
    assertThat(mixed.sent()).isLessThan(noise.length + 80L * Frames.CHUNK);
    assertThat(unframe(mixed.wire())).isEqualTo(both);
  }

  @Test
  void aStreamCutAnywhereIsKnownToBeCutEvenBetweenFrames() throws IOException {
    byte[] content = new byte[2 * Frames.CHUNK + 10];
    System.arraycopy(text(Frames.CHUNK), 0, content, 0, Frames.CHUNK);
    System.arraycopy(random(Frames.CHUNK + 10, 5), 0, content, Frames.CHUNK, Frames.CHUNK + 10);
    byte[] wire = frame(content, 1000).wire();
    for (int cut = 0; cut < wire.length; cut += cut < 64 ? 1 : 997) {
      byte[] part = Arrays.copyOf(wire, cut);
      assertThatThrownBy(() -> unframe(part))
          .as("cut after %d of %d bytes", cut, wire.length)
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("ended before its end");
    }
    // cut exactly before the end frame: every content byte arrived, the end did not
    assertThatThrownBy(() -> unframe(Arrays.copyOf(wire, wire.length - 5)))
        .isInstanceOf(EOFException.class);
  }

  @Test
  void contentClosedWithoutBeingFinishedReadsAsCut() throws IOException {
    // a sender that fails part-way closes its stream without finishing it: the receiver must
    // not take what arrived for the whole content
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    try (Frames.Out out = new Frames.Out(wire)) {
      out.write(text(3 * Frames.CHUNK + 5));
    }
    assertThatThrownBy(() -> unframe(wire.toByteArray()))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("ended before its end");
  }

  @Test
  void aDamagedFrameIsRefusedNotReadAsContent() throws IOException {
    byte[] wire = frame(text(Frames.CHUNK), Frames.CHUNK).wire();
    assertThat(wire[0]).isEqualTo((byte) 'Z');
    byte[] kind = wire.clone();
    kind[0] = 'Q';
    assertThatThrownBy(() -> unframe(kind)).hasMessageContaining("malformed content frame");
    byte[] length = wire.clone();
    length[1] = (byte) 0x7f;
    assertThatThrownBy(() -> unframe(length)).hasMessageContaining("malformed content frame");
    byte[] tooLong = frame(random(10, 1), 10).wire(); // R, 10 bytes
    assertThat(tooLong[0]).isEqualTo((byte) 'R');
    tooLong[2] = 0x01; // R frame claiming 65,546 bytes, more than a chunk
    assertThatThrownBy(() -> unframe(tooLong)).hasMessageContaining("malformed content frame");
    byte[] body = wire.clone();
    for (int i = 12; i < 40; i++) {
      body[i] ^= (byte) 0x5a;
    }
    assertThatThrownBy(() -> unframe(body)).isInstanceOf(IOException.class);
  }
}
