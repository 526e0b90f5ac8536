/**
 * The per-host agent: turns cluster state (networks, endpoints, peers) into calls on
 * {@code io.jswarm.vxlan.Dataplane} and reconciles the kernel at start-up.
 *
 * <p>Empty until the overlay issue.
 */
package io.jswarm.agent;
