#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# policy-rc.d of the throwaway root (make check-package): while apt runs,
# no service of another package starts (101), as in a chroot: they are not
# under test, and one of them (systemd-timesyncd) would set the clock.
# seuil's own units are what the test is about: their starts and stops go
# on, through the stand-in systemctl, then and there, as systemd would do
# them.  Every question is recorded in /run/seuil-test/policy.log
# ("UNIT ACTION PACKAGE.SCRIPT") for the tests.
echo "$1 $2 ${DPKG_MAINTSCRIPT_PACKAGE:-?}.${DPKG_MAINTSCRIPT_NAME:-?}" >>/run/seuil-test/policy.log
case $1 in
seuild | seuild.* | seuil-* ) exit 0 ;;
esac
case $2 in
stop | status) exit 0 ;;
*) exit 101 ;;
esac
