/* Running guest code snippets on the TCG engine in unit tests: a RAM-only
 * board (1 MiB) with one CPU set up in real, 32-bit protected or 64-bit
 * long mode; code at TT_CODE, stack below TT_STACK. */
#ifndef KEMU_TEST_TCG_HARNESS_H
#define KEMU_TEST_TCG_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

#define TT_CODE 0x1000
#define TT_STACK 0x8000
#define TT_DATA 0x20000
/* 64-bit mode: 4 KiB identity pages for the first MiB; page table here. */
#define TT_PT 0x73000

/* A CPU in mode bits (16, 32, 64) with code at TT_CODE. */
CPUState *tt_cpu(int bits);
void tt_load(const uint8_t *code, size_t n);
/* Run until HLT: returns -1, or the vector of an exception raised (not
 * delivered; rip is the faulting instruction's). */
int tt_run(CPUState *cpu);
/* The arithmetic flags (lazy state computed). */
uint32_t tt_flags(CPUState *cpu);
uint64_t tt_rd(uint64_t pa, unsigned size);
void tt_wr(uint64_t pa, uint64_t v, unsigned size);

#endif
