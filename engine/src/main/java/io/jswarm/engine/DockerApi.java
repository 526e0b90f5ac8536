package io.jswarm.engine;

import io.grpc.StatusRuntimeException;
import io.jswarm.proto.cluster.ControlGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker Engine API subset jswarm serves (system, swarm, nodes, networks): strips the {@code /vN.NN}
 * prefix, finds the {@link Route}, and answers moby's shapes and errors. Every operation is one call of the
 * daemon's Control service through {@code stub} (in the daemon: an in-process channel to the same
 * ControlService the jswarm CLI reaches on its Unix socket). Thread-safe: no state beyond the stub.
 */
public final class DockerApi implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(DockerApi.class);
    /** The API version served: what the docker CLI negotiates down to (28.x sends up to 1.51). */
    public static final String API_VERSION = "1.47";
    public static final String MIN_API_VERSION = "1.24";
    private static final Pattern VERSIONED = Pattern.compile("^/v([^/]*)(/.*)$");
    private static final Pattern VERSION = Pattern.compile("^([0-9]{1,3})\\.([0-9]{1,3})$");
    private final ControlGrpc.ControlBlockingStub stub;
    private final List<Route> routes = new ArrayList<>();

    public DockerApi(ControlGrpc.ControlBlockingStub stub) {
        this.stub = stub;
        routes.addAll(new SwarmRoutes(this).routes());
        routes.addAll(new NetworkRoutes(this).routes());
    }

    /** Headers moby puts on every answer. */
    public static Map<String, String> commonHeaders(String engineVersion) {
        return Map.of("Api-Version", API_VERSION, "Docker-Experimental", "false", "Ostype", "linux",
                "Server", "jswarm/" + engineVersion + " (linux)");
    }

    /** One Control call with {@code seconds} of deadline. */
    <T> T call(long seconds, Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        return rpc.apply(stub.withDeadlineAfter(seconds, TimeUnit.SECONDS));
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        String path = request.path();
        Matcher v = VERSIONED.matcher(path);
        if (v.matches()) {
            HttpResponse bad = checkVersion(v.group(1));
            if (bad != null) {
                return bad;
            }
            path = v.group(2);
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        for (Route r : routes) {
            if (!r.method().equals(request.method()) && !(r.method().equals("GET") && request.method().equals("HEAD"))) {
                continue;
            }
            Matcher m = r.path().matcher(path);
            if (m.matches()) {
                List<String> groups = new ArrayList<>();
                for (int i = 1; i <= m.groupCount(); i++) {
                    groups.add(m.group(i));
                }
                return run(r, request, groups);
            }
        }
        return HttpResponse.error(501, "jswarm does not implement " + request.method() + " " + request.path());
    }

    private HttpResponse run(Route r, HttpRequest request, List<String> groups) {
        try {
            return r.action().run(request, groups);
        } catch (StatusRuntimeException e) {
            return DockerErrors.of(e);
        } catch (Json.Malformed e) {
            return HttpResponse.error(400, "invalid JSON: " + e.getMessage());
        } catch (IllegalArgumentException | ClassCastException e) {
            return HttpResponse.error(400, e.getMessage());
        } catch (Exception e) {
            LOG.error("engine api route failed method={} path={} error={}", request.method(), request.path(),
                    e.toString(), e);
            return HttpResponse.error(500, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** moby's messages for a version outside [MIN, API_VERSION] or not of the form N.NN. */
    static HttpResponse checkVersion(String version) {
        Matcher m = VERSION.matcher(version);
        if (!m.matches()) {
            return HttpResponse.error(400, "invalid API version format: \"" + version + "\"");
        }
        if (compare(version, API_VERSION) > 0) {
            return HttpResponse.error(400, "client version " + version + " is too new. Maximum supported API version is "
                    + API_VERSION);
        }
        if (compare(version, MIN_API_VERSION) < 0) {
            return HttpResponse.error(400, "client version " + version + " is too old. Minimum supported API version is "
                    + MIN_API_VERSION + ", please upgrade your client to a newer version");
        }
        return null;
    }

    static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }

    // ---- body helpers for the routes ----

    static Map<String, Object> body(HttpRequest r) {
        String ct = r.header("content-type");
        if (r.body().length > 0 && ct != null && !ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new IllegalArgumentException("unsupported Content-Type header (" + ct + "): must be 'application/json'");
        }
        return Json.parseObject(r.bodyText());
    }

    /** Field {@code key} of a request body as {@code type} ({@code absent} when missing or null); Go's message else. */
    private static <T> T field(Map<String, Object> m, String key, Class<T> type, T absent, String goType) {
        Object v = m.get(key);
        if (v == null) {
            return absent;
        }
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("json: cannot unmarshal " + kind(v) + " into field " + key + " of type " + goType);
        }
        return type.cast(v);
    }

    static String str(Map<String, Object> m, String key) {
        return field(m, key, String.class, "", "string");
    }

    static boolean bool(Map<String, Object> m, String key) {
        return field(m, key, Boolean.class, false, "bool");
    }

    static long num(Map<String, Object> m, String key) {
        return field(m, key, Long.class, 0L, "int");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Map<String, Object> m, String key) {
        return (Map<String, Object>) field(m, key, Map.class, Map.of(), "object");
    }

    static List<Object> list(Map<String, Object> m, String key) {
        return java.util.Collections.unmodifiableList(new ArrayList<Object>(field(m, key, List.class, List.of(), "array")));
    }

    static List<String> strings(Map<String, Object> m, String key) {
        List<String> out = new ArrayList<>();
        for (Object o : list(m, key)) {
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException("json: cannot unmarshal " + kind(o) + " into field " + key + " of type string");
            }
            out.add(s);
        }
        return out;
    }

    private static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "string";
            case Boolean b -> "bool";
            case Long l -> "number";
            case Double d -> "number";
            case Map<?, ?> m -> "object";
            case List<?> l -> "array";
            default -> "value";
        };
    }
}
