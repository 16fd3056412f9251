#!/usr/bin/perl
# SPDX-License-Identifier: GPL-3.0-or-later
# notify.pl SOCKET FILE: the service manager's side of sd_notify for one
# service (tests/package/root/unitrun): receive its datagrams on SOCKET
# and append each line (READY=1, WATCHDOG=1, STATUS=...) to FILE.
use strict;
use warnings;
use Socket;
use IO::Handle;

my ($path, $out) = @ARGV;
die "usage: notify.pl SOCKET FILE\n" unless defined $out;
unlink $path;
socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "notify.pl: socket: $!\n";
bind($s, pack_sockaddr_un($path)) or die "notify.pl: bind $path: $!\n";
# Like /run/systemd/notify: any user may send (the service drops root).
chmod 0777, $path;
open(my $o, '>>', $out) or die "notify.pl: $out: $!\n";
$o->autoflush(1);
$SIG{TERM} = sub { unlink $path; exit 0 };
for (;;) {
	my $buf;
	defined(recv($s, $buf, 4096, 0)) or next;
	print $o "$_\n" for grep { length } split /\n/, $buf;
}
