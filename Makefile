# SPDX-License-Identifier: GPL-3.0-or-later
# seuil — build, test, demo, install.  `make help` lists the targets.

comma := ,

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
# udev reads /etc and /usr/lib only, never /usr/local/lib.
UDEVDIR    ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/udev/rules.d,$(SYSCONFDIR)/udev/rules.d)
DESTDIR    ?=
VERSION    := 0.1.1

# Cross-building for the Pi (docs/install.md): `make ARCH=arm64` (or armhf)
# uses Debian's cross compiler, a private sysroot of the ARCH -dev packages
# (scripts/cross-sysroot.sh makes it) and its own build folder; the tests
# run the ARCH binaries through qemu-user (RUN_WRAPPER).  The -dev packages
# stay out of dpkg's database: libnfc-dev:arm64 would replace the native
# libusb-dev and break the native build.
NATIVE_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
ARCH       ?= $(NATIVE_ARCH)
TRIPLET_arm64 := aarch64-linux-gnu
TRIPLET_armhf := arm-linux-gnueabihf
QEMU_arm64    := qemu-aarch64-static
QEMU_armhf    := qemu-arm-static
ifneq ($(ARCH),$(NATIVE_ARCH))
  TRIPLET := $(or $(TRIPLET_$(ARCH)),$(error ARCH=$(ARCH): arm64 or armhf))
  BUILD   ?= build-$(ARCH)
  SYSROOT ?= $(CURDIR)/build-$(ARCH)/sysroot
  ifeq ($(origin CC),default)
    CC := $(TRIPLET)-gcc
  endif
  RUN_WRAPPER ?= $(QEMU_$(ARCH))
endif
BUILD      ?= build
CC         ?= cc
RUN_WRAPPER ?=

# Each part links only what it uses: the core (store, policy, config, UIDs),
# the hardware backends, and what only the daemon needs (MQTT).  sd_notify is
# daemon/notify.c: libsystemd and its six libraries were 944 KiB of RSS.
CORE_PKGS   := sqlite3 inih libcjson libcrypto
GLUE_PKGS   := libnfc libgpiod
SEUILD_PKGS := $(CORE_PKGS) $(GLUE_PKGS) libmosquitto
CTL_PKGS    := $(CORE_PKGS) $(GLUE_PKGS) libcrypt
WEB_PKGS    := $(CORE_PKGS) libmicrohttpd libcrypt
PKGS        := $(sort $(SEUILD_PKGS) $(CTL_PKGS) $(WEB_PKGS))
PKG_CONFIG  ?= pkg-config
# A sysroot: headers, libraries and .pc files come from it, not from /usr.
ifneq ($(SYSROOT),)
  SYSROOT_LIBDIRS := $(SYSROOT)/usr/lib/$(TRIPLET) $(SYSROOT)/lib/$(TRIPLET)
  PKG_CONFIG := PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
	PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/$(TRIPLET)/pkgconfig:$(SYSROOT)/usr/share/pkgconfig \
	pkg-config
  CPPFLAGS += -isystem $(SYSROOT)/usr/include -isystem $(SYSROOT)/usr/include/$(TRIPLET)
  LDFLAGS  += $(addprefix -L,$(SYSROOT_LIBDIRS)) \
	$(addprefix -Wl$(comma)-rpath-link$(comma),$(SYSROOT_LIBDIRS))
endif

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
        -Wpointer-arith -Wcast-qual
OPT  ?= -O2 -g
SAN  ?=
# _FILE_OFFSET_BITS=64: a 32-bit build (armhf) reads and writes files past
# 2 GiB (a grown database, its backups); 64-bit builds are unchanged.  Not
# _TIME_BITS=64: bookworm's armhf libraries are built without it (the note
# in docs/install.md, "32-bit Raspberry Pi OS").
CPPFLAGS += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DSEUIL_VERSION='"$(VERSION)"'
CFLAGS   += -std=c17 $(OPT) $(WARN) $(SAN) -MMD -MP
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)
PKG_CFLAGS = $(call pkg_cflags,$(PKGS))
PKG_LIBS   = $(call pkg_libs,$(PKGS))

