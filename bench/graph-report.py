#!/usr/bin/env python3
"""Summarise a function_graph trace of bench/graph-guest.sh.

  bench/graph-report.py GRAPH.txt ...

Per traced function: calls, total and mean duration (us), nested calls
included (a function's time contains that of the traced functions it
called).  Then, for the perftest threads, the gaps between the end of
one ib_uverbs_write() (the doorbell) and the start of the next: the time
spent in user mode and in everything not traced.  A diagnostic.
"""
import re
import statistics
import sys

# " 123.456789 |   1)  ib_writ-140   |   2.345 us    |  sod_rx();"
LINE = re.compile(r'\s*([\d.]+) \|\s+(\d+)\)\s+(\S+)\s+\|\s*([+!#*@$]?\s*[\d.]+ us)?\s*\|\s*(.*)$')
LEAF = re.compile(r'(\w+)(?: \[\w+\])?\(\);')
CLOSE = re.compile(r'\} /\* (\w+)(?: \[\w+\])? \*/')
OPEN = re.compile(r'(\w+)(?: \[\w+\])?\(\) \{')


def report(path):
    calls, total = {}, {}
    gaps, last_end = [], {}
    for line in open(path, errors='replace'):
        m = LINE.match(line)
        if not m:
            continue
        t, proc, dur, body = float(m.group(1)), m.group(3), m.group(4), m.group(5)
        mm = LEAF.search(body) or CLOSE.search(body)
        if mm and dur:
            name = mm.group(1)
            d = float(re.sub(r'[^\d.]', '', dur))
            calls[name] = calls.get(name, 0) + 1
            total[name] = total.get(name, 0.0) + d
            if name == 'ib_uverbs_write' and proc.startswith('ib_'):
                last_end[proc] = t
        mo = OPEN.search(body)
        if mo and mo.group(1) == 'ib_uverbs_write' and proc.startswith('ib_'):
            if proc in last_end:
                gaps.append((t - last_end[proc]) * 1e6)
    print(path)
    print('  %-28s %8s %12s %10s' % ('function', 'calls', 'total us', 'mean us'))
    for name in sorted(total, key=lambda k: -total[k]):
        print('  %-28s %8d %12.0f %10.2f' % (name, calls[name], total[name],
                                             total[name] / calls[name]))
    if gaps:
        print('  perftest between doorbells (us): n %d median %.1f mean %.1f'
              % (len(gaps), statistics.median(gaps), statistics.mean(gaps)))


for p in sys.argv[1:]:
    report(p)
