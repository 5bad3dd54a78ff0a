# ruglab: one non-recursive Makefile. Each program's sources are declared in
# services/<part>/module.mk; shared modules in services/common/ become
# $(BUILD)/libruglab.a. Everything generated lives under $(BUILD) (build/, or
# build/san for a SANITIZER build), the protobuf-c output in $(BUILD)/gen.
#
#   make                 build every program into $(BUILD)/bin
#   make check           check the formatting, build, then run unit and integration tests
#   make demo            the whole story on a local PostgreSQL cluster, ending
#                        with ruglab-web running (until Ctrl-C in a terminal)
#   make browser-deps    playwright-core for the browser tests (npm ci into
#                        $(BUILD)/node; make check and make integration do it)
#   make SANITIZER=address,undefined check    the same under ASan/UBSan
#   make install PREFIX=/usr DESTDIR=/tmp/stage
#
# Packages: a program declares in its module.mk the pkg-config packages whose
# headers its own sources include (directly or through a header they include),
#     ruglab-agent_PKGS := libczmq libzmq jansson
# and a shared module does the same in services/common/module.mk:
#     db_PKGS := libpq
# Each object is compiled with the -I flags of its own list only, so the
# compiler refuses a header the design keeps away from it: the agent cannot
# include libpq-fe.h. The headers of the packages in FENCED are refused even
# where they sit in the default search path (an object whose list lacks the
# package finds, first on its path, a header of that name that stops the
# compile), and the generated protobuf header is on the path of wire.o alone.
# A program links the libraries of its own list and of the shared modules'
# lists: the linker takes from libruglab.a only the modules the program
# calls, and -Wl,--as-needed records only the libraries those objects call,
# so `readelf -d` shows what each program uses. Unit tests, test tools, bench
# and fuzz programs are compiled and linked with every package.
#
# Missing Debian packages are installed by scripts/install-deps.sh, called
# through a stamp file (as root it runs apt-get; otherwise it prints the
# command to run).

.DEFAULT_GOAL := all
.SECONDEXPANSION:
# Keep intermediate objects (unit-test and bench objects come from pattern chains).
.SECONDARY:
SHELL := /bin/bash

VERSION := 0.1.0
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DATADIR ?= $(PREFIX)/share/ruglab

ifneq ($(SANITIZER),)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SAN_FLAGS :=
endif

CC ?= cc
# make V=1 shows the full compiler command lines
ifeq ($(V),1)
Q :=
else
Q = @echo "  CC      $<";
endif
GEN := $(BUILD)/gen
DEPS_STAMP := build/.deps-installed

# $(call pkg_cflags,PACKAGES) and $(call pkg_libs,PACKAGES). Evaluated lazily
# (in recipes): the packages may be installed only once the stamp runs. Their
# headers are system headers (no warnings from them).
pkg_cflags = $(if $(strip $(1)),$(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(sort $(1)))))
pkg_libs = $(if $(strip $(1)),$(shell pkg-config --libs $(sort $(1)))) -lm

# Packages whose headers stay behind a boundary of the design: the database
# client and the wire encoding (behind services/common/wire.c).
# FENCE_<package> names the headers refused to an object without the package.
FENCED := libpq libprotobuf-c
FENCE_libpq := libpq-fe.h
FENCE_libprotobuf-c := protobuf-c/protobuf-c.h

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
        -Wformat=2 -Werror
OPT ?= -O2 -g
CPPFLAGS_ALL = -D_GNU_SOURCE -Iinclude -DRL_VERSION='"$(VERSION)"' \
               -DRL_DATADIR='"$(DATADIR)"' -DRL_SYSCONFDIR='"$(SYSCONFDIR)/ruglab"'
# An object's own flags: the fences of the packages it does not list, its
# OBJ_CPPFLAGS, then its packages' -I flags. OBJ_PKGS and OBJ_CPPFLAGS are
# target-specific variables set below for each object.
OBJ_FLAGS = $(foreach p,$(filter-out $(OBJ_PKGS),$(FENCED)),-I$(BUILD)/fence/$(p)) \
            $(OBJ_CPPFLAGS) $(call pkg_cflags,$(OBJ_PKGS))
