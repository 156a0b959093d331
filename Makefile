# l2pwd: see README.md.  `make` builds, `make check` tests, `make demo` shows.
#
# Variants: SAN=1 builds with ASan+UBSan into build-san/; fuzz targets build
# with clang's libFuzzer into build-fuzz/.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= gcc
SAN ?= 0

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS =
endif

WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
       -Wpointer-arith -Wcast-qual -Wsign-compare -Wimplicit-fallthrough
PKGS = libconfuse nettle libmnl libpcap libbpf jansson
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE -Ipwd -Icfg -Ibcp -Ixdp \
	     -I$(BUILD)/xdp $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

MAINS = pwd/main.c pwd/l2pwctl.c
LIB_SRCS = $(filter-out $(MAINS),$(sort $(wildcard pwd/*.c cfg/*.c bcp/*.c xdp/loader*.c)))
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
BPF_SRCS = $(sort $(wildcard xdp/*.bpf.c))
BPF_OBJS = $(BPF_SRCS:xdp/%.bpf.c=$(BUILD)/xdp/%.bpf.o)
BPF_SKELS = $(BPF_SRCS:xdp/%.bpf.c=$(BUILD)/xdp/%.skel.h)

.PHONY: all deps units check demo bench fuzz fuzz-build install clean
all: $(BUILD)/l2pwd $(BUILD)/l2pwctl

deps:
	@scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libl2pw.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/l2pwd: $(BUILD)/obj/pwd/main.o $(BUILD)/libl2pw.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/l2pwctl: $(BUILD)/obj/pwd/l2pwctl.o $(BUILD)/libl2pw.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# eBPF: CO-RE against the running kernel's BTF, skeletons for the loader.
$(BUILD)/xdp/vmlinux.h:
	@mkdir -p $(@D)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

# -mcpu=v3: atomic fetch-and-add (per-session sequence numbers) needs it.
$(BUILD)/xdp/%.bpf.o: xdp/%.bpf.c $(wildcard xdp/*.h) $(BUILD)/xdp/vmlinux.h
	clang -O2 -g -Wall -Werror -mcpu=v3 -target bpf -D__TARGET_ARCH_x86 -I$(BUILD)/xdp -Ixdp -c -o $@ $<

$(BUILD)/xdp/%.skel.h: $(BUILD)/xdp/%.bpf.o
	bpftool gen skeleton $< > $@.tmp && mv $@.tmp $@

# Only order-only prerequisites reach these: without this make deletes them
# as intermediates, and the next build of xdp/loader.c misses the skeletons.
.SECONDARY: $(BUILD)/xdp/vmlinux.h $(BPF_OBJS) $(BPF_SKELS)

# Unit tests link the real library objects.
UNIT_HELPERS = $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c tests/unit/*.h))
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libl2pw.a $(UNIT_HELPERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libl2pw.a $(LDLIBS) $(CHECK_LIBS)

units: $(UNIT_BINS)

# BPF tools for the namespace checks in tests/bpf/ (same flags as the daemon).
$(BUILD)/tests/bpf/%: tests/bpf/%.c $(BUILD)/libl2pw.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libl2pw.a $(LDLIBS)

# libFuzzer: every target links the real parsers, instrumented once
# (fuzzer-no-link) in build-fuzz/obj/ rather than recompiled per target.
FUZZ_CFLAGS = -std=gnu11 -O1 -g -D_GNU_SOURCE -Ipwd -Icfg -Ibcp -Ixdp -I$(BUILD)/xdp \
	      $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJS = $(LIB_SRCS:%.c=build-fuzz/obj/%.o)
build-fuzz/obj/%.o: %.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<
build-fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS) | $(BPF_SKELS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OBJS) $(LDLIBS)
.SECONDARY: $(FUZZ_OBJS)

fuzz-build: $(FUZZ_BINS)

# FUZZ_SECONDS per target (make check runs a short pass through tests/run.sh).
FUZZ_SECONDS ?= 60
fuzz: deps fuzz-build
	@for f in $(FUZZ_BINS); do tests/fuzz/run-one.sh $$f $(FUZZ_SECONDS) || exit 1; done

check: deps
	@tests/run.sh

demo: deps all
	@examples/site-to-site/demo.sh

# Side-by-side data-path figures (bench/run.sh; BENCH_SECONDS, BENCH_ONLY).
bench: deps all
	@bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/l2pwd $(BUILD)/l2pwctl $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 man/l2pwd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/l2pwd.8 man/l2pwctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj build-fuzz/obj -name '*.d' 2>/dev/null)
