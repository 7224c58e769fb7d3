"""CPU seconds used so far by process trees: ``cpu.py name=pid …`` prints a JSON object
{name: seconds}, counting each process, its live descendants and the children they have reaped
(gunicorn's workers, the RQ worker's work horses). Linux /proc only."""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command: state ppid … utime(14) stime(15) cutime(16) cstime(17), 1-based in proc(5).
    ppid = int(fields[1])
    used = sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICK
    return ppid, used


def main() -> None:
    children: dict[int, list[int]] = defaultdict(list)
    used: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found:
                children[found[0]].append(int(entry))
                used[int(entry)] = found[1]
    out = {}
    for arg in sys.argv[1:]:
        name, _, pid = arg.partition("=")
        total, todo = 0.0, [int(pid)]
        while todo:
            current = todo.pop()
            total += used.get(current, 0.0)
            todo.extend(children.get(current, []))
        out[name] = round(total, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