# Includes go one way (docs/architecture.md): a program sees its own folder,
# firmware-glue and core; firmware-glue sees core; core sees only itself.
# The include path of each folder enforces it: a core file that includes a
# program's header does not compile.
INC_core          := -Icore
INC_firmware-glue := -Icore -Ifirmware-glue
INC_daemon        := -Icore -Ifirmware-glue -Idaemon
INC_seuilctl      := -Icore -Ifirmware-glue -Iseuilctl
INC_web           := -Icore -Iweb
INC_ALL           := -Icore -Ifirmware-glue -Idaemon -Iseuilctl -Iweb

# One archive per part; the linker takes only what each program needs, and a
# new module needs no Makefile change.
MAINS      := daemon/seuild.c seuilctl/seuilctl.c web/seuil-web.c
CORE_LIB   := $(BUILD)/libseuil-core.a
GLUE_LIB   := $(BUILD)/libseuil-glue.a
SEUILD_LIB := $(BUILD)/libseuild.a
CTL_LIB    := $(BUILD)/libseuilctl.a
WEB_LIB    := $(BUILD)/libseuil-web.a
part_obj    = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(MAINS),$(wildcard $(1)/*.c)))
ALL_LIBS   := $(SEUILD_LIB) $(CTL_LIB) $(WEB_LIB) $(GLUE_LIB) $(CORE_LIB)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Parts of tools, not programs: the PN532 model (pn532emu and the fuzz
# targets' hostile PN532) and the DESFire card model (pn532emu, the
# exchange's unit test and its fuzz targets link it).
TOOL_PARTS := tests/tools/pn532_chip.c tests/tools/desfire_card.c
TOOL_SRC  := $(filter-out $(TOOL_PARTS),$(wildcard tests/tools/*.c))
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)
FAKE_LIB  := $(BUILD)/fakes/libgpiod.so.2
SHIM_LIB  := $(BUILD)/fakes/slow_fsync.so
CLOCK_LIB := $(BUILD)/fakes/clock_sync.so
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
MANS      := $(patsubst docs/%.scd,$(BUILD)/man/%,$(wildcard docs/*.scd))

.PHONY: FORCE all programs deps deb check check-package check-cross check-fast check-tsan tsan-bins \
	test-bins bench demo install clean help man lobby soak soak-site fuzz fuzz-bins fuzz-libs fuzz-archives \
	fuzz-targets

# A plain `make` builds and installs nothing: the targets that need the
# Debian packages (check, demo, bench...) call deps, and `make deps` alone
# installs them.
all: programs

programs: $(BUILD)/seuild $(BUILD)/seuilctl $(BUILD)/seuil-web

deps:
	@sh scripts/deps.sh
ifneq ($(TRIPLET),)
	@sh scripts/cross-sysroot.sh $(ARCH) $(SYSROOT)
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(INC_$(firstword $(subst /, ,$<))) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(CORE_LIB):   $(call part_obj,core)
$(GLUE_LIB):   $(call part_obj,firmware-glue)
$(SEUILD_LIB): $(call part_obj,daemon)
$(CTL_LIB):    $(call part_obj,seuilctl)
$(WEB_LIB):    $(call part_obj,web)
$(ALL_LIBS):
	@rm -f $@
	ar rcs $@ $^

# Paths compiled into the programs follow PREFIX, so that a build and its
# install agree: seuil-web looks for its page where `make install` puts it
# (PREFIX=/usr for the package).  $(BUILD)/prefix holds the PREFIX of the
# last build and changes only with it, so another PREFIX recompiles what
# depends on it.
DATADIR := $(PREFIX)/share/seuil
$(BUILD)/obj/web/seuil-web.o: CPPFLAGS += -DSEUIL_WEB_PAGE_DIR='"$(DATADIR)/web"'
$(BUILD)/obj/web/seuil-web.o: $(BUILD)/prefix
$(BUILD)/prefix: FORCE
	@mkdir -p $(@D)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' >$@
FORCE:

$(BUILD)/seuild: $(BUILD)/obj/daemon/seuild.o $(SEUILD_LIB) $(GLUE_LIB) $(CORE_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(call pkg_libs,$(SEUILD_PKGS)) -lm

$(BUILD)/seuilctl: $(BUILD)/obj/seuilctl/seuilctl.o $(CTL_LIB) $(GLUE_LIB) $(CORE_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(call pkg_libs,$(CTL_PKGS)) -lm

$(BUILD)/seuil-web: $(BUILD)/obj/web/seuil-web.o $(WEB_LIB) $(CORE_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(call pkg_libs,$(WEB_PKGS)) -lm

# Sources a unit test links besides its own: EXTRA_<its file name>.
EXTRA_test_desfire := tests/tools/desfire_card.c
$(BUILD)/tests/test_desfire: $(EXTRA_test_desfire) tests/tools/desfire_card.h

$(BUILD)/tests/%: tests/unit/%.c $(ALL_LIBS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(INC_ALL) -Itests/unit -Itests/tools $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
		$(EXTRA_$(@F)) $(ALL_LIBS) $(PKG_LIBS) -lm

$(BUILD)/tests/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(INC_ALL) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
		$(PKG_LIBS) -lutil -lm

$(BUILD)/tests/pn532emu: tests/tools/pn532emu.c tests/tools/pn532_chip.c tests/tools/pn532_chip.h \
	tests/tools/desfire_card.c tests/tools/desfire_card.h $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Icore -Itests/tools $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) \
		$(call pkg_libs,libcrypto)

# A stand-in for libgpiod 1.6 with the same soname: seuild links the real
# library, and tests put this one first in LD_LIBRARY_PATH.
$(FAKE_LIB): tests/fakes/fake_gpiod.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -Wl,-soname,libgpiod.so.2 -o $@ $<

# The fault shim (slow or read-only disk on demand) is preloaded into
# seuild; built without the sanitizers, so the same one serves every build.
$(SHIM_LIB): tests/fakes/slow_fsync.c
	@mkdir -p $(@D)
	$(CC) $(OPT) $(WARN) -fPIC -shared -o $@ $< -ldl

# The clock's NTP sync on demand (the console's tests), the same way.
$(CLOCK_LIB): tests/fakes/clock_sync.c
	@mkdir -p $(@D)
	$(CC) $(OPT) $(WARN) -fPIC -shared -o $@ $<

$(BUILD)/bench/%: bench/%.c $(ALL_LIBS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(INC_ALL) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(PKG_LIBS) -lm

test-bins: programs $(UNIT_BIN) $(TOOL_BIN) $(FAKE_LIB) $(SHIM_LIB) $(CLOCK_LIB) $(BENCH_BIN)
	@$(MAKE) --no-print-directory tests/browser/node_modules/.package-lock.json || \
		echo "test-bins: playwright-core not installed (npm unavailable?): browser tests will skip"

# The console's browser tests: playwright-core from npm, pinned by the lock
# file; it drives Debian's chromium and downloads no browser.
NPM ?= npm
tests/browser/node_modules/.package-lock.json: tests/browser/package.json tests/browser/package-lock.json
	$(NPM) ci --prefix tests/browser --no-audit --no-fund

# Fuzzing (tests/fuzz/README.md): libFuzzer targets built with clang under
# ASan+UBSan against the code under test, compiled again into build/fuzz
# with coverage instrumentation (no main: seuild.c and seuilctl.c stay out).
FUZZ_BUILD   := build/fuzz
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_ALIBS   := $(FUZZ_BUILD)/libseuild.a $(FUZZ_BUILD)/libseuil-web.a \
                $(FUZZ_BUILD)/libseuil-glue.a $(FUZZ_BUILD)/libseuil-core.a

# The libraries come from the rules above, run with BUILD=build/fuzz and
# clang; warnings stay warnings there (-Werror belongs to the gcc build,
# which every commit must pass).
fuzz-libs:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT='-O1 -g' \
		WARN='-Wall -Wextra' SAN='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' fuzz-archives
fuzz-archives: $(FUZZ_ALIBS)
	@:
fuzz-targets: $(FUZZ_BIN)
	@:

$(FUZZ_BUILD)/fuzz_desfire: tests/tools/desfire_card.c tests/tools/desfire_card.h
$(FUZZ_BUILD)/fuzz_card_pipe: tests/tools/desfire_card.c tests/tools/desfire_card.h
# The whole way: the hostile PN532, a DESFire card model behind it.
$(FUZZ_BUILD)/fuzz_desfire_reader: tests/fuzz/pn532_side.c tests/fuzz/pn532_side.h \
	tests/tools/pn532_chip.c tests/tools/pn532_chip.h tests/tools/desfire_card.c \
	tests/tools/desfire_card.h
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/common.c $(FUZZ_ALIBS)
	$(FUZZ_CC) $(CPPFLAGS) $(INC_ALL) -Itests/fuzz -Itests/tools -std=c17 -O1 -g -Wall -Wextra \
		$(FUZZ_SAN) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $(filter %.c,$^) \
		$(FUZZ_ALIBS) $(PKG_LIBS) -lm

# The hostile PN532 (pn532_side) answers from pn532emu's model.
$(FUZZ_BUILD)/fuzz_pn532: tests/fuzz/pn532_side.c tests/fuzz/pn532_side.h \
	tests/tools/pn532_chip.c tests/tools/pn532_chip.h

fuzz-bins: deps
	@$(MAKE) --no-print-directory fuzz-libs
	@$(MAKE) --no-print-directory fuzz-targets

# Every target for FUZZ_SECONDS seconds (after replaying its regressions).
fuzz: fuzz-bins
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)


# The lobby screen (lobby/): MQTT.js from npm, copied beside the page.
LOBBY_SRC := $(wildcard lobby/*.js lobby/*.html lobby/*.css lobby/build.mjs)
lobby/node_modules/.package-lock.json: lobby/package.json lobby/package-lock.json
	$(NPM) ci --prefix lobby --no-audit --no-fund
lobby/dist/index.html: lobby/node_modules/.package-lock.json $(LOBBY_SRC)
	node lobby/build.mjs
lobby: deps
	@$(MAKE) --no-print-directory lobby/dist/index.html

$(BUILD)/man/%: docs/%.scd
	@mkdir -p $(@D)
	scdoc < $< > $@

man: $(MANS)

# The normal build, then the same suite under ASan+UBSan in build/asan.
# The fuzz smoke run and valgrind run once, in the plain build's pass
# (tests/integration/fuzz_smoke.sh, valgrind_*.sh skip ASan builds).
check: deps
	@$(MAKE) --no-print-directory test-bins man lobby/dist/index.html fuzz-bins tsan-bins
	@$(MAKE) --no-print-directory BUILD=build/asan OPT='-O1 -g' \
		SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' test-bins
	@tests/run build build/asan

# The console's unit test once more under ThreadSanitizer, in build/tsan:
# seuil-web's connection threads run the login path at once.  clang's,
# since gcc's does not see the copies it inlines (a racy strcpy went
# unreported); warnings stay warnings, as in the fuzz build.
# make check runs it once, in the plain pass (tests/integration/tsan.sh).
TSAN_BUILD := build/tsan
tsan-bins:
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CC=$(FUZZ_CC) OPT='-O1 -g' \
		WARN='-Wall -Wextra' SAN='-fsanitize=thread' $(TSAN_BUILD)/tests/test_web
check-tsan: deps
	@$(MAKE) --no-print-directory tsan-bins
	@TESTS=test_web tests/run $(TSAN_BUILD)

# One build only, for quick iteration.
check-fast: deps
	@$(MAKE) --no-print-directory test-bins lobby/dist/index.html
	@tests/run build

# The ARCH binaries, fake libgpiod and PN532 emulator, run under qemu-user:
# the unit tests and the badge path, MQTT and hardware integration tests.
CROSS_TESTS ?= test_ access_ door_ grant_ lock_first presence revoke_ store_locked reader_libnfc reader_flood enrol_ control_socket control_ranges config_check mqtt_ y2038
check-cross: deps
	@test -n "$(RUN_WRAPPER)" || { echo "check-cross: ARCH=arm64 or ARCH=armhf"; exit 64; }
	@$(MAKE) --no-print-directory ARCH=$(ARCH) test-bins
	@RUN_WRAPPER='$(RUN_WRAPPER)' TESTS='$(CROSS_TESTS)' tests/run $(BUILD)

# Long fault runs, not in make check: SOAK_CYCLES kill -9 cycles, SOAK_TAPS
# taps, SOAK_MINUTES with a flapping broker and reader; "soak: NAME VALUE".
SOAK_CYCLES  ?= 1000
SOAK_TAPS    ?= 1000000
SOAK_MINUTES ?= 60
soak: deps
	@$(MAKE) --no-print-directory test-bins
	@BUILD=$(abspath $(BUILD)) SOAK_CYCLES=$(SOAK_CYCLES) SOAK_TAPS=$(SOAK_TAPS) \
		SOAK_MINUTES=$(SOAK_MINUTES) bash tests/soak/soak.sh
	@$(MAKE) --no-print-directory soak-site

# A site of SITE_SOAK_NODES seuild (one primary) for SITE_SOAK_SECONDS: taps
# everywhere, revocations and member changes, relay cuts, a broker restart
# (tests/soak/site_soak.sh); "soak: NAME VALUE".
SITE_SOAK_NODES   ?= 30
SITE_SOAK_SECONDS ?= 600
soak-site: deps
	@$(MAKE) --no-print-directory programs
	@BUILD=$(abspath $(BUILD)) SITE_SOAK_NODES=$(SITE_SOAK_NODES) \
		SITE_SOAK_SECONDS=$(SITE_SOAK_SECONDS) bash tests/soak/site_soak.sh

bench: deps
	@$(MAKE) --no-print-directory programs $(BENCH_BIN) $(TOOL_BIN)
	@RECORD=$(RECORD) bench/run $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory programs
	@$(MAKE) --no-print-directory lobby/dist/index.html || echo "demo: lobby screen not built (npm unavailable?); going on without it"
	@scripts/demo.sh $(BUILD)

# The package (debian/rules) installs exactly this, with PREFIX=/usr,
# SYSTEMDUNITDIR=/lib/systemd/system and INSTALL_CONF=no; debian/seuil.files
# lists the result, and tests/integration/install_tree.sh holds the two
# together.  INSTALL_CONF=no: no /etc/seuil/seuild.conf (the admin writes it
# from the example; seuild.service waits for it).
INSTALL_CONF   ?= yes
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
install: programs man
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d \
		$(DESTDIR)$(PREFIX)/lib/tmpfiles.d $(DESTDIR)$(PREFIX)/share/doc/seuil/examples
	install -m 0755 $(BUILD)/seuild $(DESTDIR)$(PREFIX)/sbin/seuild
	install -m 0755 $(BUILD)/seuilctl $(DESTDIR)$(PREFIX)/bin/seuilctl
	install -m 0755 $(BUILD)/seuil-web $(DESTDIR)$(PREFIX)/sbin/seuil-web
	install -d $(DESTDIR)$(PREFIX)/share/seuil/web
	install -m 0644 web/page/* $(DESTDIR)$(PREFIX)/share/seuil/web/
	for m in $(MANS); do s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	install -m 0644 config/*.example $(DESTDIR)$(PREFIX)/share/doc/seuil/examples/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/seuil/
	[ "$(INSTALL_CONF)" = no ] || { install -d $(DESTDIR)$(SYSCONFDIR)/seuil && \
		{ test -e $(DESTDIR)$(SYSCONFDIR)/seuil/seuild.conf || \
		install -m 0640 config/seuild.conf.example $(DESTDIR)$(SYSCONFDIR)/seuil/seuild.conf; }; }
	for f in systemd/*.service systemd/*.timer; do [ ! -e "$$f" ] || \
		sed 's|@SBINDIR@|$(PREFIX)/sbin|g; s|@BINDIR@|$(PREFIX)/bin|g' $$f > $(DESTDIR)$(SYSTEMDUNITDIR)/$${f##*/}; done
	[ ! -e systemd/seuil.sysusers ] || install -m 0644 systemd/seuil.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/seuil.conf
	[ ! -d lobby/dist ] || { install -d $(DESTDIR)$(PREFIX)/share/seuil/lobby && \
		install -m 0644 lobby/dist/* $(DESTDIR)$(PREFIX)/share/seuil/lobby/; }
	[ ! -e systemd/seuil.tmpfiles ] || install -m 0644 systemd/seuil.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/seuil.conf
	install -d $(DESTDIR)$(UDEVDIR)
	install -m 0644 systemd/60-seuil.rules $(DESTDIR)$(UDEVDIR)/60-seuil.rules

# The Debian package, in build/deb/: seuil_$(VERSION)_<arch>.deb, its file
# list checked against debian/seuil.files, then lintian (a warning fails;
# debian/seuil.lintian-overrides says why each override is there).
# ARCH=arm64|armhf cross-builds it with the sysroot (dpkg-buildpackage -a
# ARCH -d: the :ARCH build dependencies are not installed, see
# debian/rules).  The preparation is `npm ci --prefix lobby` (the lobby
# bundles MQTT.js from lobby/node_modules); debian/rules itself needs no
# network.  Not part of make check.
DEB_ARCH = $(ARCH)
deb:
	@sh scripts/deps.sh deb
ifneq ($(TRIPLET),)
	@sh scripts/cross-sysroot.sh $(ARCH) $(SYSROOT)
endif
	@$(MAKE) --no-print-directory ARCH=$(NATIVE_ARCH) lobby/node_modules/.package-lock.json
	DEB_BUILD_OPTIONS="nocheck $(DEB_BUILD_OPTIONS)" dpkg-buildpackage -us -uc -b \
		$(if $(TRIPLET),-a$(DEB_ARCH) -d)
	@mkdir -p build/deb
	@for f in ../seuil_$(VERSION)_$(DEB_ARCH).deb ../seuil_$(VERSION)_$(DEB_ARCH).buildinfo \
		../seuil_$(VERSION)_$(DEB_ARCH).changes ../seuil-dbgsym_$(VERSION)_$(DEB_ARCH).deb; do \
		[ ! -e $$f ] || mv -f $$f build/deb/; done
	debian/check-files.sh build/deb/seuil_$(VERSION)_$(DEB_ARCH).deb
	lintian -I --fail-on error,warning build/deb/seuil_$(VERSION)_$(DEB_ARCH).changes
	@ls -l build/deb/seuil_$(VERSION)_$(DEB_ARCH).deb

# The package as a new user installs it (tests/package/README.md), as root:
# the .deb for this machine, installed with apt into a throwaway Debian 12
# root (mmdebstrap, cached in build/check-package), its services run as
# their units say, the journeys of docs/install.md through the installed
# programs, the upgrade from the base package (tests/package/base-commit,
# or BASE_DEB=FILE), remove and purge; the PN532 emulator (a test tool,
# not in the package) stands for the DESFire readers.  Ends with "N passed,
# N failed".
# Not part of make check (.ci/run runs it after, as root).
check-package:
	@sh scripts/deps.sh package
	@$(MAKE) --no-print-directory deb ARCH=$(NATIVE_ARCH)
	@$(MAKE) --no-print-directory build/tests/pn532emu
	@tests/package/run build/deb/seuil_$(VERSION)_$(NATIVE_ARCH).deb $(BASE_DEB)

clean:
	rm -rf build build-arm64 build-armhf lobby/dist lobby/node_modules tests/browser/node_modules

help:
	@echo "make          build build/seuild, build/seuilctl and build/seuil-web (installs nothing)"
	@echo "make deps     install the missing Debian packages (apt-get, through sudo when not root)"
	@echo "make check    build, then run every test, also under ASan+UBSan (the console's threads under TSan once)"
	@echo "make demo     run seuil on simulated hardware with demo members"
	@echo "make bench    print benchmark figures"
	@echo "make soak     long fault runs (SOAK_CYCLES, SOAK_TAPS, SOAK_MINUTES)"
	@echo "make soak-site  a site of 30 nodes for 10 min (SITE_SOAK_NODES, SITE_SOAK_SECONDS)"
	@echo "make fuzz     run every fuzz target for FUZZ_SECONDS seconds (default 60)"
	@echo "make lobby    build the lobby screen into lobby/dist (npm ci)"
	@echo "make install  install (PREFIX=$(PREFIX) DESTDIR=$(DESTDIR))"
	@echo "make deb [ARCH=arm64|armhf]   the Debian package, in build/deb/"
	@echo "make check-package            (root) install the package in a throwaway Debian root and use it"
	@echo "make check-cross ARCH=arm64   tests with the arm64 binaries under qemu-user"

# Dependency files of the objects and test programs only (not the sysroot
# nor the roots of make check-package, which hold files named *.d).
-include $(shell find $(BUILD)/obj $(BUILD)/tests $(BUILD)/bench $(BUILD)/fakes -name '*.d' -type f 2>/dev/null)
