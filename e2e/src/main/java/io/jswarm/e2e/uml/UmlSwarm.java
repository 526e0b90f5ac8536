package io.jswarm.e2e.uml;

import io.jswarm.testkit.Exec;
import io.jswarm.testkit.UmlLab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * jswarm from its package on UML guests, as {@code PackageClusterUmlE2ETest} runs it: {@code dpkg -i}, the
 * conffile edits the lab's guests need, {@code jswarm.service} started by {@code jsuml-service}, guest 1
 * {@code init}, the others {@code join}. For the encrypted bench (and tests that want a swarm without the package
 * test's power-off and upgrade steps).
 */
public final class UmlSwarm {
    private static final Duration CMD = Duration.ofSeconds(120);

    private final UmlLab lab;
    private final int guests;

    private UmlSwarm(UmlLab lab, int guests) {
        this.lab = lab;
        this.guests = guests;
    }

    /** The one {@code jswarm_*_amd64.deb} in {@code target} (package/target), or why there is none. */
    public static Path onlyDeb(Path target) throws IOException {
        List<Path> debs;
        try (Stream<Path> s = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            debs = s.filter(p -> p.getFileName().toString().matches("jswarm_.+_amd64\\.deb")).toList();
        }
        if (debs.size() != 1) {
            throw new IllegalStateException("expected one package in " + target + " (./mvnw package builds it), found " + debs);
        }
        return debs.getFirst();
    }

    /** Installs {@code /share/DEB} on guests 1..n, starts the service on each, forms the swarm (guest 1 manager). */
    public static UmlSwarm form(UmlLab lab, int n, String debInShare) {
        UmlSwarm s = new UmlSwarm(lab, n);
        s.onAll("install", g -> "dpkg -i /share/" + debInShare + " >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }; "
                + "sed -i 's/^JSWARM_JAVA_OPTS=.*/JSWARM_JAVA_OPTS=\"" + UmlLab.GUEST_JAVA_OPTS + "\"/' /etc/default/jswarm && "
                + "sed -i 's/^JSWARM_DAEMON_OPTS=.*/JSWARM_DAEMON_OPTS=\"--manager-timeout=40s\"/' /etc/default/jswarm && "
                + "ln -sf /usr/lib/systemd/system/jswarm.service /etc/systemd/system/multi-user.target.wants/ && jsuml-service start jswarm");
        for (int g = 1; g <= n; g++) {
            s.awaitSocket(g);
        }
        s.run(1, "jswarm init --advertise-addr " + UmlLab.address(1));
        String token = s.run(1, "jswarm join-token -q worker").strip();
        for (int g = 2; g <= n; g++) {
            s.run(g, "jswarm join --token " + token + " " + UmlLab.address(1) + ":2377");
        }
        return s;
    }

    /** A swarm already formed on guests 1..n of {@code lab} (by the caller). */
    public static UmlSwarm of(UmlLab lab, int n) {
        return new UmlSwarm(lab, n);
    }

    /** Runs {@code script} in guest {@code g}; fails with its output and the daemon's log tail when it exits non-zero. */
    public String run(int g, String script) {
        Exec.Result r = lab.exec(g, CMD, script);
        if (!r.ok()) {
            throw new IllegalStateException("guest " + g + ": `" + script + "` exited " + r.exit() + ": " + r.output() + "\n" + log(g));
        }
        return r.output();
    }

    public Exec.Result exec(int g, String script) {
        return lab.exec(g, CMD, script);
    }

    /** Attaches sandbox {@code name} on guest {@code g} to {@code network}, one guest at a time (see the package test). */
    public void attach(int g, String network, String name) {
        run(g, "jswarm network attach " + network + " --name " + name);
    }

    public void awaitPing(int from, String sandbox, String to) {
        await("guest " + from + " pings " + to + " by name from " + sandbox, Duration.ofSeconds(90),
                () -> lab.exec(from, CMD, "ip netns exec " + sandbox + " ping -c1 -W2 " + to).ok());
    }

    public String log(int g) {
        return "--- /var/log/jswarm.log of guest " + g + ":\n" + lab.exec(g, Duration.ofSeconds(20), "tail -40 /var/log/jswarm.log").output();
    }

    public void awaitSocket(int g) {
        Exec.Result r = lab.exec(g, CMD, "for i in $(seq 1 1200); do [ -S /run/jswarm/jswarm.sock ] && exit 0; sleep 0.1; done; exit 1");
        if (!r.ok()) {
            throw new IllegalStateException("guest " + g + ": no daemon socket in 120 s\n" + log(g));
        }
    }

    public int guests() {
        return guests;
    }

    public static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
        throw new IllegalStateException("timed out after " + limit + " waiting for " + what);
    }

    private void onAll(String what, java.util.function.IntFunction<String> script) {
        Map<Integer, String> ids = new LinkedHashMap<>();
        try {
            for (int g = 1; g <= guests; g++) {
                ids.put(g, lab.detach(g, script.apply(g)));
            }
            await(what + " on every guest", Duration.ofSeconds(300), () -> ids.entrySet().stream()
                    .allMatch(e -> output(e.getKey(), e.getValue()).exit().isPresent()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (var e : ids.entrySet()) {
            UmlLab.Output o = output(e.getKey(), e.getValue());
            if (o.exit().orElseThrow() != 0) {
                throw new IllegalStateException("guest " + e.getKey() + ": " + what + " exited " + o.exit().get() + ": " + o.text());
            }
        }
    }

    private UmlLab.Output output(int g, String id) {
        try {
            return lab.output(g, id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
