/* Guest atomics under thread=multi (translate/helpers-atomic.c). */
#ifndef KEMU_TRANSLATE_ATOMIC_H
#define KEMU_TRANSLATE_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

#include "translate/helpers.h"

/* vCPUs run in parallel: locked instructions are translated between
 * helper_lock_begin and helper_lock_end (set once, before translating). */
extern bool translate_parallel;
void translate_set_parallel(bool on);

HELPER(helper_lock_begin);
HELPER(helper_lock_end);
HELPER(helper_st_locked);   /* a = la, b = value, c = value loaded; imm = w */
HELPER(helper_atomic_prepare);  /* a = la, imm = w: before a locked load */
/* Exception path of the execution loop: drop the lock if held. */
void tcg_atomic_release_all(void);

/* A locked operation the host cannot do atomically (split lock, MMIO):
 * under thread=multi and outside an exclusive step, restart the current
 * instruction (nothing of it may be done yet) and ask the engine for an
 * exclusive step; otherwise return (plain loads and stores are atomic). */
void tcg_atomic_need_exclusive(CPUState *cpu);
/* The engine, after a slice: whether this thread asked for an exclusive
 * step (cleared).  It then parks the other vCPUs and runs one block with
 * tcg_atomic_set_exclusive(true). */
bool tcg_atomic_take_step(void);
void tcg_atomic_set_exclusive(bool on);

/* Compare-and-exchange w bytes at la (probed for writing) on the host
 * when under thread=multi the page is plain RAM and la aligned: *old gets
 * the value found, true.  false: not done, use loads and stores. */
bool tcg_atomic_cmpxchg(CPUState *cpu, uint64_t la, unsigned w, uint64_t expect,
                        uint64_t desired, uint64_t *old);

/* The same for 16 bytes (CMPXCHG16B; la 16-byte aligned): *lo and *hi hold
 * the expected value and get the value found. */
bool tcg_atomic_cmpxchg16(CPUState *cpu, uint64_t la, uint64_t *lo, uint64_t *hi,
                          uint64_t new_lo, uint64_t new_hi);

#endif
