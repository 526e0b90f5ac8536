package io.jswarm.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs external tools (ping, iproute2, iperf3) for the lab's checks, the demo and the benchmarks. The data
 * plane itself never forks; only the things a person would type to look at or tamper with it do.
 */
public final class Exec {
    private Exec() {
    }

    /** What a finished command left: exit code and combined stdout/stderr. */
    public record Result(int exit, String output, List<String> command) {
        public boolean ok() {
            return exit == 0;
        }

        /** Throws unless the command succeeded; returns its output. */
        public String orThrow() {
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + exit + "): "
                        + output.strip());
            }
            return output;
        }
    }

    /** Runs {@code command} to completion (at most {@code timeoutSeconds}) and returns exit code and output. */
    public static Result run(long timeoutSeconds, List<String> command) {
        return run(timeoutSeconds, null, command);
    }

    /** Like {@link #run(long, List)}, feeding {@code input} (may be {@code null}) to the command's stdin. */
    public static Result run(long timeoutSeconds, String input, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            // Read on another thread, started before stdin is fed: a command that answers while it reads
            // would otherwise fill its pipe and stall, and a hung one could block us past the timeout.
            var output = new java.util.concurrent.CompletableFuture<String>();
            Thread.ofVirtual().start(() -> {
                try {
                    output.complete(new String(p.getInputStream().readAllBytes()));
                } catch (IOException e) {
                    output.complete("(output unreadable: " + e.getMessage() + ")");
                }
            });
            try (var stdin = p.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            } catch (IOException closedEarly) {
                // The command exited without reading all of its input; its exit code says why.
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(124, output.getNow("") + "\n(timed out after " + timeoutSeconds + " s)",
                        List.copyOf(command));
            }
            String out;
            try {
                out = output.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                out = "(output unreadable: " + e + ")";
            }
            return new Result(p.exitValue(), out, List.copyOf(command));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    public static Result run(String... command) {
        return run(60, Arrays.asList(command));
    }

    /** Runs {@code command} inside the namespace at {@code nsFile} (any nsfs file, not only /run/netns). */
    public static Result inNetns(Path nsFile, String... command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + nsFile));
        full.addAll(Arrays.asList(command));
        return run(60, full);
    }

    /** Pings {@code ip} once from the namespace at {@code nsFile}, waiting up to {@code waitSeconds}. */
    public static Result ping(Path nsFile, String ip, int waitSeconds) {
        return inNetns(nsFile, "ping", "-n", "-c", "1", "-W", Integer.toString(waitSeconds), ip);
    }
}
