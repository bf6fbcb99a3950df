package io.tandem.onprem.pbx;

/**
 * One trunk as the PBX reports it.
 *
 * @param state the PBX's word, e.g. {@code Registered}, {@code Rejected}, {@code REGED}, {@code
 *     FAIL_WAIT}
 * @param registered whether that word means registered
 */
public record TrunkState(String state, boolean registered) {}
