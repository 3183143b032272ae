# kemu: one non-recursive Makefile.  `make` builds kemu and kemu-img;
# `make check` sets up what is missing and runs the tests; `make demo` boots
# a guest; `make bench` compares with QEMU; `make deps` installs packages.

-include config.mak

WERROR ?= 1
V ?= 0
WARNINGS := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wshadow=local -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARNINGS) -I. -D_GNU_SOURCE -MMD -MP $(CFLAGS) $(CONFIG_CFLAGS)
LDLIBS := $(CONFIG_LIBS) -lpthread -lm -lutil

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Sources: every .c in a layer folder is part of kemu; sources that need an
# optional library are listed here and replaced by their stub when it is off.
LAYER_SRC := $(wildcard cpu/*.c translate/*.c accel/*.c hw/*/*.c ui/*.c)
MAIN_SRC := ui/main.c
IMG_MAIN_SRC := $(wildcard ui/kemu-img*.c)
COMPARE_SRC := $(wildcard ui/kemu-compare*.c)
STUB_SRC := $(wildcard */*-stub.c */*/*-stub.c)
OPT_kvm := accel/kvm.c accel/kvm-cpu.c accel/kvm-regs.c accel/kvm-cpuid.c
OPT_sdl := ui/sdl.c
OPT_curses := ui/curses.c
OPT_vncauth := ui/vnc-auth.c
OPT_slirp := hw/net/slirp.c
OPT_capstone := cpu/disas.c
OPT_jit := translate/backend-x86_64.c translate/x86-encoder.c translate/codebuf.c $(wildcard translate/native-*.c)
OPT_nettle := hw/block/crypto-nettle.c
OPT_nbd := hw/block/nbd.c hw/block/nbd-lib.c
DISABLED :=
STUB_ON :=
define optional
ifneq ($$(HAVE_$(1)),yes)
DISABLED += $$(OPT_$(2))
STUB_ON += $$(wildcard $$(patsubst %.c,%-stub.c,$$(firstword $$(OPT_$(2)))))
endif
endef
$(eval $(call optional,KVM,kvm))
$(eval $(call optional,SDL,sdl))
$(eval $(call optional,CURSES,curses))
$(eval $(call optional,SLIRP,slirp))
$(eval $(call optional,CAPSTONE,capstone))
$(eval $(call optional,JIT,jit))
$(eval $(call optional,NETTLE,nettle))
$(eval $(call optional,NETTLE,vncauth))
$(eval $(call optional,NBD,nbd))
LIB_SRC := $(filter-out $(MAIN_SRC) $(IMG_MAIN_SRC) $(COMPARE_SRC) $(STUB_SRC) $(DISABLED),$(LAYER_SRC)) $(STUB_ON)
LIB_OBJ := $(LIB_SRC:.c=.o) hw/pc/linuxboot-rom.o

# kemu-img needs the block layer and the core helpers only.
IMG_LIB_SRC := $(wildcard hw/block/*.c) hw/core/error.c hw/core/util.c hw/core/aio.c
IMG_LIB_OBJ := $(patsubst %.c,%.o,$(filter $(LIB_SRC),$(IMG_LIB_SRC)))

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(UNIT_SRC:.c=.o) tests/diff/host-model.o
DIFF_SRC := $(wildcard tests/diff/*.c)
DIFF_OBJ := $(DIFF_SRC:.c=.o)

# Guest programs: *.bios.S -> 64 KiB -bios image; *.mb.S -> Multiboot ELF.
GUEST_BIOS := $(patsubst %.S,%.bin,$(wildcard tests/guest/*.bios.S))
GUEST_MB := $(patsubst %.S,%.elf,$(wildcard tests/guest/*.mb.S))
GUESTS := $(GUEST_BIOS) $(GUEST_MB)

PROGS := kemu kemu-img kemu-compare
TEST_PROGS := tests/unit/unit-tests $(if $(wildcard tests/diff/difftest.c),tests/diff/difftest)

all: $(PROGS)

# Set-up order: the goals that set a machine up install the Debian
# packages before configure probes for them, so a fresh clone's first
# `make check` builds the full kemu.  configure runs again, with the options
# it was last given, whenever what it would find changes (its stamp of the
# probed packages' versions) or the script itself changes.
SETUP_GOALS := check check-sanitize check-tsan check-kut demo bench fuzz-cpu fuzz-guest
PROBE_CHANGED := $(if $(wildcard config.mak),$(filter-out $(CONFIG_PROBE),$(shell ./configure --print-probe)))
config.mak: configure $(if $(PROBE_CHANGED),FORCE)
	$(if $(filter $(SETUP_GOALS),$(MAKECMDGOALS)),@sh tests/deps.sh)
	./configure $(CONFIG_ARGS)
config.h: config.mak
	@:
FORCE:

%.o: %.c config.h
	@$(if $(filter 0,$(V)),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

kemu: $(MAIN_SRC:.c=.o) $(LIB_OBJ)
	@$(if $(filter 0,$(V)),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

kemu-img: $(IMG_MAIN_SRC:.c=.o) $(IMG_LIB_OBJ)
	@$(if $(filter 0,$(V)),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# kemu-compare runs the emulators as programs: it links nothing of kemu.
kemu-compare: $(COMPARE_SRC:.c=.o)
	@$(if $(filter 0,$(V)),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^

tests/unit/unit-tests: $(UNIT_OBJ) $(LIB_OBJ)
	@$(if $(filter 0,$(V)),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

tests/diff/difftest: $(DIFF_OBJ) $(LIB_OBJ)
	@$(if $(filter 0,$(V)),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

tests/guest/%.bios.bin: tests/guest/%.bios.S tests/guest/bios.ld tests/guest/guest.h
	@$(if $(filter 0,$(V)),echo "  GUEST   $@")
	$(Q)$(CC) -m32 -nostdlib -ffreestanding -I. -c -o $(@:.bin=.o) $<
	$(Q)ld -m elf_i386 -T tests/guest/bios.ld -o $(@:.bin=.elf) $(@:.bin=.o)
	$(Q)objcopy -O binary $(@:.bin=.elf) $@

tests/guest/%.mb.elf: tests/guest/%.mb.S tests/guest/multiboot.ld tests/guest/guest.h
	@$(if $(filter 0,$(V)),echo "  GUEST   $@")
	$(Q)$(CC) -m32 -nostdlib -ffreestanding -I. -c -o $(@:.elf=.o) $<
	$(Q)ld -m elf_i386 -T tests/guest/multiboot.ld -o $@ $(@:.elf=.o)

guests: $(GUESTS)

# Option ROMs of our own (roms/*.S): 16-bit code from offset 0, padded and
# checksummed by roms/romsign; kemu carries them (hw/pc/linuxboot-rom.S).
roms/romsign: roms/romsign.c
	@$(if $(filter 0,$(V)),echo "  HOSTCC  $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $<

roms/%.bin: roms/%.S roms/romsign
	@$(if $(filter 0,$(V)),echo "  ROM     $@")
	$(Q)$(CC) -m32 -nostdlib -ffreestanding -c -o $(@:.bin=.o) $<
	$(Q)ld -m elf_i386 -Ttext=0 -e _start -o $(@:.bin=.elf) $(@:.bin=.o)
	$(Q)objcopy -O binary -j .text $(@:.bin=.elf) $(@:.bin=.raw)
	$(Q)roms/romsign $(@:.bin=.raw) $@

hw/pc/linuxboot-rom.o: hw/pc/linuxboot-rom.S roms/linuxboot_dma.bin
	@$(if $(filter 0,$(V)),echo "  AS      $@")
	$(Q)$(CC) -c -o $@ $<

tests: $(PROGS) $(TEST_PROGS) $(GUESTS)

deps:
	@sh tests/deps.sh

check: deps config.mak
	$(MAKE) tests
	@sh tests/fetch-assets.sh
	@sh tests/run

# The sanitizer leg (CI): unit, guest and image tests on an ASan/UBSan
# build (warnings are not errors here: the sanitizers change what GCC
# warns about, the normal build enforces them).  Instrumented code runs
# two to three times slower, so the guest tests' hang timeout is tripled.
# The tree is configured back to a normal build afterwards.
check-sanitize: deps
	./configure --enable-sanitizers
	$(MAKE) clean-objs
	$(MAKE) WERROR=0 tests
	@ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		GUEST_TIMEOUT=180 sh tests/run unit guest img; rc=$$?; ./configure $(CONFIG_ARGS) >/dev/null; exit $$rc

# The ThreadSanitizer leg (CI): a TSan build of kemu alone (warnings not
# errors, as above) on the threaded TCG paths, native backend:
# tests/guest/mttcg.test on -smp 2/4 (atomics, split locks, code and TLB
# changes across vCPUs, wakeups, info cpus, stop/cont/system_reset; not
# its litmus tests, minutes of spinning on guest RAM that TSan does not
# see), then Linux with -smp 2 (PCI BARs mapped while the APs run).  Any
# report not in tests/tsan.supp fails it, also from runs whose exit status
# the test does not judge.  The tree is configured back afterwards.
TSAN_GUESTS := $(patsubst %,tests/guest/%.bios.bin,mttcg-atomic mttcg-split mttcg-smc mttcg-tlb smp-wake ticker)
check-tsan: deps
	./configure --enable-tsan
	$(MAKE) clean-objs
	$(MAKE) WERROR=0 kemu $(TSAN_GUESTS)
	@sh tests/fetch-assets.sh
	@d=$$(mktemp -d); rc=0; \
	export TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$(CURDIR)/tests/tsan.supp log_path=$$d/report"; \
	TCG_BACKENDS=native MTTCG_PROGS="mttcg-atomic mttcg-split mttcg-smc mttcg-tlb smp-wake" \
		GUEST_TIMEOUT=300 sh tests/guest/mttcg.test || rc=1; \
	TCG_BACKENDS=native MTTCG_SMP=2 sh tests/system/linux-mttcg.test || rc=1; \
	if ls $$d/report.* > /dev/null 2>&1; then cat $$d/report.*; rc=1; \
		echo "FAIL: tsan: ThreadSanitizer reported races (above)"; \
	else echo "PASS: tsan: no ThreadSanitizer report"; fi; \
	rm -rf $$d; ./configure $(CONFIG_ARGS) > /dev/null; exit $$rc

demo: deps config.mak
	$(MAKE) all guests
	@sh tests/fetch-assets.sh
	@sh tests/demo.sh

bench: deps config.mak
	$(MAKE) all guests
	@sh tests/fetch-assets.sh
	@sh tests/bench/run.sh

fuzz-cpu: deps config.mak
	$(MAKE) tests
	@sh tests/run diff-long

# The hostile guest program (tests/guest/hostile.test) for FUZZ_SECS
# (default 600); FUZZ_SEED and FUZZ_ITER replay a reported failure.
fuzz-guest: config.mak
	$(MAKE) kemu tests/guest/hostile.bios.bin
	@HOSTILE_SECS=$(or $(FUZZ_SECS),600) FUZZ_SEED=$(FUZZ_SEED) FUZZ_ITER=$(FUZZ_ITER) \
		sh tests/guest/hostile.test

# libFuzzer on the qcow2 open path for a bounded time (FUZZ_SECS, default 60).
fuzz-img: config.mak
	$(MAKE) kemu-img
	@sh tests/fuzz/run.sh $(or $(FUZZ_SECS),60)

# libFuzzer on the device models (tests/fuzz/fuzz-device.c): each profile
# (ide, ide-cd, virtio-blk, virtio-blk-modern, floppy, piix4-pm, fw_cfg, vga,
# e1000, rtl8139, virtio-net, virtio-net-modern, uhci) for FUZZ_SECS (default 60).
fuzz-dev: config.mak
	@sh tests/fuzz/run-dev.sh $(or $(FUZZ_SECS),60)

# kvm-unit-tests (x86_64) under kemu's TCG: built out of tree from KUT_SRC
# (default ../shared/kvm-unit-tests beside the repository), see tests/kut/.
KUT_SRC ?= ../shared/kvm-unit-tests
check-kut: config.mak
	$(MAKE) kemu
	@KUT_SRC=$(KUT_SRC) bash tests/kut/run.sh

clean-objs:
	rm -f $(shell find . -name '*.o' -o -name '*.d' | grep -v '^./.git') $(PROGS) $(TEST_PROGS)
	rm -f tests/guest/*.bin tests/guest/*.elf roms/*.bin roms/*.elf roms/*.raw roms/romsign

clean: clean-objs
	rm -f config.mak config.h

.PHONY: all check check-sanitize check-tsan demo bench deps clean clean-objs guests tests fuzz-cpu fuzz-img fuzz-dev \
	check-kut

-include $(shell find . -name '*.d' -not -path './.git/*' 2>/dev/null)
