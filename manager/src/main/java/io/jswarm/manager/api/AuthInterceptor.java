package io.jswarm.manager.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies {@link Authorizer} to every call, with the caller taken from the verified TLS client certificate. */
public final class AuthInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(AuthInterceptor.class);
    /** The peer's transport address, for the join (a node that does not say its address gets the one it came from). */
    static final Context.Key<java.net.SocketAddress> REMOTE = Context.key("jswarm-remote");
    private final Authorizer.Members members;

    public AuthInterceptor(Authorizer.Members members) {
        this.members = members;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<Caller> caller;
        try {
            caller = callerOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        } catch (IllegalArgumentException e) {
            caller = Optional.empty();
        }
        return switch (Authorizer.decide(method, caller, members)) {
            case Authorizer.Decision.Deny d -> {
                LOG.warn("call refused method={} node={} code={} reason=\"{}\"", method,
                        caller.map(Caller::nodeId).orElse("-"), d.status().getCode(), d.status().getDescription());
                call.close(d.status(), new Metadata());
                yield new ServerCall.Listener<>() {
                };
            }
            case Authorizer.Decision.Allow a -> {
                Context ctx = Context.current().withValue(REMOTE, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                yield Contexts.interceptCall(a.caller().map(c -> ctx.withValue(Caller.KEY, c)).orElse(ctx), call, headers, next);
            }
        };
    }

    static Optional<Caller> callerOf(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? Optional.of(Caller.of(x)) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
