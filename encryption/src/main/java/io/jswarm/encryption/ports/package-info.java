/**
 * Bounded resources on every port (issue 9): the Netty-free accounting that the manager API (2377, gRPC's
 * shaded Netty) and the gossip transport (7946, Netty 4.1) share. {@link ConnectionCaps} admits connections
 * by total and per source address, first as unverified (TLS not done, or no client certificate) and then as
 * verified; {@link SampledLog} turns floods of refusals into one log line per window with a count.
 */
package io.jswarm.encryption.ports;
