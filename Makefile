# dolab — build, set-up and tests.  A newcomer types `make run` or `make test` (they install
# what is missing first).  Everything else is here for developers: `make` (builds, and says what
# is missing; it never installs anything), `make deps`, `make test-asan`, `make bench`,
# `make fuzz`, `make install`.  `make V=1` shows the full compiler command lines.

CC      ?= cc
PKGS    := lua5.4 ncursesw libcjson openblas
# The Debian package that provides each pkg-config name above (same order).
PKG_DEBS := liblua5.4-dev libncurses-dev libcjson-dev libopenblas-dev
DEBS    := $(PKG_DEBS) pkg-config python3 tmux parallel gnuplot-nox graphviz
BUILD   ?= build
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wvla
OPT     ?= -O2
SAN     ?=
# Deferred (=) so pkg-config runs after `make deps` has installed what it looks for.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L -g $(OPT) $(SAN) $(WARN) -Isrc $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(SAN) $(PKG_LIBS) -lpthread -lm $(LDLIBS)

LIB_SRC  := $(shell find src -name '*.c' ! -path src/main.c | sort)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BIN      := $(if $(SAN),$(BUILD)/dolab,dolab)

.PHONY: all build deps setup check-libs run test test-asan clean bench bench-torch model install uninstall \
        test-slurm bench-layout-graphviz bench-kernels fuzz fuzz-deps fuzz-build fuzz-smoke fuzz-campaign

# Plain `make`: builds, or says which libraries are missing and that `make deps` installs them.
all: check-libs
	@$(MAKE) --no-print-directory build

# `make run`, `make test`...: install what is missing, then build.
setup: deps
	@$(MAKE) --no-print-directory build

build: $(BIN) $(TEST_BIN)

