/* Multi-threaded TCG (-accel tcg,thread=multi): one host thread per vCPU
 * (accel/tcg-mt.c) and the stop-the-world sections they share
 * (accel/tcg-exclusive.c). */
#ifndef KEMU_ACCEL_TCG_MT_H
#define KEMU_ACCEL_TCG_MT_H

#include <stdbool.h>

#include "cpu/cpu.h"
#include "hw/core/machine.h"

/* -accel tcg,thread=multi|single; 0, or -1 with *why. */
int tcg_mt_set_mode(const char *value, const char **why);
/* Whether the vCPUs run on threads of their own (decided at init: the
 * mode asked for, or the default for the machine's vCPU count). */
bool tcg_mt_enabled(void);
void tcg_mt_decide(Machine *m);
void tcg_mt_start(Machine *m);
void tcg_mt_kick(CPUState *cpu);
void tcg_mt_kick_all(Machine *m);
void tcg_mt_shutdown(Machine *m);
void tcg_mt_wait_stopped(Machine *m);
bool tcg_mt_on_vcpu_thread(void);

/* A vCPU thread runs guest code or touches shared translation state only
 * between these. */
void tcg_exec_begin(void);
void tcg_exec_end(void);
/* Park every other vCPU outside its exec section (no lock held). */
void tcg_exclusive_begin(Machine *m);
void tcg_exclusive_end(void);
/* Wait (up to 2 s) until no vCPU is inside its exec section. */
void tcg_exec_wait_idle(void);

#endif
