#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The fresh install: the new package on a Debian that never had seuil,
# set up as docs/install.md says with simulated hardware, every journey
# through the installed programs, then remove and purge.
#   scenario-fresh.sh ROOT NEW.deb BASE.deb   (run by tests/package/run)
. "$(dirname "$0")/lib.sh"
# R (the root) is read by lib.sh's functions.
# shellcheck disable=SC2034
R=$1 NEW=$2
enter_root || { not_ok "mount the root"; exit 1; }

install_package "$NEW" || scenario_done
setup_site || scenario_done
journey_first_badge
journey_hw_test
setup_broker
journey_lobby
journey_remote_unlock
journey_lobby_space
setup_console && { journey_console && journey_console_problems; journey_community; }
journey_backup
journey_console_backup
journey_seuilctl_root
journey_desfire
journey_site
journey_remove
journey_purge
scenario_done
