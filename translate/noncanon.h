/* The exception (EXC_SS or EXC_GP) for a non-canonical access at la by the
 * instruction at env->rip (see translate/noncanon.c). */
#ifndef KEMU_TRANSLATE_NONCANON_H
#define KEMU_TRANSLATE_NONCANON_H

#include <stdint.h>

#include "cpu/cpu.h"

int noncanonical_vector(CPUState *cpu, uint64_t la);

#endif
