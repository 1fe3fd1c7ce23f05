package io.dosp.server.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.internal.cluster.NodeReplies;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code clients} and {@code stats} of every node are put together (cluster mode). */
class GatheredRepliesTest {

    @Test
    void statsSumsTheCountersAndMarksAMissingNode() {
        NodeReplies r = new NodeReplies(Map.of("b-1", "clients: 2\ntemplate: 10.7.0.0/16\npackets_in: 5"),
                List.of("c-1 (no responders)"));
        String text = AdminCommands.gathered("stats", "a-1", "clients: 1\ntemplate: 10.7.0.0/16\npackets_in: 7", r);
        assertThat(text).startsWith("cluster.nodes: 3\ncluster.answered: 2\ncluster.partial: yes, no answer from c-1 (no responders)\n");
        assertThat(text).contains("\ntotal.clients: 3\n", "\ntotal.packets_in: 12\n", "\n== node a-1 (this node)\nclients: 1\n",
                "\n== node b-1\nclients: 2\n");
        assertThat(text).doesNotContain("total.template");
    }

    @Test
    void clientsCountsEveryListedConnection() {
        NodeReplies r = new NodeReplies(Map.of("b-1", "2 clients\n10.7.0.3  /127.0.0.1:1  hash=-\n10.7.0.4  /127.0.0.1:2  hash=-"),
                List.of());
        String text = AdminCommands.gathered("clients", "a-1", "0 clients and 1 admin connection\n10.7.0.2  /127.0.0.1:3  admin  hash=-", r);
        assertThat(text.lines().toList()).startsWith("3 connections on 2 nodes", "cluster.nodes: 2", "cluster.answered: 2",
                "cluster.partial: no");
        assertThat(text).contains("10.7.0.2 ", "10.7.0.3 ", "10.7.0.4 ");
    }
}
