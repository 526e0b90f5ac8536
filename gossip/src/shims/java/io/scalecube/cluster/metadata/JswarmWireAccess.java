package io.scalecube.cluster.metadata;

import io.scalecube.cluster.Member;
import java.nio.ByteBuffer;

/**
 * jswarm's access to scalecube's package-private metadata RPC payloads (see the membership twin for why).
 * Pinned to scalecube 2.7.7.
 */
public final class JswarmWireAccess {
    private JswarmWireAccess() {}

    public static boolean isRequest(Object o) {
        return o instanceof GetMetadataRequest;
    }

    public static boolean isResponse(Object o) {
        return o instanceof GetMetadataResponse;
    }

    public static Object request(Member member) {
        return new GetMetadataRequest(member);
    }

    public static Member requestMember(Object request) {
        return ((GetMetadataRequest) request).getMember();
    }

    public static Object response(Member member, ByteBuffer metadata) {
        return new GetMetadataResponse(member, metadata);
    }

    public static Member responseMember(Object response) {
        return ((GetMetadataResponse) response).getMember();
    }

    /** A read-only view; the caller must not assume an array-backed buffer. */
    public static ByteBuffer responseMetadata(Object response) {
        return ((GetMetadataResponse) response).getMetadata().asReadOnlyBuffer();
    }
}
