#!/usr/bin/perl
# SPDX-License-Identifier: GPL-3.0-or-later
# pid1.pl COMMAND...: the first process of make check-package's PID
# namespace.  It runs COMMAND and reaps every orphan (the services the
# tests start are reparented to it), so a stopped service never lingers as
# a zombie; it exits with COMMAND's status, which ends the namespace and
# kills whatever still runs in it.
use strict;
use warnings;
use POSIX ();

my $child = fork();
die "pid1: fork: $!\n" unless defined $child;
if ($child == 0) {
	exec { $ARGV[0] } @ARGV or die "pid1: exec $ARGV[0]: $!\n";
}
$SIG{TERM} = $SIG{INT} = sub { kill 'TERM', $child };
for (;;) {
	my $pid = waitpid(-1, 0);
	if ($pid == $child) {
		exit(POSIX::WIFEXITED($?) ? POSIX::WEXITSTATUS($?) : 128 + POSIX::WTERMSIG($?));
	}
	if ($pid == -1) {
		next if $!{EINTR};
		exit 1;
	}
}
