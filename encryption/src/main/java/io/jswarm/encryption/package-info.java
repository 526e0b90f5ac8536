/**
 * Trust and keys: the cluster root CA (ECDSA P-256), node identities and certificates, join-token digests,
 * and data-plane (IPsec) keys. Bouncy Castle types stay inside this module.
 *
 * <p>Empty until the cluster issue.
 */
package io.jswarm.encryption;
