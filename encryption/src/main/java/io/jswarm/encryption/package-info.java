/**
 * Trust and keys: the cluster root CA (ECDSA P-256), node identities and certificates, join-token digests,
 * and data-plane (IPsec) keys. Bouncy Castle types stay inside this module.
 *
 * <p>Today: {@link io.jswarm.encryption.CertificateAuthority} (root CA, signs node certificates from CSRs),
 * {@link io.jswarm.encryption.NodeIdentity} (key + certificate + root, stored owner-only),
 * {@link io.jswarm.encryption.JoinToken} ({@code SWMTKN-1-<ca digest>-<secret>}, redacted in toString).
 * The join RPC, TLS contexts and data-plane keys come with the cluster and encryption issues.
 */
package io.jswarm.encryption;
