/**
 * The TLS credentials of a node, in one place for every endpoint (the manager API on 2377, client and
 * server; gossip on 7946, both directions).
 *
 * <ul>
 *   <li>{@link io.jswarm.encryption.tls.IdentityKeyManager}: the one renewable credential of a node. The
 *       daemon creates one per node life and swaps the identity in it on renewal; every TLS context is built
 *       on it, so the next handshake of every endpoint presents the renewed certificate.</li>
 *   <li>{@link io.jswarm.encryption.tls.PeerTrust}: the member trust (cluster root, cluster id, revocation
 *       predicate), and {@link io.jswarm.encryption.tls.PeerTrust#pkix} the chain check under it.</li>
 *   <li>{@link io.jswarm.encryption.tls.PinningTrustManager}: the join's trust, pinned by the token.</li>
 * </ul>
 *
 * <p>No Netty here: the thin {@code SslContext} builders stay where each Netty lives ({@code manager.tls.Tls}
 * for gRPC's shaded Netty, {@code gossip.transport.TlsContexts} for the gossip transport's), and take their
 * key and trust managers from this package.
 */
package io.jswarm.encryption.tls;
