# vipd - one shared node IP across two telephony servers.
#
#   make            build build/vipd, build/vipctl
#   make deps       install Debian's build and test packages (idempotent, root)
#   make check      deps, build, every test (unit, golden, netns lab, sanitizers)
#   make demo       the netns demo lab: two nodes, a phone, a failover
#   make install    PREFIX=/usr/local DESTDIR=
#   make uninstall  the same PREFIX and DESTDIR: removes what install put there,
#                   except /etc/vipd (the admin's config and key stay)
#   make deb        build/deb/vipd_<version>_<arch>.deb (dpkg-buildpackage, clean copy)
#   make bench      the failover benchmark against keepalived (not in check)
#   make fuzz       libFuzzer harnesses, FUZZ_SECONDS each

PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR	?= /lib/systemd/system
HOOKDIR	?= $(PREFIX)/lib/vipd
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

CC	?= cc
BUILD	?= build
SAN	?=
FUZZ_SECONDS ?= 60

# Warnings live here and only here.
WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wpointer-arith -Wundef -Wvla -Wcast-qual -Wnull-dereference
CFLAGS	?= -O2 -g
CPPFLAGS += -Iinclude -D_GNU_SOURCE
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS)

ifeq ($(SAN),1)
BUILD	:= build-san
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
endif

# Every library through pkg-config. Debian 12's libev-dev ships no .pc file,
# so libev alone falls back to plain -lev.
PKGS	:= libconfig libnl-3.0 libnl-route-3.0 libmnl libsodium json-c libcap-ng
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
EV_CFLAGS  := $(shell pkg-config --cflags libev 2>/dev/null)
EV_LIBS    := $(shell pkg-config --libs libev 2>/dev/null || echo -lev)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
SODIUM_LIBS := $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)
# OpenSSL's HMAC, in test_proto only: a second implementation to check ours against.
CRYPTO_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
CONFIG_LIBS := $(shell pkg-config --libs libconfig 2>/dev/null || echo -lconfig)
JSON_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

DEB_BUILD := gcc make pkg-config libev-dev libconfig-dev libnl-3-dev libnl-route-3-dev \
	     libmnl-dev libsodium-dev libjson-c-dev libcap-ng-dev
DEB_TEST  := libcmocka-dev libssl-dev cppcheck clang-tidy clang-format iproute2 iputils-ping procps jq mandoc valgrind clang \
	     libclang-rt-14-dev systemd debhelper dpkg-dev fakeroot lintian debootstrap systemd-container
# The real servers and tools the monitoring and hook tests talk to (t_realhooks, t_monitor,
# t_completion, t_check): BIND 9 and its client tools, kamailio and sipsak, busybox's httpd,
# curl, prometheus for promtool, bash-completion, python3 for t_check's stand-in daemon.
DEB_TEST  += bind9 bind9-dnsutils kamailio sipsak busybox curl prometheus bash-completion python3
# t_drain: sipp calls through kamailio (its dialog and ctl modules are in the kamailio package).
DEB_TEST  += sip-tester
DEB_BENCH := keepalived gnuplot-nox

PURE	:= proto fsm fsm_peer fsm_health fsm_probe fsm_admin fsm_time fsm_text
# The config parser without conf_sys.c (the system's look-ups): what test_conf and fuzz_conf link
# (with proto.c, which readies each key for the HMAC).
CONF_PURE := conf conf_parse conf_net conf_cmd conf_print
VIPD_MODS := main daemon notify $(CONF_PURE) conf_sys trust state priv group group_rx group_net claim digest status metrics vipset addrtab clock hbbundle \
	     hbsock syncset mcast nl nl_addr nl_link nlmon announce arp upstream exec hook check control control_conn \
	     ctlcmd ctltab \
	     ctlmsg sipcheck sipmsg fence drain calls \
	     log $(PURE)
VIPCTL_MODS := vipctl vipctl_client vipctl_out vipctl_check ctltab ctlmsg

obj = $(addprefix $(BUILD)/obj/,$(addsuffix .o,$(1)))

