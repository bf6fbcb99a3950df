package io.tandem.aws.internal;

import io.tandem.core.witness.FencingToken;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The EC2 tags that record which fencing token last changed a resource: {@code tandem:epoch},
 * {@code tandem:site}, {@code tandem:cluster}. A missing or unparsable epoch counts as 0 (never
 * changed by Tandem).
 */
public record EpochTags(long epoch, Optional<String> site, Optional<String> cluster) {

  public static final String EPOCH = "tandem:epoch";
  public static final String SITE = "tandem:site";
  public static final String CLUSTER = "tandem:cluster";

  public static EpochTags of(List<Tag> tags) {
    Map<String, String> map =
        tags == null
            ? Map.of()
            : tags.stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> b));
    long epoch;
    try {
      epoch = Long.parseLong(map.getOrDefault(EPOCH, "0"));
    } catch (NumberFormatException e) {
      epoch = 0;
    }
    return new EpochTags(
        epoch, Optional.ofNullable(map.get(SITE)), Optional.ofNullable(map.get(CLUSTER)));
  }

  /** Tags that record {@code token}. */
  public static List<Tag> of(FencingToken token) {
    return List.of(
        Tag.builder().key(EPOCH).value(Long.toString(token.epoch())).build(),
        Tag.builder().key(SITE).value(token.site()).build(),
        Tag.builder().key(CLUSTER).value(token.cluster()).build());
  }

  /** Whether these tags already record exactly {@code token}. */
  public boolean records(FencingToken token) {
    return epoch == token.epoch()
        && site.filter(token.site()::equals).isPresent()
        && cluster.filter(token.cluster()::equals).isPresent();
  }
}