check-libs:
	@command -v pkg-config >/dev/null || { \
	  echo "make: pkg-config is missing (Debian: pkg-config); \`make deps\` installs it and the libraries" >&2; exit 1; }; \
	missing=""; set -- $(PKG_DEBS); \
	for p in $(PKGS); do \
	  pkg-config --exists $$p || missing="$$missing $$p (Debian: $$1)"; shift; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: missing libraries:$$missing; \`make deps\` installs them" >&2; exit 1; fi

# Installs the Debian packages that are missing, and nothing when all are there.
# $(call apt_install,WHO,PACKAGES): installs those of the Debian PACKAGES that are missing
# (as root, or through sudo), and nothing when all are there.
apt_install = missing=""; \
	for p in $(2); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "$(1): missing$$missing and no apt-get here: install them by hand" >&2; exit 1; fi; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "$(1): installing$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

deps:
	@$(call apt_install,make deps,$(DEBS))

# The commit goes into version.o only, rebuilt whenever git's HEAD or index changes.
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
$(BUILD)/src/cli/version.o: CFLAGS += -DDOLAB_COMMIT='"$(COMMIT)"'
$(BUILD)/src/cli/version.o: $(wildcard .git/HEAD .git/index)

Q := $(if $(V),,@)
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libdolab.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(BUILD)/libdolab.a
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libdolab.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL)

# On a terminal: the notebook TUI (with models/default.ckpt when it is there); otherwise the
# baselines' table.
run: setup
	@if [ -t 0 ] && [ -t 1 ]; then ./dolab tui; else ./dolab baselines; fi

# The model the TUI opens with: experiments/heldout_links.lua with its own settings, seed 1.
# Its run is recorded in models/notebook.json.
model: setup
	@mkdir -p models
	./dolab run experiments/heldout_links.lua --seed 1 -o models/default.ckpt --notebook models/notebook.json

# The checkpoint lesson 5 (experiments/lessons/05_shortcut.lua) uses: experiments/shortcut.lua,
# seed 1 (a few minutes).  Its run is recorded in models/lessons-notebook.json.
.PHONY: lesson-models
lesson-models: setup
	@mkdir -p models
	./dolab run experiments/shortcut.lua --seed 1 -o models/shortcut.ckpt --notebook models/lessons-notebook.json

test: setup
	@DOLAB=./dolab BUILD=$(BUILD) bash tests/run.sh

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder.
test-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  DOLAB=build-asan/dolab BUILD=build-asan bash tests/run.sh

# A real single-node Slurm cluster (slurmctld, slurmd, munge; installed with apt-get when missing)
# runs a sweep as a job array.  Needs root; skipped with the reason otherwise.
test-slurm: all
	@DOLAB=./dolab timeout 1800 bash tests/slurm/test_slurm.sh

# Speed figures (benchmarks print numbers; they are not tests).
bench: setup
	./dolab bench world
	./dolab bench train
	./dolab bench eval
	./dolab bench heldout
	./dolab bench layout

clean:
	rm -rf build build-asan build-fuzz build-fuzz-fast dolab

# Installs the binary, the man page and dolab's data (lua/, themes/, experiments/, the shipped
# model) under PREFIX; dolab finds its data in ../share/dolab beside the binary, so the staged
# tree works wherever DESTDIR puts it.  `make install DESTDIR=$$PWD/stage PREFIX=/usr`.
PREFIX  ?= /usr/local
DESTDIR ?=
DATADIR  = $(DESTDIR)$(PREFIX)/share/dolab
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DATADIR)
	install -m 755 dolab $(DESTDIR)$(PREFIX)/bin/dolab
	install -m 644 docs/dolab.1 $(DESTDIR)$(PREFIX)/share/man/man1/dolab.1
	@for f in $$(find lua themes experiments -type f \( -name '*.lua' -o -name '*.json' \) | sort); do \
	  install -D -m 644 "$$f" "$(DATADIR)/$$f" || exit 1; done
	@if [ -f models/default.ckpt ]; then install -D -m 644 models/default.ckpt $(DATADIR)/models/default.ckpt; \
	else echo "make install: no models/default.ckpt (\`make model\` makes it): installed without a model" >&2; fi
	@echo "installed dolab in $(DESTDIR)$(PREFIX) (data in $(DATADIR))"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dolab $(DESTDIR)$(PREFIX)/share/man/man1/dolab.1
	rm -rf $(DATADIR)

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/main.d $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d)

# The PyTorch reference of `dolab bench train` (bench/torch_ref.py: the same GPT, weighted loss
# and AdamW, full logits as PyTorch would compute them), run beside dolab's own figures with the
# dolab/torch ratios.  Installs Debian's python3-torch (large) if it is missing.  A benchmark,
# never part of `make test`.  Debian's torch lives in /usr/bin/python3's packages, so that
# interpreter is used when the `python3` on PATH cannot import torch.  BENCH_ARGS go to both
# sides (--dim 32 --batch 64: the model experiments/heldout_links.lua trains).
BENCH_ARGS ?=
bench-torch: setup
	@dpkg-query -W -f='$${Status}' python3-torch 2>/dev/null | grep -q 'install ok installed' || { \
	  if ! command -v apt-get >/dev/null; then \
	    echo "make bench-torch: python3-torch is missing and no apt-get here: install PyTorch by hand" >&2; exit 1; fi; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "make bench-torch: installing python3-torch"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-torch; }
	@out=$$(./dolab bench train $(BENCH_ARGS)) || exit 1; echo "$$out"; \
	tps=$$(echo "$$out" | awk '{ for (i = 2; i <= NF; i++) if ($$i == "tokens/s") printf "%s:%s ", $$1, $$(i - 1) }'); \
	[ -n "$$tps" ] || { echo "make bench-torch: no tokens/s figures in dolab's output" >&2; exit 1; }; \
	py=python3; $$py -c 'import torch' 2>/dev/null || { [ -x /usr/bin/python3 ] && py=/usr/bin/python3; }; \
	$$py bench/torch_ref.py $(BENCH_ARGS) --dolab-tokens-per-s $$tps

# The sgemm calls of one training step on OpenBLAS, BLIS and libxsmm side by side (issue 13:
# choose kernels by numbers).  Like Graphviz above, BLIS and libxsmm are not dependencies of
# dolab: this installs Debian's libblis4 and libxsmm-dev only when missing, only for this.
# KERNEL_ARGS: --dim C --batch B --context T --vocab V --layers L --rounds R.
KERNEL_ARGS ?=
bench-kernels: check-libs
	@{ pkg-config --exists libxsmm 2>/dev/null && ldconfig -p | grep -q libblis.so.4; } || { \
	  if ! command -v apt-get >/dev/null; then \
	    echo "make bench-kernels: libxsmm-dev or libblis4 is missing and no apt-get here: install them by hand" >&2; exit 1; fi; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "make bench-kernels: installing libxsmm-dev and libblis4"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libxsmm-dev libblis4; }
	@mkdir -p $(BUILD)/bench
	$(Q)$(CC) -std=c11 -O2 $(WARN) $$(pkg-config --cflags openblas libxsmm) bench/kernels.c -o $(BUILD)/bench/kernels \
	  $$(pkg-config --libs libxsmm openblas) -ldl -lm
	$(BUILD)/bench/kernels $(KERNEL_ARGS)

# The World pane's DAG with Graphviz's layered layout (dot's ranks and order) beside
# `dolab bench layout`'s own rows: the measurement behind choosing our own ordering
# (docs/results.md).  Graphviz is not a dependency of dolab: this installs Debian's
# libgraphviz-dev only when it is missing and only for this benchmark, never for `make test`.
bench-layout-graphviz: all
	@pkg-config --exists libgvc 2>/dev/null || { \
	  if ! command -v apt-get >/dev/null; then \
	    echo "make bench-layout-graphviz: libgraphviz-dev is missing and no apt-get here: install it by hand" >&2; exit 1; fi; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "make bench-layout-graphviz: installing libgraphviz-dev"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libgraphviz-dev; }
	@mkdir -p $(BUILD)/bench
	$(Q)$(CC) $(CFLAGS_ALL) $$(pkg-config --cflags libgvc) bench/layout_graphviz.c $(BUILD)/libdolab.a \
	  -o $(BUILD)/bench/layout_graphviz $$(pkg-config --libs libgvc) $(LDLIBS_ALL)
	./dolab bench layout
	@echo
	$(BUILD)/bench/layout_graphviz

# ---- fuzzing ------------------------------------------------------------------------------------
# libFuzzer targets in tests/fuzz (one per loader; the JSON ones with a structure-aware
# mutator), built with Debian's clang under ASan+UBSan in build-fuzz/.  `make fuzz` runs each
# for FUZZ_TIME seconds (0: no limit) on its seed corpus (tests/fuzz/corpus/TARGET, in git; the
# theme and Lua targets also read themes/ and experiments/ themselves) plus what it found
# before (build-fuzz/corpus/TARGET); a crash is kept in build-fuzz/crashes/
# and fails the run.  FUZZ_TARGETS picks targets, FUZZ_ARGS adds libFuzzer flags
# (`make fuzz FUZZ_TIME=0 FUZZ_TARGETS=ckpt FUZZ_ARGS=-runs=10000000`).  `make fuzz-smoke` is
# the short run CI does.  `make fuzz-campaign` runs FUZZ_RUNS inputs per target on a faster
# build without ASan (build-fuzz-fast/, UBSan only, about 2-3x the rate), then replays the whole
# corpus it grew under ASan+UBSan (tests/fuzz/campaign.sh; figures in build-fuzz/campaign.txt).
# The fuzz builds give up drawing after 100 rejected worlds (EP_MAX_DRAWS, 10,000 elsewhere): an
# experiment whose filters accept nothing reaches its error in milliseconds, not seconds.
FUZZ_DEBS    := clang libclang-rt-14-dev
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_ARGS    ?=
FUZZ_BUILD   := build-fuzz
FUZZ_TARGETS ?= ckpt ckpt_raw exp notebook theme stream lua
FUZZ_JSON    := ckpt exp notebook theme
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SAN_FAST := -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
                 -fsanitize-coverage-ignorelist=tests/fuzz/coverage_ignore.txt
FUZZ_RUNS    ?= 10000000
FUZZ_CFLAGS   = -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 $(WARN) -Isrc -Itests/fuzz $(PKG_CFLAGS) $(FUZZ_SAN) -DEP_MAX_DRAWS=100
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)

fuzz-deps:
	@$(call apt_install,make fuzz,$(FUZZ_DEBS))

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  FUZZ  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libdolab.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZ_JSON:%=$(FUZZ_BUILD)/fuzz_%): FUZZ_EXTRA = tests/fuzz/json_mutator.c
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h tests/fuzz/json_mutator.c tests/fuzz/json_mutator.h $(FUZZ_BUILD)/libdolab.a
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_EXTRA) $(FUZZ_BUILD)/libdolab.a $(PKG_LIBS) -lpthread -lm -o $@

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: deps fuzz-deps
	@$(MAKE) --no-print-directory fuzz-build
	@mkdir -p $(FUZZ_BUILD)/crashes; fail=0; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  case $$t in theme) seeds=themes;; lua) seeds=experiments;; *) seeds=;; esac; \
	  $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- $(FUZZ_ARGS) $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t $$seeds \
	    > $(FUZZ_BUILD)/$$t.log 2>&1; rc=$$?; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_BUILD)/$$t.log | tail -n 1); \
	  if [ $$rc = 0 ]; then echo "fuzz $$t: $${runs:-?} inputs, no crash"; \
	  else fail=1; grep -E 'ERROR|SUMMARY|property failed|Test unit written' $(FUZZ_BUILD)/$$t.log | head -n 8; \
	    echo "fuzz $$t: FAILED after $${runs:-?} inputs (exit $$rc; log $(FUZZ_BUILD)/$$t.log)"; fi; \
	done; exit $$fail

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_TIME=4

fuzz-campaign: deps fuzz-deps
	@$(MAKE) --no-print-directory fuzz-build
	@$(MAKE) --no-print-directory fuzz-build FUZZ_BUILD=build-fuzz-fast FUZZ_SAN="$(FUZZ_SAN_FAST)"
	@sh tests/fuzz/campaign.sh $(FUZZ_RUNS) $(FUZZ_TARGETS)

-include $(FUZZ_LIB_OBJ:.o=.d)
