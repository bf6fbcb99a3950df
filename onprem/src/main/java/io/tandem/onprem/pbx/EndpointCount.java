package io.tandem.onprem.pbx;

/**
 * User agents a PBX knows.
 *
 * @param reachable registered and answering (Asterisk: PJSIP contacts {@code Reachable};
 *     FreeSWITCH: registrations)
 * @param monitored how many the PBX checks (Asterisk: contacts with qualify enabled); -1 when the
 *     PBX does not know the total (FreeSWITCH: give the expected number in the sensor)
 */
public record EndpointCount(int reachable, int monitored) {}
