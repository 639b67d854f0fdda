#!/usr/bin/env bash
# Self-test guest script: exits 3; run-vm.sh must fail the run for it.
echo "exiting 3 on purpose"
exit 3
