/**
 * The seam between the data plane and Linux: {@link io.jswarm.vxlan.kernel.Kernel} takes batches of
 * {@link io.jswarm.vxlan.kernel.KernelChange}s per namespace and dumps tables; devices are named, not indexed.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li>{@code NetlinkKernel} speaks rtnetlink through java.lang.foreign; {@code FakeKernel} (test-jar)
 *       keeps the same tables in memory. One contract suite ({@code KernelContractTest}, in the test-jar)
 *       runs against both, so the fake cannot drift into convenient behaviour the kernel does not have.</li>
 *   <li>FakeKernel models the rules the data plane depends on and that were checked against Linux 6.18:
 *       VXLAN VNI+port reservation in the <em>creation</em> namespace (surviving a move, released by delete),
 *       veth pairs dying together (also when a namespace goes), a move resetting state, device deletion
 *       flushing addresses/routes/neighbours/FDB, gateway routes needing a connected subnet on an up device.</li>
 *   <li>It records every change and every namespace operation, so tests assert "a second call changes
 *       nothing" literally, and injects errnos into chosen changes for rollback tests.</li>
 * </ul>
 */
package io.jswarm.vxlan.kernel;
