package io.jswarm.manager.api;

import io.grpc.Context;
import io.jswarm.encryption.Role;
import java.security.cert.X509Certificate;
import javax.security.auth.x500.X500Principal;

/** Who is calling, as proven by the client certificate (CN node id, OU role, O cluster id). */
public record Caller(String nodeId, Role role, String clusterId) {
    /** Set by {@link AuthInterceptor} for every call it lets through (except Join, which has no caller). */
    public static final Context.Key<Caller> KEY = Context.key("jswarm-caller");

    public static Caller current() {
        Caller c = KEY.get();
        if (c == null) {
            throw new IllegalStateException("no authenticated caller in this context");
        }
        return c;
    }

    /** Reads the subject of a certificate the TLS layer has already verified against the cluster root. */
    public static Caller of(X509Certificate cert) {
        String cn = null;
        String ou = null;
        String o = null;
        // RFC 2253 form: attributes are unambiguous and values escaped; ids and labels hold no escapes.
        for (String part : cert.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String v = part.substring(eq + 1);
            switch (part.substring(0, eq)) {
                case "CN" -> cn = v;
                case "OU" -> ou = v;
                case "O" -> o = v;
                default -> {
                }
            }
        }
        if (cn == null || ou == null || o == null) {
            throw new IllegalArgumentException("certificate subject lacks CN, OU or O");
        }
        return new Caller(cn, Role.fromLabel(ou), o);
    }
}
