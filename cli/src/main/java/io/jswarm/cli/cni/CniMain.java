package io.jswarm.cli.cni;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * {@code jswarm-cni}: the CNI plugin's entry point ({@code bin/jswarm-cni} runs it). Environment and stdin in,
 * one JSON answer on stdout, exit 0 or 1. Nothing else goes to stdout: the runtime parses it.
 */
public final class CniMain {
    private CniMain() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        System.setOut(System.err); // a library's stray print must not corrupt the answer
        byte[] stdin = System.in.readAllBytes();
        CniPlugin.Outcome o = new CniPlugin(System.getenv(), GrpcCniDaemon::new, CniMain::hasInterface).run(stdin);
        if (!o.stdout().isEmpty()) {
            out.write(o.stdout().getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        out.flush();
        System.exit(o.exit());
    }

    /** {@code nsenter --net=NETNS ip link show dev IFNAME}: whether the interface is in that namespace. */
    static boolean hasInterface(String netns, String ifName) throws IOException {
        Process p = new ProcessBuilder("nsenter", "--net=" + netns, "ip", "-o", "link", "show", "dev", ifName)
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("ip link show timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return p.exitValue() == 0;
    }
}
