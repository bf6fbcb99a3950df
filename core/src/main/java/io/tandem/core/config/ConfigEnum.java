package io.tandem.core.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** An enum constant as written in the configuration file, e.g. {@code aws-eip}. */
public interface ConfigEnum {

  /** The spelling used in YAML. */
  String configName();

  /** The constant spelled {@code text} (case-insensitive), if any. */
  static <E extends Enum<E> & ConfigEnum> Optional<E> find(Class<E> type, String text) {
    return Arrays.stream(type.getEnumConstants())
        .filter(e -> e.configName().equalsIgnoreCase(text.strip()))
        .findFirst();
  }

  /** Every spelling, for "expected one of ..." messages. */
  static <E extends Enum<E> & ConfigEnum> List<String> names(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(ConfigEnum::configName).toList();
  }
}
