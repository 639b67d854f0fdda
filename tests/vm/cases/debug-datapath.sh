#!/usr/bin/env bash
# The debug tier's data path cases, one after the other in ONE debug VM
# (run_group, _group.sh; why: see debug-basics.sh): the loopback data path
# with its error cases, teardown with traffic in flight, and the
# verbs-semantics program, under KASAN, lockdep and kmemleak.  Results are
# named "CASE: name"; the stock tier runs each as a case of its own.
# vms: 1
# cost-debug: 425
# tiers: debug
# timeout: 300
# timeout-debug: 1800
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_group.sh"

run_group debug-datapath datapath-loopback datapath-teardown verbs-semantics
