/* The CPU model the host-comparison tests give kemu.
 *
 * Differential tests (tests/diff/difftest, the *_vs_host unit tests and
 * tests/diff/sys.test through `difftest --host-model`) compare kemu with
 * the processor they run on, so kemu must behave as that processor's
 * vendor does: they run it with a named model of the host's vendor
 * (Intel: Nehalem; any other, AMD's and Hygon's: qemu64, AMD as in QEMU)
 * and, where a test runs the host's own instructions, with the host's
 * CPUID feature words.  The vendor is the host's CPUID leaf 0, unless
 * KEMU_TEST_HOST_VENDOR (GenuineIntel or AuthenticAMD) names it: that
 * forces only this decision, to exercise the selection on any host, never
 * a comparison's result. */
#ifndef KEMU_TEST_HOST_MODEL_H
#define KEMU_TEST_HOST_MODEL_H

#include <stdbool.h>

#include "cpu/cpu.h"

/* The host's CPUID vendor string (or the override); "" off x86. */
const char *host_vendor(void);
bool host_is_intel(void);
/* The name of the model of the host's vendor (see above). */
const char *host_model_name(void);
/* Give cpu that model and the host's feature words; false when the host
 * is not x86 (cpu is left alone). */
bool host_model_apply(CPUState *cpu);

#endif
