#!/usr/bin/env python3
"""Summarise a trace of bench/guest.sh's sod.bench.trace option.

  bench/trace-report.py GUEST-OUTDIR/PROG-SIZE.trace.txt ...

Per file: how long softodp's work items waited from queue_work() to their
start (median, 90th percentile, how many over 1 ms), where they were
queued from (inside the perftest's system call, while the perftest ran in
user mode, or another context), and how long the perftest's write()
system calls (the send doorbell) took.  A diagnostic, not a test.
"""
import re
import statistics
import sys

EV = re.compile(r'\s*(\S+)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+):\s+(\w+):(.*)')


def pct(v, p):
    return sorted(v)[min(len(v) - 1, int(len(v) * p))] if v else 0


def report(path):
    waits, sysc = [], []
    where = {'in-syscall': 0, 'user-mode': 0, 'other': 0}
    insys, queued, entered = {}, None, {}
    for line in open(path, errors='replace'):
        m = EV.match(line)
        if not m:
            continue
        comm, pid, t = m.group(1), m.group(2), float(m.group(5))
        name, rest = m.group(6), m.group(7)
        perf = comm.startswith('ib_')
        if perf and name == 'sys_enter':
            insys[pid] = True
            if 'NR 1 ' in rest:
                entered[pid] = t
        elif perf and name == 'sys_exit':
            insys[pid] = False
            if pid in entered:
                sysc.append((t - entered.pop(pid)) * 1e6)
        elif name == 'workqueue_queue_work' and 'sod_qp_work' in rest:
            queued = t
            if perf and insys.get(pid):
                where['in-syscall'] += 1
            elif perf:
                where['user-mode'] += 1
            else:
                where['other'] += 1
        elif (name == 'workqueue_execute_start' and 'sod_qp_work' in rest
              and queued is not None):
            waits.append((t - queued) * 1e6)
            queued = None
    print(path)
    if waits:
        print('  work item wait (us): n %d median %.0f p90 %.0f over 1 ms %d'
              % (len(waits), statistics.median(waits), pct(waits, .9),
                 sum(w > 1000 for w in waits)))
    print('  queued from: ' + ', '.join('%s %d' % kv for kv in where.items()))
    if sysc:
        print('  perftest write() (us): n %d median %.0f p90 %.0f'
              % (len(sysc), statistics.median(sysc), pct(sysc, .9)))


for p in sys.argv[1:]:
    report(p)
