#!/usr/bin/env bash
# Self-test guest script: never ends; run-vm.sh must stop it by timeout.
echo "hanging on purpose"
exec sleep infinity
