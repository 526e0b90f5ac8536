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
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.DetachEndpointResponse;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.OwnEndpointsRequest;
import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PruneNetworksRequest;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
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

    // ---- networks: the Authorizer has already kept workers from create/rm/prune ----

    @Override
    public void createNetwork(CreateNetworkRequest req, StreamObserver<NetworkResponse> out) {
        unary(out, () -> manager.createNetwork(req));
    }

    @Override
    public void removeNetwork(RemoveNetworkRequest req, StreamObserver<RemoveNetworkResponse> out) {
        unary(out, () -> manager.removeNetwork(req));
    }

    @Override
    public void pruneNetworks(PruneNetworksRequest req, StreamObserver<PruneNetworksResponse> out) {
        unary(out, manager::pruneNetworks);
    }

    @Override
    public void listNetworks(ListNetworksRequest req, StreamObserver<ListNetworksResponse> out) {
        unary(out, () -> manager.listNetworks(req));
    }

    @Override
    public void attachEndpoint(AttachEndpointRequest req, StreamObserver<AttachEndpointResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.attachEndpoint(caller.nodeId(), isManager(caller), req));
    }

    @Override
    public void detachEndpoint(DetachEndpointRequest req, StreamObserver<DetachEndpointResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> {
            manager.detachEndpoint(caller.nodeId(), isManager(caller), req);
            return DetachEndpointResponse.getDefaultInstance();
        });
    }

    @Override
    public void ownEndpoints(OwnEndpointsRequest req, StreamObserver<OwnEndpointsResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.ownEndpoints(caller.nodeId()));
    }

    /** As the Authorizer decides it: the role in the state and in the certificate must both say manager. */
    private boolean isManager(Caller caller) {
        return caller.role() == io.jswarm.encryption.Role.MANAGER && manager.table().node(caller.nodeId())
                .map(n -> n.getRole() == Role.ROLE_MANAGER).orElse(false);
    }

    /** Answers a unary call; a refusal travels as its status, a bad argument as INVALID_ARGUMENT. */
    private static <T> void unary(StreamObserver<T> out, java.util.function.Supplier<T> call) {
        T value;
        try {
            value = call.get();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }
}
