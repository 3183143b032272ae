/* The debugger's hooks into the translator and the soft TLB.  The
 * accelerator's debugger (accel/tcg-debug.c) installs them; the translator
 * calls them only while tcg_debug_active is set, so they cost one load
 * otherwise. */
#ifndef KEMU_TRANSLATE_DEBUG_HOOKS_H
#define KEMU_TRANSLATE_DEBUG_HOOKS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

typedef struct TcgDebugHooks {
    /* Translator: whether the block must end before the instruction at
     * linear address la (a breakpoint there, single-stepping, or
     * watchpoints, which are checked after every instruction). */
    bool (*end_block)(CPUState *cpu, uint64_t la);
    /* Soft TLB: whether data accesses to the linear page must take the
     * slow path (a watchpoint covers part of it). */
    bool (*watch_page)(uint64_t la_page);
    /* Soft TLB slow path and cpu/ system code (through the CPU's
     * lin_access_hook): a data access of size bytes at la. */
    void (*watch_access)(CPUState *cpu, uint64_t la, unsigned size, bool write);
} TcgDebugHooks;

/* Breakpoints or single-step are set (or the TB cache must be flushed):
 * set by the debugger, which installed tcg_debug_hooks before. */
extern atomic_bool tcg_debug_active;
extern const TcgDebugHooks *tcg_debug_hooks;

#endif
