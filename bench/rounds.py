#!/usr/bin/env python3
"""Time several commands in interleaved rounds and compare them.

    bench/rounds.py [--rounds N] [--warmup N] [--json FILE] NAME 'COMMAND' ...

Each round runs every command once, in an order that rotates from round to
round, so commands measured in one round ran under the same conditions; a
machine whose speed drifts between rounds (shared 2-core machines do, by
tens of percent within a minute) moves every command of a round alike. The
ratio of two commands is the median over rounds of their ratio within a
round, which such drift does not move, unlike the ratio of two means taken
one after the other.

For every run it records the wall time and the CPU time (user + system, of
the command and the processes it waited for), from `wait4`. (Peak memory is
not taken from there: the forked interpreter's own pages count in the
child's max RSS until it execs.) A command's exit status is not checked:
linters exit non-zero when they find something. The first command is the
one compared with the others.

Prints a table per command (median, min and max wall, median CPU) and, for
every other command, the first one's wall and CPU ratios.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv):
    """(wall seconds, CPU seconds) of one run of argv."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = 0  # reaped by wait4
    return wall, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--json", help="write every run's numbers here")
    ap.add_argument("pairs", nargs="+", help="NAME COMMAND NAME COMMAND ...")
    args = ap.parse_args()
    if len(args.pairs) % 2 or len(args.pairs) < 4:
        ap.error("give at least two NAME COMMAND pairs")
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    names = args.pairs[0::2]
    argvs = [shlex.split(c) for c in args.pairs[1::2]]
    for _ in range(args.warmup):
        for argv in argvs:
            run_once(argv)
    runs = {n: [] for n in names}
    for r in range(args.rounds):
        k = r % len(names)
        for i in list(range(k, len(names))) + list(range(k)):
            runs[names[i]].append(run_once(argvs[i]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({n: [dict(zip(("wall", "cpu"), x)) for x in v]
                       for n, v in runs.items()}, f, indent=1)

    ms = lambda s: f"{s * 1000:.0f} ms"
    width = max(len(n) for n in names)
    print(f"{'':{width}}  wall median (min-max)      CPU median   ({args.rounds} rounds)")
    for n in names:
        walls = [x[0] for x in runs[n]]
        cpus = [x[1] for x in runs[n]]
        print(f"{n:{width}}  {ms(statistics.median(walls)):>8} ({ms(min(walls))}-{ms(max(walls))})"
              f"{ms(statistics.median(cpus)):>14}")
    first = names[0]
    for n in names[1:]:
        wall = statistics.median(a[0] / b[0] for a, b in zip(runs[first], runs[n]))
        cpus = [a[1] / b[1] for a, b in zip(runs[first], runs[n]) if b[1] > 0]
        cpu = f"{statistics.median(cpus):.2f}" if cpus else "n/a"
        print(f"{first}/{n} = {wall:.2f} wall, {cpu} CPU (medians of per-round ratios)")


if __name__ == "__main__":
    sys.exit(main())
