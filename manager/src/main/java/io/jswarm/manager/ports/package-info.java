/**
 * Bounded resources on the manager API port (2377, issue 9): {@link ApiLimits} (every cap, documented
 * defaults), {@link GuardedServerChannel} (admission at accept, by total and per source address),
 * {@link ApiConnectionGuard} (handshake deadline, a byte budget and a lifetime for connections without a
 * member certificate) and {@link JoinRateLimiter} (Join attempts per source address). Everything an outsider
 * can make the manager hold is bounded by these caps.
 */
package io.jswarm.manager.ports;
