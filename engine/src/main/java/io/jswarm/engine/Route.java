package io.jswarm.engine;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One Docker endpoint: a method and a path pattern (after the {@code /vN.NN} prefix); the groups of the
 * match (ids, names) are passed to the action.
 */
record Route(String method, Pattern path, Action action) {
    @FunctionalInterface
    interface Action {
        HttpResponse run(HttpRequest request, List<String> groups) throws Exception;
    }

    static Route of(String method, String regex, Action action) {
        return new Route(method, Pattern.compile(regex), action);
    }
}
