package io.jswarm.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes a lab started, and only those: each is stopped through its own {@link Process} handle
 * (its PID), never by name, so a test can never hit a process it did not start.
 */
public final class OwnedProcesses implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();

    /** Starts {@code command} with stdout and stderr appended to {@code log}, and owns it from then on. */
    public Process start(List<String> command, Path log) throws IOException {
        return start(command, log, java.util.Map.of());
    }

    /** As {@link #start(List, Path)}, with {@code env} added to this JVM's environment. */
    public Process start(List<String> command, Path log, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        b.environment().putAll(env);
        Process p = b.start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    /** Kills every process started here that still runs and waits up to 10 s for each. Idempotent. */
    @Override
    public void close() {
        List<Process> started;
        synchronized (processes) {
            started = List.copyOf(processes);
        }
        for (Process p : started) {
            p.destroyForcibly();
        }
        for (Process p : started) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
