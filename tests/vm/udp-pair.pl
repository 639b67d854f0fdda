#!/usr/bin/perl
# Used by run-vm.sh:  udp-pair.pl CMD [ARGS...]
#
# Creates two UDP sockets on 127.0.0.1, each bound to a port the kernel
# picks and connected to the other, and executes CMD with them open and
# their numbers in the environment: _SOD_LINK_FDS="FD_A FD_B".  QEMU's
# `-netdev dgram,local.type=fd` takes one end per VM: the ports are
# allocated atomically (no window in which a concurrent run can take them)
# and a connected socket only accepts datagrams from its peer.
# SOD_LINK_RCVBUF=BYTES (experiments only, e.g. bench runs): the sockets'
# receive buffer; the default (net.core.rmem_default, 208 KiB here) holds
# about 90 packets of 1 KiB and drops the rest of a longer burst.
use strict;
use warnings;
use Socket;

$^F = 1023;    # keep the sockets open across exec (no FD_CLOEXEC)
my ($a, $b);
my $lo = pack_sockaddr_in(0, inet_aton('127.0.0.1'));
socket($a, PF_INET, SOCK_DGRAM, 0) or die "udp-pair: socket: $!\n";
socket($b, PF_INET, SOCK_DGRAM, 0) or die "udp-pair: socket: $!\n";
if (my $rb = $ENV{SOD_LINK_RCVBUF}) {
	setsockopt($_, SOL_SOCKET, SO_RCVBUF, $rb) or die "udp-pair: SO_RCVBUF: $!\n" for ($a, $b);
}
bind($a, $lo) or die "udp-pair: bind: $!\n";
bind($b, $lo) or die "udp-pair: bind: $!\n";
connect($a, getsockname($b)) or die "udp-pair: connect: $!\n";
connect($b, getsockname($a)) or die "udp-pair: connect: $!\n";
$ENV{_SOD_LINK_FDS} = fileno($a) . ' ' . fileno($b);
exec { $ARGV[0] } @ARGV or die "udp-pair: exec $ARGV[0]: $!\n";
