package io.jswarm.vxlan.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The condition behind {@link RequiresRoot}. */
public final class RootCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (isRoot()) {
            return ConditionEvaluationResult.enabled("running as root");
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but not running as root: the kernel tests must run under CI, "
                    + "not skip (run .ci/run as root)");
        }
        return ConditionEvaluationResult.disabled("SKIPPED: needs root for network namespaces "
                + "(run as root to include the kernel tests)");
    }

    /** Effective uid 0, read from /proc so no process is forked. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
