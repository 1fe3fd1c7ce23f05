package io.dosp.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessagingQuickStartIT {

    @Test
    void theExampleRuns() throws Exception {
        assertThat(MessagingQuickStart.run()).containsExactly(
                "receipt: Receipt[item=tea, quantity=3, totalCents=750]",
                "async receipt: Receipt[item=cup, quantity=1, totalCents=250]",
                "refused: BAD_ARGUMENTS field order.quantity",
                "methods: [buy], handlers: [note]",
                "tunnel used: true");
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        String readme = ReadmeSnippets.readme();
        assertThat(readme).as("README.md must contain the service exactly as compiled")
                .contains(ReadmeSnippets.snippet("MessagingQuickStart.java", "service", 4));
        assertThat(readme).as("README.md must contain the example exactly as compiled")
                .contains(ReadmeSnippets.snippet("MessagingQuickStart.java", "README", 12));
    }
}
