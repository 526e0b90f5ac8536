package io.jswarm.cli.lab;

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
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            // Read on another thread so a hung process cannot block us past the timeout.
            var out = new StringBuilder();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    out.append(new String(p.getInputStream().readAllBytes()));
                } catch (IOException e) {
                    out.append("(output unreadable: ").append(e.getMessage()).append(')');
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new Result(124, out + "\n(timed out after " + timeoutSeconds + " s)", List.copyOf(command));
            }
            reader.join();
            return new Result(p.exitValue(), out.toString(), List.copyOf(command));
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
