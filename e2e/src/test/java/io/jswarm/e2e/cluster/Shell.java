package io.jswarm.e2e.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Commands inside test namespaces (iproute2, ping, getent): independent witnesses of what the daemons did. */
final class Shell {
    private Shell() {
    }

    record Out(int rc, String out) {
    }

    static Out run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Out(-1, out);
            }
            return new Out(p.exitValue(), out);
        } catch (IOException e) {
            return new Out(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Out(-1, "interrupted");
        }
    }

    /** A command inside the named namespace (with its /etc/netns files, as an operator would run it). */
    static Out in(String netns, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(List.of(command));
        return run(full);
    }

    /** A command inside the namespace behind an nsfs file (the daemons' network namespaces). */
    static Out at(Path nsFile, String... command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + nsFile));
        full.addAll(List.of(command));
        return run(full);
    }

    static boolean ping(String netns, String target) {
        return in(netns, "ping", "-c", "1", "-W", "1", target).rc() == 0;
    }

    /**
     * A ping every 100 ms for about {@code seconds}, in the background. A count, not a deadline: with
     * {@code -w} the last request may be cut off before its reply and counted as lost.
     */
    static Process startPing(String netns, String target, int seconds) throws IOException {
        return new ProcessBuilder("ip", "netns", "exec", netns, "ping", "-i", "0.1", "-c", Integer.toString(seconds * 10),
                target).redirectErrorStream(true).start();
    }

    record Loss(int sent, int received, String output) {
        int lost() {
            return sent - received;
        }
    }

    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

    /** Waits for a {@link #startPing} to finish and reads its summary. */
    static Loss loss(Process ping) throws IOException, InterruptedException {
        String out = new String(ping.getInputStream().readAllBytes());
        if (!ping.waitFor(120, TimeUnit.SECONDS)) {
            ping.destroyForcibly();
        }
        Matcher m = SUMMARY.matcher(out);
        if (!m.find()) {
            return new Loss(0, 0, out);
        }
        return new Loss(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), out);
    }
}
