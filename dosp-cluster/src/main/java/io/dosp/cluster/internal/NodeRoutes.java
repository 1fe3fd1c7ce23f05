package io.dosp.cluster.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes have federation routes to which templates of other servers, so that a node without a route of its own
 * hands an S2C for such a template to a node with one (docs/cluster.md "Federation with a cluster"). Each node
 * publishes its list on {@code dosp.<cluster>.routes} when it changes and every {@link #PERIOD} (a node that joins
 * later hears every list within one period): JSON {@code {"node":ID,"templates":["10.2.0.x",...]}}. A list older than
 * {@link #STALE}, or of a node that is gone, is not used. Thread-safe; publishing never blocks (the connection's
 * outgoing queue discards when full), receiving runs on a dispatcher of its own.
 */
final class NodeRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often each node repeats its list. */
    static final Duration PERIOD = Duration.ofSeconds(2);
    /** A list not repeated for this long is not used. */
    static final Duration STALE = PERIOD.multipliedBy(3);
    /** Longer messages are ignored (at most federation.maxRoutes templates are listed). */
    static final int MAX_MESSAGE = 64 * 1024;

    private record Announced(List<VipTemplate> templates, long atNanos) {
    }

    private final Connection nc;
    private final String subject;
    private final String nodeId;
    private final Predicate<String> gone;
    private final Map<String, Announced> others = new ConcurrentHashMap<>();
    private volatile List<VipTemplate> mine = List.of();
    private volatile Dispatcher dispatcher;

    /** The lists of the nodes of {@code cluster}; {@code gone} says which nodes left (their lists are not used). */
    NodeRoutes(Connection nc, String cluster, String nodeId, Predicate<String> gone) {
        this.nc = nc;
        this.subject = "dosp." + cluster + ".routes";
        this.nodeId = nodeId;
        this.gone = gone;
    }

    /** Subscribes and repeats this node's list on {@code timer}. */
    void start(ScheduledExecutorService timer) {
        dispatcher = nc.createDispatcher(this::onMessage);
        dispatcher.subscribe(subject);
        timer.scheduleAtFixedRate(this::publish, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This node's routes now (federation's best routes' templates): published at once when they changed. */
    synchronized void set(List<VipTemplate> templates) {
        List<VipTemplate> next = List.copyOf(templates);
        if (!next.equals(mine)) {
            mine = next;
            publish();
        }
    }

    private void publish() {
        List<VipTemplate> t = mine;
        ObjectNode o = JSON.createObjectNode().put("node", nodeId);
        ArrayNode a = o.putArray("templates");
        t.forEach(x -> a.add(x.toString()));
        try {
            nc.publish(subject, JSON.writeValueAsBytes(o));
        } catch (Exception e) {
            LOG.debug("Route list not published: {}", e.toString()); // repeated within a period
        }
    }

    private void onMessage(Message m) {
        byte[] data = m.getData();
        if (data == null || data.length > MAX_MESSAGE) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(data);
            String node = n.path("node").asText("");
            if (node.isEmpty() || node.equals(nodeId)) {
                return;
            }
            List<VipTemplate> ts = new ArrayList<>();
            for (JsonNode t : n.path("templates")) {
                ts.add(VipTemplate.parse(t.asText()));
            }
            others.put(node, new Announced(List.copyOf(ts), System.nanoTime()));
        } catch (Exception e) {
            LOG.debug("Malformed route list on {}: {}", subject, e.toString());
        }
    }

    /** The live node (not this one) with a route to {@code dst}: the lowest id of those, or null. */
    String nodeFor(Vip dst) {
        long now = System.nanoTime();
        String best = null;
        for (Map.Entry<String, Announced> e : others.entrySet()) {
            Announced a = e.getValue();
            if (now - a.atNanos() > STALE.toNanos() || gone.test(e.getKey())) {
                continue;
            }
            for (VipTemplate t : a.templates()) {
                if (t.contains(dst) && (best == null || e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                }
            }
        }
        return best;
    }

    /** Unsubscribes. */
    void close() {
        Dispatcher d = dispatcher;
        if (d != null) {
            try {
                nc.closeDispatcher(d);
            } catch (RuntimeException e) {
                // closing anyway
            }
        }
    }
}