# Example hook scripts, installed (never run) to HOOKDIR.
HOOK_SCRIPTS := scripts/vipd-action-url scripts/vipd-nsupdate scripts/vipd-service \
		scripts/vipd-cloud-ip scripts/check-kamailio \
		scripts/vipd-calls-kamailio scripts/vipd-calls-asterisk scripts/vipd-calls-freeswitch \
		scripts/vipd-fence-example

UNIT	:= test_proto test_fsm test_fsm_sim test_conf test_conf_sys test_ctlmsg test_ctltab test_addrtab test_sipmsg test_bundle test_clock
TOOLS	:= probe nltool sockpoke ctlflood hbflood

.PHONY: all deps deps-bench check check-unit list-unit check-san demo install uninstall bench fuzz \
	clean lint deb
all: $(BUILD)/vipd $(BUILD)/vipctl

$(BUILD)/obj/%.o: src/%.c | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(EV_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: test/unit/%.c | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: test/tools/%.c | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj:
	mkdir -p $@

$(BUILD)/vipd: $(call obj,$(VIPD_MODS))
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(EV_LIBS)

$(BUILD)/vipctl: $(call obj,$(VIPCTL_MODS))
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS)

# Unit tests link only the pure files they test.
$(BUILD)/test_proto: $(call obj,test_proto pk proto)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(SODIUM_LIBS) $(CRYPTO_LIBS)
# The state machine's files (PURE without proto.c), and the test node both fsm tests drive.
FSM_TEST := fsm_node fsm fsm_peer fsm_health fsm_probe fsm_admin fsm_time fsm_text
$(BUILD)/test_fsm: $(call obj,test_fsm $(FSM_TEST))
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(BUILD)/test_fsm_sim: $(call obj,test_fsm_sim $(FSM_TEST))
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(BUILD)/test_bundle: $(call obj,test_bundle pk $(PURE))
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(SODIUM_LIBS)
$(BUILD)/test_conf: $(call obj,test_conf textsub conftest $(CONF_PURE) proto)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(CONFIG_LIBS) $(SODIUM_LIBS)
# The system's side of the config (files, trust, interfaces): needs a trusted directory and lo.
$(BUILD)/test_conf_sys: $(call obj,test_conf_sys textsub conftest $(CONF_PURE) conf_sys trust proto)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(CONFIG_LIBS) $(SODIUM_LIBS)

$(BUILD)/test_ctlmsg: $(call obj,test_ctlmsg ctlmsg)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(BUILD)/test_ctltab: $(call obj,test_ctltab ctltab)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(BUILD)/test_addrtab: $(call obj,test_addrtab addrtab)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(BUILD)/test_clock: $(call obj,test_clock clock)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(BUILD)/test_sipmsg: $(call obj,test_sipmsg sipmsg calls)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(BUILD)/probe: $(call obj,probe)
	$(CC) $(LDFLAGS) -o $@ $^
$(BUILD)/sockpoke: $(call obj,sockpoke)
	$(CC) $(LDFLAGS) -o $@ $^
# The heartbeat flood links proto.c: its forgeries are always of the current wire format.
$(BUILD)/hbflood: $(call obj,hbflood proto)
	$(CC) $(LDFLAGS) -o $@ $^ $(SODIUM_LIBS)
$(BUILD)/ctlflood: $(call obj,ctlflood ctlmsg)
	$(CC) $(LDFLAGS) -o $@ $^
$(BUILD)/nltool: $(call obj,nltool nl nl_addr nl_link nlmon addrtab clock announce log)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# libFuzzer harnesses (clang): each links the pure file it attacks.
FUZZERS	:= fuzz_proto fuzz_ctlmsg fuzz_conf fuzz_sipmsg
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Iinclude
build-fuzz/fuzz_proto: test/fuzz/fuzz_proto.c src/proto.c
	@mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) -o $@ $^ $(SODIUM_LIBS) $(CRYPTO_LIBS)
# (with the config tests' shared fake system, test/unit/conftest.c)
build-fuzz/fuzz_conf: test/fuzz/fuzz_conf.c test/unit/conftest.c \
		      $(addprefix src/,$(addsuffix .c,$(CONF_PURE) proto))
	@mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) -Itest/unit -o $@ $^ $(CONFIG_LIBS) $(SODIUM_LIBS)
