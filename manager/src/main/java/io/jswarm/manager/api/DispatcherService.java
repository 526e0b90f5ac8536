package io.jswarm.manager.api;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.JoinToken;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.JoinResponse;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.ListNodesResponse;
import io.jswarm.proto.cluster.RenewRequest;
import io.jswarm.proto.cluster.RenewResponse;
import io.jswarm.proto.cluster.SessionDownstream;
import io.jswarm.proto.cluster.SessionUpstream;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Role;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The manager API on 2377. Authentication and authorisation happen before, in {@link AuthInterceptor}. */
final class DispatcherService extends DispatcherGrpc.DispatcherImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(DispatcherService.class);
    /** Docker's wording for a bad token; deliberately the same whatever was wrong with it. */
    static final String INVALID_TOKEN = "A valid join token is necessary to join this cluster";

    private final ManagerNode manager;

    DispatcherService(ManagerNode manager) {
        this.manager = manager;
    }

    @Override
    public void join(JoinRequest req, StreamObserver<JoinResponse> out) {
        try {
            out.onNext(doJoin(req, AuthInterceptor.REMOTE.get()));
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            out.onError(e);
        }
    }

    private JoinResponse doJoin(JoinRequest req, SocketAddress remote) {
        InitCluster cluster = manager.table().cluster();
        JoinToken token;
        try {
            token = JoinToken.parse(req.getToken());
        } catch (IllegalArgumentException e) {
            throw invalidToken("malformed", remote);
        }
        if (!token.pins(manager.ca().certificate())) {
            throw invalidToken("other cluster", remote); // a token of another swarm
        }
        Role role;
        if (token.sameSecret(new JoinToken(token.caDigest(), cluster.getWorkerTokenSecret()))) {
            role = Role.ROLE_WORKER;
        } else if (token.sameSecret(new JoinToken(token.caDigest(), cluster.getManagerTokenSecret()))) {
            role = Role.ROLE_MANAGER;
        } else {
            throw invalidToken("wrong secret", remote);
        }
        if (role == Role.ROLE_MANAGER) {
            throw Status.FAILED_PRECONDITION.withDescription("joining as an additional manager is not supported yet: "
                    + "this swarm has a single manager (no replicated log). Join as a worker.").asRuntimeException();
        }
        CertificateRequest csr = new CertificateRequest(req.getCsrDer().toByteArray());
        try {
            csr.verifiedPublicKey();
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        String addr = !req.getAdvertiseAddr().isEmpty() ? req.getAdvertiseAddr()
                : remote instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : "";
        if (addr.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("cannot determine the node's address; pass --advertise-addr")
                    .asRuntimeException();
        }
        String nodeId = Identifiers.newId();
        X509Certificate cert = manager.ca().sign(csr, nodeId, NodeTable.fromProto(role), manager.certValidity());
        manager.submit(Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(nodeId)
                .setHostname(req.getHostname()).setRole(role).setAdvertiseAddr(addr)
                .setDataPathAddr(req.getDataPathAddr().isEmpty() ? addr : req.getDataPathAddr())
                .setEngineVersion(req.getEngineVersion()).setJoinedAtMillis(manager.clock().millis())).build());
        LOG.info("node joined node={} role={} addr={} hostname={}", nodeId, role, addr, req.getHostname());
        manager.viewChangedSoon();
        return JoinResponse.newBuilder().setNodeId(nodeId).setClusterId(cluster.getClusterId())
                .setCertificateDer(ManagerNode.der(cert)).setCaCertificateDer(ManagerNode.der(manager.ca().certificate()))
                .addAllManagerAddrs(manager.view().getManagerAddrsList()).setRole(role).build();
    }

    private static StatusRuntimeException invalidToken(String why, SocketAddress remote) {
        // The reason is logged for the operator; the caller learns nothing about which part was wrong.
        LOG.warn("join refused reason=\"{}\" remote={}", why, remote);
        return Status.INVALID_ARGUMENT.withDescription(INVALID_TOKEN).asRuntimeException();
    }

    @Override
    public StreamObserver<SessionUpstream> session(StreamObserver<SessionDownstream> responseObserver) {
        Caller caller = Caller.current();
        var out = (ServerCallStreamObserver<SessionDownstream>) responseObserver;
        SessionRegistry registry = manager.sessions();
        SessionRegistry.Session s = registry.open(caller.nodeId(), out);
        out.setOnCancelHandler(() -> registry.closed(s, "cancelled"));
        s.send(SessionDownstream.newBuilder().setView(manager.view()).build());
        return new StreamObserver<>() {
            @Override
            public void onNext(SessionUpstream value) {
                registry.touch(s);
            }

            @Override
            public void onError(Throwable t) {
                registry.closed(s, "stream broken: " + Status.fromThrowable(t).getCode());
            }

            @Override
            public void onCompleted() {
                registry.closed(s, "closed by agent");
            }
        };
    }

    @Override
    public void renewCertificate(RenewRequest req, StreamObserver<RenewResponse> out) {
        Caller caller = Caller.current();
        try {
            X509Certificate cert = manager.renew(caller.nodeId(), req.getCsrDer().toByteArray());
            LOG.info("certificate renewed node={} expires={}", caller.nodeId(), cert.getNotAfter().toInstant());
            out.onNext(RenewResponse.newBuilder().setCertificateDer(ByteString.copyFrom(cert.getEncoded())).build());
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            out.onError(e);
        } catch (IllegalArgumentException | java.security.cert.CertificateEncodingException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
        out.onNext(ListNodesResponse.newBuilder().addAllNodes(manager.nodes()).setSelfId(manager.nodeId()).build());
        out.onCompleted();
    }

}
