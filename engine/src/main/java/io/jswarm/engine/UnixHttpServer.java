package io.jswarm.engine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 on a Unix socket, java.base only: one acceptor thread, one virtual thread per connection, at most
 * {@link HttpCodec.Limits#maxConnections()} at once (the next is answered 503 and closed), keep-alive, and a
 * deadline per request (the head and body must arrive within {@code readTimeout} of the wait starting, idle
 * keep-alive included: a timer closes the channel). The socket file is 0600 in a directory created 0700; a
 * stale file is replaced, one that answers refuses the start. The constructor starts nothing.
 */
public final class UnixHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UnixHttpServer.class);
    private final String what;
    private final Path socket;
    private final Handler handler;
    private final HttpCodec.Limits limits;
    private final Map<String, String> commonHeaders;
    private final Semaphore slots;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private ServerSocketChannel server;
    private Thread acceptor;
    private ScheduledExecutorService deadlines;
    private volatile boolean closed;

    public UnixHttpServer(Path socket, Handler handler, Map<String, String> commonHeaders) {
        this(socket, handler, commonHeaders, HttpCodec.Limits.DEFAULT, "docker engine api");
    }

    /** {@code what} names the server in its log lines (e.g. "jswarm cli"). */
    public UnixHttpServer(Path socket, Handler handler, Map<String, String> commonHeaders, String what) {
        this(socket, handler, commonHeaders, HttpCodec.Limits.DEFAULT, what);
    }

    UnixHttpServer(Path socket, Handler handler, Map<String, String> commonHeaders, HttpCodec.Limits limits) {
        this(socket, handler, commonHeaders, limits, "docker engine api");
    }

    private UnixHttpServer(Path socket, Handler handler, Map<String, String> commonHeaders, HttpCodec.Limits limits,
                           String what) {
        this.what = what;
        this.socket = socket.toAbsolutePath();
        this.handler = handler;
        this.commonHeaders = Map.copyOf(commonHeaders);
        this.limits = limits;
        this.slots = new Semaphore(limits.maxConnections());
    }

    public Path socket() {
        return socket;
    }

    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        UnixSocketFile.prepare(socket, "server");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socket), 128);
            UnixSocketFile.restrict(socket);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        server = ch;
        deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-engine-deadlines");
            t.setDaemon(true);
            return t;
        });
        acceptor = Thread.ofPlatform().daemon().name("jswarm-engine-accept").start(this::acceptLoop);
        LOG.info("{} listening socket={}", what, socket);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{} accept failed error={}", what, e.toString());
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                refuse(ch);
                continue;
            }
            open.add(ch);
            Thread.ofVirtual().name("jswarm-engine-conn").start(() -> {
                try {
                    serve(ch);
                } finally {
                    open.remove(ch);
                    closeQuietly(ch);
                    slots.release();
                }
            });
        }
    }

    /** Over the limit: a short 503 written from the acceptor (a few bytes into an empty socket buffer). */
    private void refuse(SocketChannel ch) {
        try (ch) {
            HttpResponse r = HttpResponse.error(503, "too many connections to the engine API (at most "
                    + limits.maxConnections() + ")");
            new HttpCodec(InputStream.nullInputStream(), Channels.newOutputStream(ch), limits)
                    .write(r, false, true, commonHeaders);
        } catch (IOException e) {
            // the client went away: nothing to answer
        }
    }

    private void serve(SocketChannel ch) {
        InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 8192);
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 8192);
        HttpCodec codec = new HttpCodec(in, out, limits);
        try {
            while (!closed) {
                ScheduledFuture<?> deadline = deadlines.schedule(() -> closeQuietly(ch),
                        limits.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
                HttpCodec.Head head;
                HttpRequest request;
                try {
                    head = codec.readHead();
                    if (head == null) {
                        return;
                    }
                    request = HttpCodec.request(head, codec.readBody(head));
                } catch (HttpCodec.Refused e) {
                    deadline.cancel(false);
                    codec.write(HttpResponse.error(e.status, e.getMessage()), false, true, commonHeaders);
                    return; // the framing is lost: no next request on this connection
                } finally {
                    deadline.cancel(false);
                }
                HttpResponse response;
                try {
                    response = handler.handle(request);
                } catch (RuntimeException e) {
                    LOG.error("{} handler failed method={} path={} error={}", what, request.method(),
                            request.path(), e.toString(), e);
                    response = HttpResponse.error(500, "internal error: " + e.getMessage());
                }
                boolean keep = head.keepAlive() && !closed;
                codec.write(response, request.method().equals("HEAD"), !keep, commonHeaders);
                if (!keep) {
                    return;
                }
            }
        } catch (IOException e) {
            // closed by the client, the deadline or close(): the connection ends
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing
        }
    }

    /** Connections open now (tests). */
    int openConnections() {
        return open.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (server != null) {
            closeQuietly(server);
            open.forEach(UnixHttpServer::closeQuietly);
            if (acceptor != null) {
                try {
                    acceptor.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            deadlines.shutdownNow();
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // a stale socket is replaced at the next start
            }
        }
    }
}
