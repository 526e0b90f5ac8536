package io.jswarm.vxlan.testing;

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

    /** Effective uid 0; see {@link io.jswarm.vxlan.Privileges}. */
    public static boolean isRoot() {
        return io.jswarm.vxlan.Privileges.isRoot();
    }
}
