package io.dosp.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The load generator: drives any DoSP server (ours or the Python one) over TCP from a separate
 * process. Run with {@code java -cp dosp-bench/target/benchmarks.jar io.dosp.bench.LoadGenerator idle --help}.
 */
@Command(name = "dosp-bench", mixinStandardHelpOptions = true, description = "Load generator for DoSP servers.",
        subcommands = {S2cLoad.class, MatrixLoad.class, IdleLoad.class, FanoutLoad.class, SoakLoad.class, RpcLoad.class, ClusterLoad.class, CommandLine.HelpCommand.class})
public final class LoadGenerator implements Runnable {

    /** Runs and exits with the command's code. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
