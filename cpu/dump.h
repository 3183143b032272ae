/* `info registers`: a CPU's state in QEMU's layout. */
#ifndef KEMU_DUMP_H
#define KEMU_DUMP_H

#include "cpu/cpu.h"

/* The register dump as text (malloc'd; lines end in '\n').  The caller
 * syncs the state from the engine first (accel->sync_state). */
char *cpu_dump_state(const CPUState *cpu);

#endif
