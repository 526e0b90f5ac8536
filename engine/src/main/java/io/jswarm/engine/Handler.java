package io.jswarm.engine;

/**
 * The seam between the HTTP server and what it serves: one request in, one response out, on the
 * connection's virtual thread. A handler may block (it calls the daemon); it never throws for bad input
 * (it answers 4xx), and the server answers 500 for anything it does throw.
 */
@FunctionalInterface
public interface Handler {
    HttpResponse handle(HttpRequest request);
}
