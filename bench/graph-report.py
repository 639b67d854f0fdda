#!/usr/bin/env python3
"""Summarise a function_graph trace of bench/graph-guest.sh.

  bench/graph-report.py GRAPH.txt ...
  bench/graph-report.py --calls [--top N] CALLS.txt ...   (sod.graph.all)

Per traced function: calls, total and mean duration (us), nested calls
included (a function's time contains that of the traced functions it
called).  Then, for the perftest threads, the gaps between the end of
one ib_uverbs_write() (the doorbell) and the start of the next: the time
spent in user mode and in everything not traced.  A diagnostic.

With --calls, from a plain function-tracer capture (sod.graph.all): kernel
function calls in all, per doorbell (ib_uverbs_write) and, for the N
most-called functions, per doorbell each.
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


# "  ib_write_lat-220  [001] d..1.  16.07: sod_post_send <-ib_uverbs_post_send"
FLINE = re.compile(r'\s*(\S+)\s+\[\d+\]\s+\S+\s+[\d.]+:\s+(\w+)')


def calls_report(path, top):
    calls = {}
    for line in open(path, errors='replace'):
        m = FLINE.match(line)
        if m:
            calls[m.group(2)] = calls.get(m.group(2), 0) + 1
    bells = calls.get('ib_uverbs_write', 0)
    n = sum(calls.values())
    print(path)
    print('  %d kernel function calls, %d doorbells%s' %
          (n, bells, ', %.0f calls per doorbell' % (n / bells) if bells else ''))
    for name in sorted(calls, key=lambda k: -calls[k])[:top]:
        print('  %-36s %8d %8.1f' % (name, calls[name],
                                      calls[name] / bells if bells else 0))


args = sys.argv[1:]
if args and args[0] == '--calls':
    top = 40
    args = args[1:]
    if args[:1] == ['--top']:
        top, args = int(args[1]), args[2:]
    for p in args:
        calls_report(p, top)
else:
    for p in args:
        report(p)
