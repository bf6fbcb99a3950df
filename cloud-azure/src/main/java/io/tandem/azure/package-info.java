/**
 * Azure adapters of Tandem's core ports.
 *
 * <ul>
 *   <li>{@link io.tandem.azure.AzurePublicIpMover} ({@code AddressMover}): moves a Standard public
 *       IP between NIC IP configurations, epoch in the public IP's tags, ETag {@code If-Match} on
 *       every write, long-running operations polled to the end.
 *   <li>{@link io.tandem.azure.AzureDnsUpdater} ({@code DnsUpdater}): Azure DNS record sets with
 *       {@code If-Match} / {@code If-None-Match: *}, epoch in the record set's metadata.
 *   <li>{@link io.tandem.azure.AzureVmFencer} ({@code Fencer}): powers off or deallocates the old
 *       VM, epoch in its tags.
 *   <li>{@link io.tandem.azure.BlobLeaseWitness} ({@code Witness}): one blob per cluster, a blob
 *       lease for mutual exclusion, the ticket in the blob's metadata.
 *   <li>{@link io.tandem.azure.AzureClients} / {@link io.tandem.azure.AzureSettings}: one ARM
 *       pipeline per site (credential, retries honouring {@code Retry-After}, timeouts, endpoint
 *       override).
 * </ul>
 *
 * <p>The permissions these need are in {@code docs/azure-rbac.md}.
 */
package io.tandem.azure;
