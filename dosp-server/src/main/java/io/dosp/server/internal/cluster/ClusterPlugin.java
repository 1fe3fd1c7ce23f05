package io.dosp.server.internal.cluster;

import io.dosp.server.ClusterMode;

/**
 * What a cluster implementation gives the server (the SPI behind {@link ClusterMode}; exported to the
 * {@code io.dosp.cluster} module only): {@link #join} is called once, while the server is built, and the
 * returned node is used from then on.
 */
public interface ClusterPlugin extends ClusterMode {

    /**
     * Joins the cluster with the parts of the server in {@code context}; returns once this node can claim vIPs
     * and route (or throws, and the server does not start).
     */
    ClusterNode join(ClusterContext context);
}
