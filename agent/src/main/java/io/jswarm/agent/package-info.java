/**
 * The per-host daemon ({@code jswarm daemon}): the local control API on a Unix socket ({@link Daemon},
 * {@link ControlService}), the node's swarm state in its data root ({@link SwarmDir}), the pinned join
 * ({@link Joiner}) and the long-lived session to the manager ({@link AgentSession}). On a manager it also
 * runs {@code io.jswarm.manager.api.ManagerNode}. Later it turns cluster state into {@code Dataplane} calls.
 */
package io.jswarm.agent;