CFLAGS_ALL = -std=c11 $(OPT) $(WARN) $(SAN_FLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL = $(SAN_FLAGS) -Wl,--as-needed $(LDFLAGS)

# ---------------------------------------------------------------- modules
PROGRAMS :=
include $(sort $(wildcard services/*/module.mk))

COMMON_SRCS := $(sort $(wildcard services/common/*.c))
COMMON_MODULES := $(basename $(notdir $(COMMON_SRCS)))
PROTO_C := $(GEN)/ruglab.pb-c.c
LIB := $(BUILD)/libruglab.a
LIB_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/ruglab.pb-c.o

# What the shared modules need, and every package any part needs.
COMMON_PKGS := $(sort $(foreach m,$(COMMON_MODULES),$($(m)_PKGS)))
ALL_PKGS := $(sort $(COMMON_PKGS) $(foreach p,$(PROGRAMS),$($(p)_PKGS)))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Test-only programs (senders, fakes) used by the integration tests:
# tests/tools/NAME.c becomes $(BUILD)/tests/NAME, linked like a program.
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

BINS := $(PROGRAMS:%=$(BUILD)/bin/%)

PHONY_EXTRA := print-programs lib fuzz-build fuzz-seeds browser-deps
.PHONY: all deps check unit integration demo clean distclean format format-check install bench fuzz $(PHONY_EXTRA)
all: $(BINS)

# ---------------------------------------------------------------- dependencies
$(DEPS_STAMP): scripts/install-deps.sh
	@mkdir -p $(@D)
	@scripts/install-deps.sh
	@touch $@
deps: $(DEPS_STAMP)

# The browser tests' npm packages (playwright-core, the version pinned by
# tests/browser/package-lock.json) in $(BUILD)/node. No browser is
# downloaded: the tests drive Debian's chromium (/usr/bin/chromium).
NODE_DIR := $(BUILD)/node
NODE_STAMP := $(NODE_DIR)/.installed
$(NODE_STAMP): tests/browser/package.json tests/browser/package-lock.json | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@cp tests/browser/package.json tests/browser/package-lock.json $(@D)/
	@echo "  NPM     $(@D) (npm ci: playwright-core)"
	@PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix $(@D) --no-audit --no-fund --loglevel=error
	@touch $@
browser-deps: $(NODE_STAMP)

# Rebuild everything when the compiler flags or a package list change.
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW = $(CC) $(CPPFLAGS_ALL) $(call pkg_cflags,$(ALL_PKGS)) $(CFLAGS_ALL) $(LDFLAGS_ALL) \
            $(foreach m,$(COMMON_MODULES) $(PROGRAMS),$(m)=$($(m)_PKGS))
$(FLAGS_STAMP): FORCE | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@
# Phony, or .SECONDARY takes it for an intermediate file never worth making.
.PHONY: FORCE
FORCE:

# ---------------------------------------------------------------- protocol
$(GEN)/ruglab.pb-c.c $(GEN)/ruglab.pb-c.h &: proto/ruglab.proto | $(DEPS_STAMP)
	@mkdir -p $(GEN)
	protoc-c --proto_path=proto --c_out=$(GEN) proto/ruglab.proto

# The generated types stay behind the wire module: only wire.o sees them.
$(BUILD)/obj/services/common/wire.o: $(GEN)/ruglab.pb-c.h
$(BUILD)/obj/services/common/wire.o: OBJ_CPPFLAGS := -I$(GEN)
$(BUILD)/obj/gen/ruglab.pb-c.o: OBJ_PKGS := libprotobuf-c

# ---------------------------------------------------------------- packages
# Each object's package list (see the header): a program's objects take the
# program's list, a shared module its own, tests, tools, bench and fuzz
# harnesses every package.
$(foreach m,$(COMMON_MODULES),$(eval $(BUILD)/obj/services/common/$(m).o: OBJ_PKGS := $($(m)_PKGS)))
$(foreach p,$(PROGRAMS),$(eval $($(p)_SRCS:%.c=$(BUILD)/obj/%.o): OBJ_PKGS := $($(p)_PKGS)))
$(BUILD)/obj/tests/%.o: OBJ_PKGS = $(ALL_PKGS)

# A fence header: its path under $(BUILD)/fence/<package>/ is the header's.
FENCE_HDRS := $(foreach p,$(FENCED),$(addprefix $(BUILD)/fence/$(p)/,$(FENCE_$(p))))
fence_pkg = $(firstword $(subst /, ,$(1)))
$(BUILD)/fence/%:
	@mkdir -p $(@D)
	@echo '#error "$(patsubst $(call fence_pkg,$*)/%,%,$*) is not for this object: package $(call fence_pkg,$*) is not in its _PKGS list (module.mk)"' >$@

# ---------------------------------------------------------------- compile
$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP) | $(FENCE_HDRS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(OBJ_FLAGS) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/obj/gen/ruglab.pb-c.o: $(GEN)/ruglab.pb-c.c $(FLAGS_STAMP) | $(FENCE_HDRS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(OBJ_FLAGS) $(filter-out -Wmissing-prototypes,$(CFLAGS_ALL)) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	@rm -f $@ && ar rcs $@ $^

# One rule per program: $(prog)_SRCS and $(prog)_PKGS come from its module.mk.
define PROGRAM_template
$(BUILD)/bin/$(1): $$($(1)_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $$(@D)
	@echo "  LINK    $$@"; $$(CC) $$(LDFLAGS_ALL) -o $$@ $$($(1)_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB) \
	  $$(call pkg_libs,$$($(1)_PKGS) $$(COMMON_PKGS))
endef
$(foreach p,$(PROGRAMS),$(eval $(call PROGRAM_template,$(p))))

$(TOOL_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK    $@"; $(CC) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(call pkg_libs,$(ALL_PKGS))

# A unit test may also link a program's private modules: list them in
# test_<name>_EXTRA (in the program's module.mk).
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $$(call objs_of,$$($$*_EXTRA)) $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK    $@"; $(CC) $(LDFLAGS_ALL) -o $@ $< $(call objs_of,$($*_EXTRA)) $(LIB) $(call pkg_libs,$(ALL_PKGS)) -lcmocka

# ---------------------------------------------------------------- fuzzing
# libFuzzer harnesses tests/fuzz/fuzz_<name>.c, built with clang into
# build/fuzz (the shared library rebuilt with -fsanitize=fuzzer-no-link).
# A harness that needs a program's private files lists them in
# fuzz_<name>_EXTRA (in that program's module.mk).
#   make fuzz            fuzz each harness for FUZZ_SECONDS, starting from its
#                        committed corpus tests/fuzz/corpus/<name>/; new inputs
#                        go to build/fuzz/corpus-<name>/
#   make check           replays every committed corpus (no fuzzing)
FUZZ_BUILD := build/fuzz
FUZZ_SAN := fuzzer-no-link,address,undefined
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
fuzz_objs = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_$(1).c $(fuzz_$(1)_EXTRA))

lib: $(LIB)

define FUZZ_LINK
	@echo "  LINK    $(FUZZ_BUILD)/fuzz_$(1)"; clang -fsanitize=fuzzer,address,undefined -o $(FUZZ_BUILD)/fuzz_$(1) $(call fuzz_objs,$(1)) $(FUZZ_BUILD)/libruglab.a $(call pkg_libs,$(ALL_PKGS))

endef
define FUZZ_RUN
	mkdir -p $(FUZZ_BUILD)/corpus-$(1)
	$(FUZZ_BUILD)/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -max_len=1200000 $(FUZZ_BUILD)/corpus-$(1) tests/fuzz/corpus/$(1)

endef

fuzz-build: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SANITIZER=$(FUZZ_SAN) lib \
	  $(foreach n,$(FUZZ_NAMES),$(call fuzz_objs,$(n)))
	$(foreach n,$(FUZZ_NAMES),$(call FUZZ_LINK,$(n)))

fuzz: fuzz-build
	$(foreach n,$(FUZZ_NAMES),$(call FUZZ_RUN,$(n)))

# Regenerates the decode harness's seeds (valid Envelopes of every body type).
fuzz-seeds: $(BUILD)/tests/gen_seeds
	mkdir -p tests/fuzz/corpus/decode && $(BUILD)/tests/gen_seeds tests/fuzz/corpus/decode
$(BUILD)/tests/gen_seeds: $(BUILD)/obj/tests/fuzz/gen_seeds.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(call pkg_libs,$(ALL_PKGS))

# ---------------------------------------------------------------- tests
# valgrind and the sanitizers do not mix: no valgrind pass in a SANITIZER build.
RUN_ENV = BUILD=$(BUILD) VALGRIND=$(if $(SANITIZER),0,1)
check: format-check all $(UNIT_BINS) $(TOOL_BINS) fuzz-build $(NODE_STAMP)
	@$(RUN_ENV) tests/run.sh

unit: all $(UNIT_BINS)
	@$(RUN_ENV) tests/run.sh unit

integration: all $(TOOL_BINS) $(NODE_STAMP)
	@BUILD=$(BUILD) tests/run.sh integration

demo: all
	@BUILD=$(BUILD) scripts/demo.sh

BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
# A bench program may link a program's private modules: <name>_EXTRA.
$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $$(call objs_of,$$($$*_EXTRA)) $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK    $@"; $(CC) $(LDFLAGS_ALL) -o $@ $< $(call objs_of,$($*_EXTRA)) $(LIB) $(call pkg_libs,$(ALL_PKGS))

bench: all $(BENCH_BINS)
	@BUILD=$(BUILD) scripts/bench.sh

# ---------------------------------------------------------------- style
# The tracked C sources (every C source below include/, services/ and tests/
# outside a git checkout).
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find include services tests -name '*.[ch]' | sort)
format: $(DEPS_STAMP)
	clang-format -i $(FORMAT_SRCS)
format-check: $(DEPS_STAMP)
	clang-format --dry-run --Werror $(FORMAT_SRCS)

# ---------------------------------------------------------------- install
# Debian-style: make install PREFIX=/usr SYSCONFDIR=/etc DESTDIR=debian/tmp
BINDIR ?= $(PREFIX)/bin
DOCDIR ?= $(PREFIX)/share/doc/ruglab
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/sql $(DESTDIR)$(DATADIR)/examples \
	  $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 deploy/sql/*.sql $(DESTDIR)$(DATADIR)/sql/
	install -m 0644 deploy/db-setup.sql $(DESTDIR)$(DATADIR)/
	$(if $(wildcard deploy/*.conf.example),install -m 0644 $(wildcard deploy/*.conf.example) $(DESTDIR)$(DATADIR)/examples/)
	@# the web's example names the folders of this PREFIX (the committed one: the default's)
	$(BUILD)/bin/ruglab-web --example-config >$(DESTDIR)$(DATADIR)/examples/web.conf.example
	$(if $(wildcard deploy/reference/*),install -d $(DESTDIR)$(DATADIR)/reference && install -m 0644 $(wildcard deploy/reference/*) $(DESTDIR)$(DATADIR)/reference/)
	install -d $(DESTDIR)$(DATADIR)/exercises && install -m 0644 deploy/exercises/* $(DESTDIR)$(DATADIR)/exercises/
	install -m 0644 deploy/systemd/*.service deploy/systemd/*.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -d $(DESTDIR)$(DATADIR)/web/static $(addprefix $(DESTDIR)$(DATADIR)/web/templates/,$(notdir $(wildcard deploy/web/templates/*)))
	$(foreach l,$(notdir $(wildcard deploy/web/templates/*)),install -m 0644 $(wildcard deploy/web/templates/$(l)/*.html) $(DESTDIR)$(DATADIR)/web/templates/$(l)/ &&) true
	install -m 0644 deploy/web/static/* $(DESTDIR)$(DATADIR)/web/static/
	install -m 0644 deploy/sysusers/ruglab.conf $(DESTDIR)$(SYSUSERSDIR)/ruglab.conf
	install -m 0644 README.md proto/ruglab.proto $(DESTDIR)$(DOCDIR)/

print-programs:
	@echo $(PROGRAMS)

clean:
	rm -rf build/bin build/obj build/tests build/lib* build/san build/gen build/fence build/.flags

distclean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
