package io.jswarm.engine;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The daemon's gRPC failures as moby's HTTP errors (moby's own gRPC-to-HTTP table, plus its 503 swarm states). */
final class DockerErrors {
    private DockerErrors() {
    }

    static HttpResponse of(StatusRuntimeException e) {
        Status s = e.getStatus();
        String message = docker(s.getDescription() == null ? s.getCode().toString() : s.getDescription());
        return HttpResponse.error(status(s.getCode(), message), message);
    }

    static int status(Status.Code code, String message) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS -> 409;
            case PERMISSION_DENIED -> 403;
            case UNAUTHENTICATED -> 401;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE, DEADLINE_EXCEEDED -> 503;
            // moby: ErrNoSwarm, ErrSwarmNotManager and ErrSwarmExists are "unavailable"; the rest 400.
            case FAILED_PRECONDITION -> message.contains("not a swarm manager") || message.contains("not part of a swarm")
                    || message.contains("already part of a swarm") ? 503 : 400;
            default -> 500;
        };
    }

    /** jswarm's texts name its own CLI; a Docker client's user runs docker's commands. */
    static String docker(String message) {
        return message.replace("\"jswarm init\"", "\"docker swarm init\"")
                .replace("\"jswarm join\"", "\"docker swarm join\"")
                .replace("\"jswarm leave\"", "\"docker swarm leave\"");
    }
}
