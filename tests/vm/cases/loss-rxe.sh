#!/usr/bin/env bash
# RC under a lossy link, softodp (VM 0) <-> Debian's rdma_rxe (VM 1): the
# programme of loss.sh (see there and _loss.sh), every test in both
# directions, softodp's counters checked on VM 0 only.
# vms: 2
# cost: 150
# timeout: 600
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
if [ "$SOFTODP_VM_INDEX" = 0 ]; then SOD_TRAFFIC_DEV=softodp; else SOD_TRAFFIC_DEV=rxe; fi
. "$(dirname "$0")/_traffic.sh"
. "$(dirname "$0")/_loss.sh"

traffic_setup 9000 || exit 1
barrier up 180
loss_body
barrier end 300
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
