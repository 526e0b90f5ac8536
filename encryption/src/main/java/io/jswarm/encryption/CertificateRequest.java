package io.jswarm.encryption;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.NoSuchAlgorithmException;
import java.security.InvalidKeyException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A PKCS#10 certificate signing request, as DER bytes (what travels in the join RPC). The node keeps its
 * private key; the manager sees only the public key and the proof that the node holds the private one.
 * The subject the node asks for is ignored: the CA decides CN (node id), OU (role) and O (cluster).
 */
public record CertificateRequest(byte[] der) {
    public CertificateRequest {
        der = der.clone();
    }

    public static CertificateRequest create(KeyPair key) {
        try {
            var builder = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=jswarm-node"), key.getPublic());
            return new CertificateRequest(builder.build(
                    new JcaContentSignerBuilder(CertificateAuthority.SIGNATURE).build(key.getPrivate())).getEncoded());
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot build a CSR", e);
        }
    }

    /** The requested public key, after checking the request's self-signature (proof of possession). */
    public PublicKey verifiedPublicKey() {
        try {
            var csr = new JcaPKCS10CertificationRequest(der);
            PublicKey key = csr.getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new IllegalArgumentException("certificate request signature does not verify");
            }
            if (!"EC".equals(key.getAlgorithm())) {
                throw new IllegalArgumentException("certificate request must carry an EC key, got " + key.getAlgorithm());
            }
            return key;
        } catch (IOException | IllegalArgumentException | PKCSException | OperatorCreationException
                 | NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalArgumentException("invalid certificate request: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] der() {
        return der.clone();
    }
}
