# forkd — see README for the two commands that matter: `make run`, `make test`.

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/forkd
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
BUILD   ?= build
LLHTTP_SRC ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp

CC      ?= cc
WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wformat=2 -Wvla -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Isrc -I$(LLHTTP_INC)
CFLAGS  ?= -O2 -g
PKGS    = libconfuse libxxhash
LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
PKGCFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined

SRCS    = $(filter-out src/main.c,$(wildcard src/*.c))
# Each object's header dependencies, written by the compiler beside it.
DEPFLAGS = -MMD -MP
UNIT    = $(wildcard tests/unit/*.c)
LLHTTP  = api http llhttp

OBJS      = $(SRCS:src/%.c=$(BUILD)/obj/%.o) $(LLHTTP:%=$(BUILD)/obj/llhttp_%.o)
SAN_OBJS  = $(SRCS:src/%.c=$(BUILD)/asan/%.o) $(LLHTTP:%=$(BUILD)/asan/llhttp_%.o)
# -Wno-tsan: gcc warns that TSan does not model atomic_thread_fence
# (stats.c's seqlock); the I/O pool uses none.
TSANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=thread -Wno-tsan
TSAN_OBJS = $(SRCS:src/%.c=$(BUILD)/tsan/%.o) $(LLHTTP:%=$(BUILD)/tsan/llhttp_%.o)

.PHONY: all deps run test unit integration asan install uninstall clean format lint \
        fuzz soak bench valgrind tsan deb conformance FORCE
# Installed files that name installed paths, from conf/*.in.
GENERATED = $(BUILD)/forkd.service $(BUILD)/forkd.logrotate
all: $(BUILD)/forkd $(GENERATED)

deps:
	@sh scripts/deps.sh build

$(BUILD)/obj $(BUILD)/asan:
	@mkdir -p $@

# Project sources: warnings are errors.  llhttp is generated code that we do
# not own, so it builds with our optimisation flags but without -Werror.
$(BUILD)/obj/%.o: src/%.c | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(PKGCFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/obj/llhttp_%.o: $(LLHTTP_SRC)/%.c | $(BUILD)/obj
	$(CC) -I$(LLHTTP_INC) $(CFLAGS) -w -c -o $@ $<
$(BUILD)/forkd: $(OBJS) $(BUILD)/obj/main.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The recipe runs every time (the paths are make variables, not files) but
# replaces the file only when its text changes.
$(GENERATED): $(BUILD)/%: conf/%.in FORCE | $(BUILD)/obj
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
FORCE:

$(BUILD)/asan/%.o: src/%.c | $(BUILD)/asan
	$(CC) $(CPPFLAGS) $(PKGCFLAGS) $(SANFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/asan/llhttp_%.o: $(LLHTTP_SRC)/%.c | $(BUILD)/asan
	$(CC) -I$(LLHTTP_INC) $(SANFLAGS) -w -c -o $@ $<
$(BUILD)/asan/forkd: $(SAN_OBJS) $(BUILD)/asan/main.o
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/asan/unit-tests: $(SAN_OBJS) $(UNIT) src/*.h tests/unit/*.h
	$(CC) $(CPPFLAGS) $(PKGCFLAGS) $(SANFLAGS) $(WARN) -Itests/unit -o $@ \
		$(UNIT) $(SAN_OBJS) $(LIBS) $(CHECK_LIBS)
asan: $(BUILD)/asan/forkd $(BUILD)/asan/unit-tests

# ThreadSanitizer: the I/O pool's threads against the loop.  The pool's
# unit tests, then the integration tests that drive it (TSAN_TESTS).
TSAN_TESTS ?= slowfs
$(BUILD)/tsan:
	@mkdir -p $@
$(BUILD)/tsan/%.o: src/%.c | $(BUILD)/tsan
	$(CC) $(CPPFLAGS) $(PKGCFLAGS) $(TSANFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/tsan/llhttp_%.o: $(LLHTTP_SRC)/%.c | $(BUILD)/tsan
	$(CC) -I$(LLHTTP_INC) $(TSANFLAGS) -w -c -o $@ $<
$(BUILD)/tsan/forkd: $(TSAN_OBJS) $(BUILD)/tsan/main.o
	$(CC) $(TSANFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/tsan/unit-tests: $(TSAN_OBJS) $(UNIT) src/*.h tests/unit/*.h
	$(CC) $(CPPFLAGS) $(PKGCFLAGS) $(TSANFLAGS) $(WARN) -Itests/unit -o $@ \
		$(UNIT) $(TSAN_OBJS) $(LIBS) $(CHECK_LIBS)
tsan: $(BUILD)/tsan/forkd $(BUILD)/tsan/unit-tests
	CK_RUN_SUITE=iopool TSAN_OPTIONS=halt_on_error=1 $(BUILD)/tsan/unit-tests
	TSAN_OPTIONS=halt_on_error=1 python3 tests/integration/run.py \
		--bin $(BUILD)/tsan/forkd $(TSAN_TESTS)

# libFuzzer harnesses (see tests/fuzz/README), built by clang with ASan and
# UBSan.  The sources build without -Werror here: gcc's warnings are the
# gate, and clang's set differs.  `make fuzz` runs each FUZZ_SECONDS and
# keeps the grown corpus in $(BUILD)/fuzz/corpus-*/.
FUZZ_CC  ?= clang
FUZZ_SAN  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined
FUZZ_OBJS = $(SRCS:src/%.c=$(BUILD)/fuzz/obj/%.o) \
            $(LLHTTP:%=$(BUILD)/fuzz/obj/llhttp_%.o)
FUZZ_BINS = $(BUILD)/fuzz/fuzz-conn $(BUILD)/fuzz/fuzz-path
FUZZ_SECONDS ?= 300
.PHONY: fuzz-build

$(BUILD)/fuzz/obj:
	@mkdir -p $@
$(BUILD)/fuzz/obj/%.o: src/%.c | $(BUILD)/fuzz/obj
	$(FUZZ_CC) $(CPPFLAGS) $(PKGCFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		$(filter-out -Werror,$(WARN)) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/fuzz/obj/llhttp_%.o: $(LLHTTP_SRC)/%.c | $(BUILD)/fuzz/obj
	$(FUZZ_CC) -I$(LLHTTP_INC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -w -c -o $@ $<
$(BUILD)/fuzz/fuzz-conn: tests/fuzz/fuzz_conn.c $(FUZZ_OBJS) src/*.h
	$(FUZZ_CC) $(CPPFLAGS) $(PKGCFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $(WARN) \
		-o $@ $< $(FUZZ_OBJS) $(LIBS)
$(BUILD)/fuzz/fuzz-path: tests/fuzz/fuzz_path.c $(BUILD)/fuzz/obj/path.o src/path.h
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $(WARN) \
		-o $@ $< $(BUILD)/fuzz/obj/path.o
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh --keep $(BUILD) $(FUZZ_SECONDS)

# The demo site: foreground, on a local port, with the URL printed.
RUN_PORT ?= 8080
run:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory $(BUILD)/forkd
	@sh scripts/run-demo.sh $(BUILD)/forkd $(RUN_PORT)

# Everything: a -Werror build, the sanitizer build, then every test.
test:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BUILD)/forkd asan fuzz-build
	@sh tests/run.sh $(BUILD)

unit: $(BUILD)/asan/unit-tests
	$(BUILD)/asan/unit-tests

integration: $(BUILD)/forkd $(BUILD)/asan/forkd
	python3 tests/integration/run.py --bin $(BUILD)/asan/forkd

# forkd against nginx, lighttpd, h2o and a canned-response server (the
# floor, bench/canned.c) on this machine; see bench/README.
# BENCH_ARGS=--quick for a smoke run.
$(BUILD)/canned: bench/canned.c
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(WARN) -D_GNU_SOURCE -o $@ $<
bench: $(BUILD)/forkd $(BUILD)/canned
	sh scripts/deps.sh bench && python3 bench/bench.py --forkd $(BUILD)/forkd \
		--canned $(BUILD)/canned $(BENCH_ARGS)

# The differential test against nginx and lighttpd (doc/conformance.md):
# not part of `make test`, since it needs both peers installed.
conformance: $(BUILD)/forkd
	sh scripts/deps.sh conformance && python3 tests/conformance/run.py --forkd $(BUILD)/forkd

# Longer runs of the chaos and slow-client tests: SOAK_SECONDS each.
SOAK_SECONDS ?= 300
soak: $(BUILD)/asan/forkd
	FORKD_SOAK_SECONDS=$(SOAK_SECONDS) FORKD_SLOW_CONNS=1000 python3 \
		tests/integration/run.py --bin $(BUILD)/asan/forkd chaos slowloris \
		slow_body slow_read range_attack

# A subset of the integration tests with the plain build under memcheck
# (master and workers); see scripts/valgrind.sh.
valgrind: $(BUILD)/forkd
	sh scripts/valgrind.sh $(BUILD) $(VALGRIND_TESTS)

# The configuration is installed only where there is none yet.  Nothing
# is enabled or started: see README, "Running under systemd".
install: $(BUILD)/forkd $(GENERATED)
	install -D -m 0755 $(BUILD)/forkd $(DESTDIR)$(SBINDIR)/forkd
	install -D -m 0644 man/forkd.8 $(DESTDIR)$(MANDIR)/man8/forkd.8
	install -D -m 0644 man/forkd.conf.5 $(DESTDIR)$(MANDIR)/man5/forkd.conf.5
	install -D -m 0644 $(BUILD)/forkd.service $(DESTDIR)$(UNITDIR)/forkd.service
	install -D -m 0644 $(BUILD)/forkd.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/forkd
	install -D -m 0644 conf/forkd.conf $(DESTDIR)$(DOCDIR)/forkd.conf.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/forkd/forkd.conf ] || \
		install -D -m 0644 conf/forkd.conf $(DESTDIR)$(SYSCONFDIR)/forkd/forkd.conf

# Leaves $(SYSCONFDIR)/forkd/forkd.conf, which may hold local changes.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/forkd $(DESTDIR)$(MANDIR)/man8/forkd.8 \
	      $(DESTDIR)$(MANDIR)/man5/forkd.conf.5 $(DESTDIR)$(UNITDIR)/forkd.service \
	      $(DESTDIR)$(SYSCONFDIR)/logrotate.d/forkd
	rm -rf $(DESTDIR)$(DOCDIR)

# A Debian package, build/forkd_VERSION_ARCH.deb: a binary built with
# dpkg-buildflags (hardening) in $(BUILD)/deb/build, installed by the
# install target into $(BUILD)/deb/root with Debian's paths, then packed by
# scripts/deb.sh.  See README, "Debian package".
DEB_BUILD = $(BUILD)/deb/build
DEB_FLAGS = DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get
deb:
	rm -rf $(BUILD)/deb/root
	env CPPFLAGS="$$($(DEB_FLAGS) CPPFLAGS)" $(MAKE) --no-print-directory \
		BUILD=$(DEB_BUILD) CFLAGS="$$($(DEB_FLAGS) CFLAGS)" \
		LDFLAGS="$$($(DEB_FLAGS) LDFLAGS)" PREFIX=/usr SYSCONFDIR=/etc \
		UNITDIR=/lib/systemd/system DESTDIR=$(abspath $(BUILD))/deb/root install
	sh scripts/deb.sh $(BUILD)/deb/root $(DEB_BUILD)/forkd $(BUILD)

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h

# cppcheck and clang-format (.clang-format); make test runs it too.
lint:
	@sh tests/lint.sh

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/asan/*.d $(BUILD)/tsan/*.d \
	$(BUILD)/fuzz/obj/*.d)
