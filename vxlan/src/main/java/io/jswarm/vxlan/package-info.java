/**
 * jswarm's data plane: value types, the intent-level {@link io.jswarm.vxlan.Dataplane} and its kernel-backed
 * implementation {@link io.jswarm.vxlan.KernelDataplane}.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Layout follows Docker's overlay driver</b> (reference swarm-overlay.md §1): one namespace per
 *       network with {@code br0} (gateway address) and {@code vxlan0}; the VXLAN device is created in the host
 *       namespace as {@code vx-<VNI %06x>-<id[:5]>}, so its UDP socket lives on the underlay, then moved and
 *       renamed. Overlay MTU = underlay MTU - 50 on br0, vxlan0 and both veth ends.</li>
 *   <li><b>Converge, don't script.</b> Each network, endpoint and peer set is brought to its desired state
 *       by reading the kernel and changing only what differs ({@code NetworkConverger},
 *       {@code EndpointConverger}, {@code PeerProgrammer}). The same code creates, re-ensures and reconciles,
 *       so a repeated call costs dumps but no changes, and a crash leftover (stale namespace, host-side
 *       {@code vx-} device with our VNI, vxlan0 with another VNI) is replaced instead of failing with
 *       "file exists" (§7 #2).</li>
 *   <li><b>Only what we own is compared.</b> Permanent neighbours and FDB rows with a destination on vxlan0;
 *       the kernel's learned/incomplete rows and bridge port rows are ignored. The network namespace belongs
 *       to the data plane entirely, so unknown devices there are leaked endpoints and are removed.</li>
 *   <li><b>Peers replace, never add</b>, one batch per call; a failed batch restores the previous peer set
 *       in memory and in the kernel.</li>
 *   <li><b>Rollback</b> of multi-step creations runs in reverse order ({@code Rollback}); deleting a veth end
 *       takes its peer and the sandbox-side address and route with it, which keeps the undo list short.</li>
 *   <li><b>IPsec</b> (issue 11, {@code EspProgrammer}): encrypted networks use VXLAN port {@link
 *       io.jswarm.vxlan.Esp#PORT} and the ESP-sized MTU; the host namespace's SAs (reqid {@code Esp.REQID}) and
 *       policies (udp dport 4799) converge to an {@link io.jswarm.vxlan.EspIntent} in make-before-break order
 *       (SAs, policies, policy deletions, SA deletions); nothing is pruned before the first intent after a start
 *       (live restore).</li>
 *   <li><b>Concurrency</b>: one lock per data plane. Kernel calls are blocking and short; programming peers
 *       for 10k entries is one batch.</li>
 * </ul>
 */
package io.jswarm.vxlan;