build-fuzz/fuzz_sipmsg: test/fuzz/fuzz_sipmsg.c src/sipmsg.c src/calls.c
	@mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) -o $@ $^
build-fuzz/fuzz_ctlmsg: test/fuzz/fuzz_ctlmsg.c src/ctlmsg.c
	@mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) -o $@ $^

tests: all $(addprefix $(BUILD)/,$(UNIT) $(TOOLS))

deps:
	@scripts/deps.sh $(DEB_BUILD) $(DEB_TEST)

deps-bench:
	@scripts/deps.sh $(DEB_BUILD) $(DEB_TEST) $(DEB_BENCH)

# check re-enters make after deps so pkg-config sees what deps installed.
check: deps
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory SAN=1 tests
	@test/run.sh

check-unit: tests
	@test/run.sh unit

# The unit test programs, one line: test/run.sh reads its list from here.
list-unit:
	@echo $(UNIT)

demo: deps
	@$(MAKE) --no-print-directory all tests
	@scripts/demo.sh

bench: deps-bench
	@$(MAKE) --no-print-directory all tests
	@test/bench/run.sh

fuzz: deps
	@$(MAKE) --no-print-directory $(addprefix build-fuzz/,$(FUZZERS))
	@test/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# Static analysis as TAP (test/t_lint.sh): clang-format (.clang-format) over
# the C files, clang-tidy (.clang-tidy) per file, cppcheck, mandoc -Tlint. The
# lint suite of check runs it, so each finding counts in the closing line.
lint:
	@LINT_CFLAGS='$(CPPFLAGS) $(PKG_CFLAGS) $(EV_CFLAGS)' test/t_lint.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSCONFDIR)/vipd $(DESTDIR)$(UNITDIR) $(DESTDIR)$(HOOKDIR) \
		$(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(BUILD)/vipd $(BUILD)/vipctl $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(HOOK_SCRIPTS) $(DESTDIR)$(HOOKDIR)/
	install -m 0644 man/vipd.8 man/vipctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/vipd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	test -e $(DESTDIR)$(SYSCONFDIR)/vipd/vipd.conf || \
		install -m 0644 etc/vipd.conf $(DESTDIR)$(SYSCONFDIR)/vipd/vipd.conf
	sed 's|@SBINDIR@|$(SBINDIR)|g' etc/vipd.service > $(DESTDIR)$(UNITDIR)/vipd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vipd.service
	install -m 0644 etc/vipctl.bash-completion $(DESTDIR)$(COMPLETIONDIR)/vipctl

# Everything install put there, by name; /etc/vipd (config, key) is the admin's and stays.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vipd $(DESTDIR)$(SBINDIR)/vipctl \
		$(addprefix $(DESTDIR)$(HOOKDIR)/,$(notdir $(HOOK_SCRIPTS))) \
		$(DESTDIR)$(MANDIR)/man8/vipd.8 $(DESTDIR)$(MANDIR)/man8/vipctl.8 \
		$(DESTDIR)$(MANDIR)/man5/vipd.conf.5 $(DESTDIR)$(UNITDIR)/vipd.service \
		$(DESTDIR)$(COMPLETIONDIR)/vipctl
	-rmdir $(DESTDIR)$(HOOKDIR) 2>/dev/null

# The package is built from a copy of the tracked (and new, not ignored) files
# in build/deb, so neither the worktree nor its build/ is touched; the .deb,
# .buildinfo and .changes land in build/deb.
DEB_VERSION := $(shell dpkg-parsechangelog -S Version 2>/dev/null)
DEB_SRC	:= build/deb/vipd-$(DEB_VERSION)
deb:
	rm -rf build/deb && mkdir -p $(DEB_SRC)
	git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t $(DEB_SRC)
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -30 ../build.log; exit 1; }
	lintian --info build/deb/vipd_$(DEB_VERSION)_*.changes
	@ls build/deb/*.deb

clean:
	rm -rf build build-san build-fuzz

-include $(wildcard $(BUILD)/obj/*.d)
