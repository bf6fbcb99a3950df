package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.WitnessAnswer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The listener's allocation-free encoder and MAC write the very datagrams of the general ones
 * (docs/witness-protocol.md, "Datagrams"): agents read them with {@link
 * WitnessDatagram#openAnswer}, so a byte off would be an answer they drop. The MAC is checked
 * against the JDK's {@code HmacSHA256} and RFC 4231's test vectors.
 */
class WitnessDatagramWireProperties {

  @Example
  void rfc4231TestCasesOneAndTwo() {
    byte[] key1 = new byte[20];
    java.util.Arrays.fill(key1, (byte) 0x0b);
    byte[] data1 = "Hi There".getBytes(StandardCharsets.US_ASCII);
    assertThat(HexFormat.of().formatHex(DatagramMac.get().compute(key1, data1, 0, data1.length)))
        .isEqualTo("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    byte[] key2 = "Jefe".getBytes(StandardCharsets.US_ASCII);
    byte[] data2 = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);
    assertThat(HexFormat.of().formatHex(DatagramMac.get().compute(key2, data2, 0, data2.length)))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }

  @Property(tries = 150)
  void theMacIsTheJdksHmacSha256(
      @ForAll @Size(min = 1, max = 64) byte[] key,
      @ForAll @Size(max = 1200) byte[] data,
      @ForAll @IntRange(max = 16) int skip)
      throws Exception {
    int off = Math.min(skip, data.length);
    Mac jdk = Mac.getInstance("HmacSHA256");
    jdk.init(new SecretKeySpec(key, "HmacSHA256"));
    jdk.update(data, off, data.length - off);
    assertThat(DatagramMac.get().compute(key, data, off, data.length - off))
        .isEqualTo(jdk.doFinal());
  }

  @Property(tries = 150)
  void theListenersAnswerIsTheGeneralEncodersByteForByte(
      @ForAll("kinds") byte kind,
      @ForAll long nonce,
      @ForAll("names") String cluster,
      @ForAll("names") String site,
      @ForAll("results") TicketResult result,
      @ForAll @Size(16) byte[] secret) {
    SecretKeySpec key = WitnessDatagram.key(secret, cluster, site);
    WitnessDatagram.Request to =
        new WitnessDatagram.Request(kind, nonce, cluster, site, 1, 2000, true);
    byte[] general = WitnessDatagram.answer(key, to, result);
    ByteBuffer listener =
        ListenerDatagrams.answer(
            ByteBuffer.allocate(WitnessDatagram.MAX_SIZE),
            key.getEncoded(),
            kind,
            nonce,
            ListenerDatagrams.names(cluster, site),
            WitnessAnswer.of(result));
    assertThat(bytes(listener)).isEqualTo(general);
    assertThat(WitnessDatagram.openAnswer(general, general.length, key))
        .hasValueSatisfying(a -> assertThat(a.result().reason()).isNotNull());
  }

  @Property(tries = 100)
  void theListenersRefusalIsTheGeneralEncodersByteForByte(
      @ForAll("kinds") byte kind,
      @ForAll long nonce,
      @ForAll("names") String cluster,
      @ForAll("names") String site,
      @ForAll boolean skew,
      @ForAll long value,
      @ForAll @Size(16) byte[] secret) {
    SecretKeySpec key = WitnessDatagram.key(secret, cluster, site);
    WitnessDatagram.Status status =
        skew ? WitnessDatagram.Status.SKEW : WitnessDatagram.Status.STALE;
    WitnessDatagram.Request to =
        new WitnessDatagram.Request(kind, nonce, cluster, site, 0, 0, false);
    byte[] general = WitnessDatagram.refusal(key, to, status, value);
    ByteBuffer listener =
        ListenerDatagrams.refusal(
            ByteBuffer.allocate(WitnessDatagram.MAX_SIZE),
            key.getEncoded(),
            kind,
            nonce,
            ListenerDatagrams.names(cluster, site),
            status,
            value);
    assertThat(bytes(listener)).isEqualTo(general);
  }

  @Provide
  Arbitrary<Byte> kinds() {
    return Arbitraries.of(
        WitnessDatagram.KIND_RENEW,
        WitnessDatagram.KIND_READ,
        WitnessDatagram.KIND_ACQUIRE,
        WitnessDatagram.KIND_RELEASE);
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings()
        .withChars("abcdefghijklmnopqrstuvwxyz0123456789-")
        .ofMinLength(1)
        .ofMaxLength(63);
  }

  @Provide
  Arbitrary<TicketResult> results() {
    Arbitrary<Ticket> tickets =
        names()
            .flatMap(
                holder ->
                    Arbitraries.longs()
                        .between(1, 1L << 62)
                        .flatMap(
                            epoch ->
                                Arbitraries.longs()
                                    .between(0, 4_000_000_000_000L)
                                    .flatMap(
                                        expiry ->
                                            Arbitraries.longs()
                                                .between(1, 1L << 40)
                                                .map(
                                                    ttl ->
                                                        new Ticket(
                                                            "c",
                                                            holder,
                                                            epoch,
                                                            Instant.ofEpochMilli(expiry),
                                                            Duration.ofMillis(ttl))))));
    Arbitrary<String> reasons =
        Arbitraries.oneOf(
            Arbitraries.of("observed", "renewed epoch 7", "refused: nobody holds the ticket"),
            Arbitraries.strings().ofMaxLength(600),
            Arbitraries.strings().ascii().ofMaxLength(600));
    return Arbitraries.oneOf(
        tickets.flatMap(t -> reasons.map(r -> TicketResult.granted(t, r))),
        tickets.injectNull(0.3).flatMap(t -> reasons.map(r -> TicketResult.refused(t, r))));
  }

  private static byte[] bytes(ByteBuffer ready) {
    byte[] out = new byte[ready.remaining()];
    ready.get(out);
    return out;
  }
}
