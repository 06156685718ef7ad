#!/usr/bin/env python3
"""How much a node's visits pay for changing cores: read a Chrome trace of `pepita train --trace`
and sort every visit of a node (after its first) by where it ran relative to the node's previous
visit:

  warm   on the same CPU, and no other node's visit ran on that CPU in between: the node's weights
         are as warm in that core's cache as they can be (what pinning a node to a core of its own
         would give every visit);
  shared on the same CPU, but other nodes' visits ran there in between;
  moved  on another CPU than the previous visit.

For each node and pass it prints the visits in each class and their median duration, and the
excess: the time the shared and moved visits took beyond the warm visits' mean of the same node
and pass, as a share of the node's busy time. That excess bounds what pinning the node could save,
were a dedicated core available for it. Only with CPU numbers in the trace (`args.cpu`, written
since the trace recorded them).

usage: scripts/trace-cpu-moves.py TRACE.json [NODE…]   (default: every node)
"""
import json
import statistics
import sys


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1]) as f:
            events = json.load(f)["traceEvents"]
    except (OSError, ValueError, KeyError) as e:
        print(f"trace-cpu-moves: {sys.argv[1]}: not a pepita Chrome trace ({e})", file=sys.stderr)
        return 1
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("ph") == "M" and e["name"] == "thread_name"}
    visits = [e for e in events if e.get("ph") == "X"]
    if any(e["args"].get("cpu", -1) < 0 for e in visits):
        print("trace-cpu-moves: the trace has visits without a CPU number (made by an older pepita?)", file=sys.stderr)
        return 1
    visits.sort(key=lambda e: e["ts"])
    wanted = set(sys.argv[2:])
    last_on_cpu = {}   # cpu -> the node whose visit ended last there
    previous = {}      # node -> its previous visit's cpu
    classes = {}       # (node, pass) -> {"warm": [...], "shared": [...], "moved": [...]}
    busy = {}
    for e in visits:
        if e["name"] == "evaluate":  # between epochs, not the training stream
            continue
        node = names.get((e["pid"], e["tid"]), f"track {e['tid']}")
        cpu = e["args"]["cpu"]
        busy[node] = busy.get(node, 0.0) + e["dur"]
        if node in previous:
            kind = "moved" if previous[node] != cpu else ("warm" if last_on_cpu.get(cpu) == node else "shared")
            classes.setdefault((node, e["name"]), {"warm": [], "shared": [], "moved": []})[kind].append(e["dur"])
        previous[node] = cpu
        last_on_cpu[cpu] = node
    print("| node | pass | warm: visits, median µs | shared: visits, median µs | moved: visits, median µs "
          "| excess over warm, % of the node's busy time |")
    print("|---|---|---|---|---|---|")
    excess_of = {}  # node -> µs beyond warm, over the passes that had warm visits
    for (node, pass_name), c in sorted(classes.items()):
        if wanted and node not in wanted:
            continue
        cell = lambda d: f"{len(d)}, {statistics.median(d):.1f}" if d else "0, —"
        excess = "—"
        if c["warm"]:
            # Means, not medians: the excess is time, and the slow visits count.
            others = c["shared"] + c["moved"]
            extra = sum(others) - len(others) * statistics.fmean(c["warm"])
            excess_of[node] = excess_of.get(node, 0.0) + extra
            excess = f"{100 * extra / busy[node]:.1f}"
        print(f"| {node} | {pass_name} | {cell(c['warm'])} | {cell(c['shared'])} | {cell(c['moved'])} | {excess} |")
    nodes = [n for n in busy if not wanted or n in wanted]
    total_busy = sum(busy[n] for n in nodes)
    print(f"\nexcess over warm: {100 * sum(excess_of.values()) / total_busy:.1f} % of the busy time of "
          f"{len(nodes)} nodes ({total_busy / 1e6:.3f} s busy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
