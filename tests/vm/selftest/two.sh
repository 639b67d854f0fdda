#!/usr/bin/env bash
# shellcheck disable=SC2016 # (eval of single-quoted conditions)
# Self-test guest script for two VMs: ping each other over the link after a
# barrier and exchange a file through the shared directory.
set -u
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
me=$SOFTODP_VM_INDEX
peer=$((1 - me))
t_check "peer addresses set" eval \
	'[ "$SOFTODP_PEER_IP4" = 192.0.2.$((peer + 1)) ] && [ "$SOFTODP_PEER_IP6" = 2001:db8::$((peer + 1)) ]'
barrier up 60 || { t_fail "barrier up" "peer did not come up"; exit 1; }
t_check "ping peer IPv4" ping -c 3 -W 5 "$SOFTODP_PEER_IP4"
t_check "ping peer IPv6" ping -c 3 -W 5 "$SOFTODP_PEER_IP6"
token=$(cat /proc/sys/kernel/random/uuid)
echo "$token" >"$SOFTODP_SHARED/token.vm$me.tmp"
mv "$SOFTODP_SHARED/token.vm$me.tmp" "$SOFTODP_SHARED/token.vm$me"
echo "$token" >"$SOFTODP_OUT/my-token"
barrier tokens 60 || { t_fail "barrier tokens" "timed out"; exit 1; }
t_check "file from the peer" test -s "$SOFTODP_SHARED/token.vm$peer"
cp "$SOFTODP_SHARED/token.vm$peer" "$SOFTODP_OUT/peer-token"
# The same barrier name again: the second round waits for the second call.
barrier tokens 60 || { t_fail "barrier tokens #2" "timed out"; exit 1; }
t_pass "barriers"
