package io.dosp.server.internal.hooks;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.internal.LogText;
import io.dosp.server.DropReason;
import io.dosp.server.Functions;
import io.dosp.server.ServerFunction;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.session.ClientSession;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs FN calls on the function threads, fairly. Each client's calls wait in its own queue, and the
 * clients with calls waiting take turns (round robin): a thread that comes free takes the next call
 * of the client at the head of the line, which then goes to the back if it has more. So a client
 * that floods FN delays its own calls, not everybody's. A client may have
 * {@link Functions#maxCallsPerClient()} calls in flight (waiting or running); all clients together
 * may have {@link Functions#queue()} calls waiting for a thread. A call that runs longer than
 * {@link Functions#callTimeout()} is answered ERR FF at once and its thread interrupted; its slot
 * (and its thread) are only free once the function returns. Calls of a client that has gone are
 * skipped.
 *
 * <p>Hand-written rather than a {@code ThreadPoolExecutor}: the JDK's executors serve one queue in
 * order, and fairness across clients needs one queue per client. Threads are started as calls
 * arrive, up to {@link Functions#threads()}, and stop with {@link #shutdown()}. Thread-safe: one
 * lock guards the queues and counts; the functions themselves run outside it.
 */
final class FunctionCalls {
    private static final Logger LOG = LoggerFactory.getLogger(FunctionCalls.class);
    static final String BUSY = "Server busy";

    /**
     * What one call runs and how each of its outcomes is answered: a bare FN ({@link #bare}) answers SA or ERR FF, a
     * typed call ({@code TypedCalls}) an envelope RESPONSE or ERROR. The answers are built on the function thread (or
     * the timer, or the submitting thread for a refusal) and delivered to the caller.
     */
    interface Job {
        /** Runs the function: the answer to deliver. */
        Packet run(ClientSession caller) throws Exception;

        /** The function threw {@code e} (an {@code Exception}): the answer. */
        Packet failed(Exception e);

        /** The function threw an {@code Error}: the answer (no detail). */
        Packet internalError();

        /** The call ran longer than the timeout ({@code after}, e.g. {@code 30 s}): the answer. */
        Packet timedOut(String after);

        /** The call was refused unrun: {@code tooMany} for the caller's own limit of {@code perClient}, else busy. */
        Packet refused(boolean tooMany, int perClient);
    }

    /** The job of a bare FN: SA with the text, ERR FF otherwise (spec 5.4), exactly as FN has always been answered. */
    static Job bare(String name, ServerFunction fn) {
        return new Job() {
            @Override
            public Packet run(ClientSession caller) throws Exception {
                String result = fn.call(caller);
                return Packets.sa(result == null ? "" : result);
            }

            @Override
            public Packet failed(Exception e) {
                return Packets.err(ErrCode.FF, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }

            @Override
            public Packet internalError() {
                return Packets.err(ErrCode.FF, "internal error");
            }

            @Override
            public Packet timedOut(String after) {
                return Packets.err(ErrCode.FF, "Function '" + LogText.of(name, 64) + "' timed out after " + after);
            }

            @Override
            public Packet refused(boolean tooMany, int perClient) {
                return tooMany ? Packets.err(ErrCode.FF, "Too many FN calls in flight: at most " + perClient
                        + " per client (wait for their answers)") : Packets.err(ErrCode.FF, BUSY);
            }
        };
    }

    private final Counters counters;
    private final PeerLog log;
    private final int threads;
    private final int queue;
    private final int perClient;
    private final Duration timeout;
    private final ScheduledThreadPoolExecutor timer;
    private final LogLimiter overLimitLog;
    private final LogLimiter timeoutLog;
    private final LogLimiter errorLog;
    private final AtomicInteger threadIds = new AtomicInteger();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Map<ClientSession, Caller> callers = new HashMap<>();
    /** Clients with calls waiting, each once, in the order they are served. */
    private final ArrayDeque<Caller> ready = new ArrayDeque<>();
    private final List<Thread> workers = new ArrayList<>();
    private int waiting;
    private int idle;
    private boolean stopped;

    FunctionCalls(Functions config, Counters counters, PeerLog log) {
        this.counters = counters;
        this.log = log;
        this.threads = config.threads();
        this.queue = config.queue();
        this.perClient = config.maxCallsPerClient();
        this.timeout = config.callTimeout();
        this.timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "dosp-fn-timer"));
        timer.setRemoveOnCancelPolicy(true); // finished calls do not leave their timeouts behind
        this.overLimitLog = log.limiter("function.client-limit");
        this.timeoutLog = log.limiter("function.timeout");
        this.errorLog = log.limiter("function.error");
    }

    /** Queues {@code fn} for {@code caller}, or answers ERR FF at once when over a limit. Any thread. */
    void submit(ClientSession caller, String name, ServerFunction fn) {
        submit(caller, name, bare(name, fn));
    }

    /** Queues {@code job} for {@code caller}, or answers its refusal at once when over a limit. Any thread. */
    void submit(ClientSession caller, String name, Job fn) {
        DropReason refused = null;
        lock.lock();
        try {
            Caller c = callers.get(caller);
            if (stopped) {
                refused = DropReason.FUNCTION_REJECTED;
            } else if (c != null && c.inFlight >= perClient) {
                refused = DropReason.FUNCTION_CLIENT_LIMIT;
            } else if (waiting >= queue + idle + (threads - workers.size())) {
                refused = DropReason.FUNCTION_REJECTED;
            } else {
                if (c == null) {
                    c = new Caller(caller);
                    callers.put(caller, c);
                }
                c.inFlight++;
                c.calls.add(new Call(c, name, fn));
                waiting++;
                if (c.calls.size() == 1) {
                    ready.add(c);
                }
                counters.functionCallAdmitted();
                if (idle > 0) {
                    work.signal();
                }
                // A thread signalled but not yet awake still counts as idle and takes one waiting call: start
                // another thread when the waiting calls outnumber the idle ones (signalling alone would leave a call
                // waiting behind a thread that is about to run a long one).
                if (waiting > idle && workers.size() < threads) {
                    Thread t = daemon(this::serve, "dosp-fn-" + threadIds.incrementAndGet());
                    workers.add(t);
                    t.start();
                }
            }
        } finally {
            lock.unlock();
        }
        if (refused != null) {
            refuse(caller, refused, fn);
        }
    }

    private void refuse(ClientSession caller, DropReason reason, Job job) {
        counters.drop(reason);
        if (reason == DropReason.FUNCTION_CLIENT_LIMIT) {
            if (overLimitLog.allow()) {
                LOG.warn("{} has {} FN calls in flight, the most allowed; refusing more{}",
                        caller, perClient, overLimitLog.heldBackNote());
            }
            caller.deliver(job.refused(true, perClient));
        } else {
            caller.deliver(job.refused(false, perClient));
        }
    }

    /** A function thread: takes the next call in turn and runs it, until {@link #shutdown()}. */
    private void serve() {
        while (true) {
            Call call;
            lock.lock();
            try {
                while (ready.isEmpty() && !stopped) {
                    idle++;
                    try {
                        work.await();
                    } catch (InterruptedException e) {
                        // a timeout that raced the end of its call, or shutdown: look again
                    } finally {
                        idle--;
                    }
                }
                if (stopped) {
                    return;
                }
                Caller c = ready.poll();
                call = c.calls.poll();
                waiting--;
                if (!c.calls.isEmpty()) {
                    ready.add(c); // round robin: to the back of the line
                }
            } finally {
                lock.unlock();
            }
            run(call);
        }
    }

    private void run(Call call) {
        ClientSession s = call.caller.session;
        Packet reply = null;
        try {
            if (s.isClosing()) {
                return; // the client has gone: nobody to answer
            }
            synchronized (call) {
                call.runner = Thread.currentThread();
            }
            ScheduledFuture<?> t;
            try {
                t = timer.schedule(() -> timedOut(call), timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                return; // shutting down
            }
            Packet r = call(call, s);
            t.cancel(false);
            if (call.answered.compareAndSet(false, true)) {
                reply = r;
            }
        } finally {
            synchronized (call) {
                call.runner = null;
            }
            Thread.interrupted(); // an interrupt meant for this call must not reach the next one
            ended(call.caller); // before the answer: a client that has its answer has its slot back
        }
        if (reply != null) {
            s.deliver(reply);
        }
    }

    private Packet call(Call call, ClientSession s) {
        try {
            return call.fn.run(s);
        } catch (Exception e) {
            LOG.debug("Function {} failed for {}", log.text(call.name), s, e);
            return call.fn.failed(e);
        } catch (Throwable t) {
            if (errorLog.allow()) {
                LOG.error("Function {} failed for {}{}", log.text(call.name), s,
                        errorLog.heldBackNote(), t);
            }
            return call.fn.internalError();
        }
    }

    private void timedOut(Call call) {
        if (!call.answered.compareAndSet(false, true)) {
            return;
        }
        ClientSession s = call.caller.session;
        counters.drop(DropReason.FUNCTION_TIMEOUT);
        if (timeoutLog.allow()) {
            LOG.warn("Function {} for {} ran longer than {}; answered it timed out and interrupted it{}",
                    log.text(call.name), s, describe(timeout), timeoutLog.heldBackNote());
        }
        s.deliver(call.fn.timedOut(describe(timeout)));
        synchronized (call) {
            if (call.runner != null) {
                call.runner.interrupt();
            }
        }
    }

    private void ended(Caller c) {
        lock.lock();
        try {
            counters.functionCallEnded();
            if (--c.inFlight == 0) {
                callers.remove(c.session);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops the threads (interrupting running functions); calls still waiting are not run. */
    void shutdown() {
        lock.lock();
        try {
            stopped = true;
            work.signalAll();
            workers.forEach(Thread::interrupt);
        } finally {
            lock.unlock();
        }
        timer.shutdownNow();
    }

    /** {@code 30 s}, {@code 250 ms}. */
    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** One client's calls: waiting in order, and how many are in flight (waiting or running). Guarded by the lock. */
    private static final class Caller {
        final ClientSession session;
        final ArrayDeque<Call> calls = new ArrayDeque<>();
        int inFlight;

        Caller(ClientSession session) {
            this.session = session;
        }
    }

    /** One call: answered once, by its function or its timeout; {@code runner} guarded by the call's monitor. */
    private static final class Call {
        final Caller caller;
        final String name;
        final Job fn;
        final AtomicBoolean answered = new AtomicBoolean();
        Thread runner;

        Call(Caller caller, String name, Job fn) {
            this.caller = caller;
            this.name = name;
            this.fn = fn;
        }
    }
}
