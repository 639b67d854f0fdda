#!/usr/bin/env python3
"""Summarise a trace of bench/guest.sh's sod.bench.trace option.

  bench/trace-report.py GUEST-OUTDIR/PROG-SIZE.trace.txt ...

Per file: how long softodp's work items waited from queue_work() to their
start (median, 90th percentile, how many over 1 ms), where they were
queued from (inside the perftest's system call, while the perftest ran in
user mode, or another context), and how long the perftest's write()
system calls (the send doorbell) took.  Then, for either device, the
guest's share of a ping-pong: a "burst" is the packets sent between two
NIC receive interrupts; "in" is the time from the first receive interrupt
after a burst to the burst's first packet (the guest's turnaround), "out"
from a burst's last packet to the next receive interrupt (the link and
the peer).  A diagnostic, not a test.
"""
import re
import statistics
import sys

EV = re.compile(r'\s*(\S+)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+):\s+(\w+):(.*)')


def pct(v, p):
    return sorted(v)[min(len(v) - 1, int(len(v) * p))] if v else 0


def bursts(path):
    """(in, burst length, burst duration, out) lists, in us and packets."""
    tin, nlen, dur, tout = [], [], [], []
    irq = None          # first receive interrupt since the last burst
    first = last = None  # the current burst's first and last transmit
    n = 0
    for line in open(path, errors='replace'):
        m = EV.match(line)
        if not m:
            continue
        t, name, rest = float(m.group(5)), m.group(6), m.group(7)
        if name == 'irq_handler_entry' and 'input' in rest:
            if irq is None:
                irq = t
                if last is not None:
                    tout.append((t - last) * 1e6)
                    nlen.append(n)
                    dur.append((last - first) * 1e6)
                first = last = None
                n = 0
        elif name == 'net_dev_start_xmit':
            if first is None:
                first = t
                if irq is not None:
                    tin.append((t - irq) * 1e6)
            last = t
            n += 1
            irq = None
    return tin, nlen, dur, tout


def med(v):
    return '%.0f (p90 %.0f, n %d)' % (statistics.median(v), pct(v, .9),
                                      len(v)) if v else '-'


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
    tin, nlen, dur, tout = bursts(path)
    print('  in (us): ' + med(tin))
    print('  burst: packets ' + med(nlen) + ', duration (us) ' + med(dur))
    print('  out (us): ' + med(tout))


for p in sys.argv[1:]:
    report(p)
