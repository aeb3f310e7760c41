#!/usr/bin/env python3
"""Sums up a CPU profile by stage of Facteur's relay path.

    profile_stages.py collapsed FILE   # async-profiler's collapsed stacks (kernel frames included)
    profile_stages.py jfr FILE         # `jfr print --events jdk.ExecutionSample` (Java frames only)

Each sample goes to the stage of the first frame, from the leaf down, that a rule below knows;
so a log call made during delivery counts as logging, a socket write made by the SMTP client as
delivery, kernel time included. Samples with no Facteur frame are the JVM's own threads (JIT,
GC) or virtual-thread scheduling.
"""
import collections
import re
import sys

RULES = [  # (stage, frame prefix), tried on each frame from the leaf down
    ("logging", "ch.qos.logback."),
    ("logging", "org.slf4j."),
    ("spool: writer and syncer threads", "dev.facteur.spool.SegmentLog.writeLoop"),
    ("spool: writer and syncer threads", "dev.facteur.spool.SegmentLog.syncLoop"),
    ("spool: draft buffer", "dev.facteur.spool.SpillBuffer"),
    ("spool: records, index, content reads", "dev.facteur.spool."),
    ("smtp in: DATA decoding", "dev.facteur.smtp.SmtpInput.readData"),
    ("smtp in: DATA decoding", "dev.facteur.smtp.HopCounter"),
    ("smtp in: Received header", "dev.facteur.smtp.SmtpSession.writeReceived"),
    ("smtp in: addresses and routing", "dev.facteur.routing."),
    ("smtp in: addresses and routing", "dev.facteur.message.AddressSyntax"),
    ("smtp in: commands and replies", "dev.facteur.smtp."),
    ("delivery: content out (dot-stuffing)", "dev.facteur.delivery.SmtpClient.sendContent"),
    ("delivery: content out (dot-stuffing)", "dev.facteur.delivery.SmtpClient.readContent"),
    ("delivery: replies", "dev.facteur.delivery.ReplyReader"),
    ("delivery: SMTP client", "dev.facteur.delivery.SmtpClient"),
    ("delivery: agent, connection cache", "dev.facteur.delivery."),
    ("queue: scheduling and outcomes", "dev.facteur.queue."),
    ("server wiring", "dev.facteur.server."),
    ("other Facteur code", "dev.facteur."),
    ("virtual thread scheduling", "java.util.concurrent.ForkJoin"),
    ("virtual thread scheduling", "java.lang.VirtualThread"),
    ("virtual thread scheduling", "jdk.internal.vm.Continuation"),
    ("virtual thread scheduling", "sun.nio.ch.Poller"),
]

FRAME = re.compile(r"^\s+([\w.$<>]+)\(")
JVM_THREADS = [("JIT compiler", "CompileBroker"), ("JIT compiler", "C2Compiler"), ("JIT compiler", "Compile::"),
               ("garbage collector", "G1"), ("garbage collector", "GCTask"), ("garbage collector", "WorkerThread::run")]


def stage_of(frames):
    for f in frames:
        for stage, prefix in RULES:
            if f.startswith(prefix):
                return stage
    return "JDK, outside Facteur's frames"


def jfr_samples(path):
    for block in open(path).read().split("jdk.ExecutionSample")[1:]:
        frames = [m.group(1) for m in map(FRAME.match, block.splitlines()) if m]
        if frames:
            yield frames, 1


def collapsed_samples(path):
    """Lines of `root;...;leaf count`; Java frames with slashes, kernel frames ending in _[k]."""
    for line in open(path):
        stack, _, n = line.rstrip().rpartition(" ")
        if not stack:
            continue
        frames = [f.replace("/", ".") for f in reversed(stack.split(";"))]
        yield frames, int(n)


def main(kind, path):
    stages = collections.Counter()
    leaves = collections.Counter()
    kernel = 0
    total = 0
    for frames, n in (collapsed_samples(path) if kind == "collapsed" else jfr_samples(path)):
        total += n
        leaf = frames[0]
        if leaf.endswith("_[k]"):
            kernel += n
        stage = stage_of(frames)
        if stage.startswith("JDK") and kind == "collapsed":
            stage = next((name for name, key in JVM_THREADS if any(key in f for f in frames)), "JVM and JDK, outside Facteur's frames")
        stages[stage] += n
        leaves[leaf] += n
    print(f"CPU samples: {total}" + (f"; in the kernel: {100 * kernel / total:.1f}%" if kind == "collapsed" else " (Java frames only)"))
    print(f"{'share':>6}  stage")
    for stage, n in stages.most_common():
        print(f"{100 * n / total:5.1f}%  {stage}")
    print()
    print("hottest methods (self):")
    for f, n in leaves.most_common(25):
        print(f"{100 * n / total:5.1f}%  {f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
