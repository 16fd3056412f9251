#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The upgrade: the base package (tests/package/base-commit) installed and
# set up as docs/install.md says, its store populated, then the new
# package over it; then the package's migration over older stores.
#   scenario-upgrade.sh ROOT NEW.deb BASE.deb   (run by tests/package/run)
. "$(dirname "$0")/lib.sh"
R=$1 NEW=$2 BASE=$3
enter_root || { not_ok "mount the root"; exit 1; }

check_out "apt-get install ${BASE##*/} mosquitto-clients (the base package)" "$R/run/seuil-test/apt-base.log" \
    apt_get install "$BASE" mosquitto-clients || scenario_done
SETUP_BASE=1 setup_site || scenario_done
journey_first_badge
populate_store
journey_upgrade "$NEW"
journey_migrate_fixtures "$NEW"
scenario_done
