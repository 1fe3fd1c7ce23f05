/**
 * The cluster SPI: the few hooks through which a cluster implementation (the {@code dosp-cluster} module) joins a
 * server to other nodes (vIP claims, routing to another node's holders, the cluster-wide vIP list). Exported to
 * {@code io.dosp.cluster} only.
 */
package io.dosp.server.internal.cluster;
