/* Differential testing of the TCG CPU against the host CPU.
 *
 * A case is a few instruction bytes plus an initial user-level state
 * (general registers, arithmetic flags, XMM registers and MXCSR, one data
 * page).  It runs on the host
 * CPU in a child process and under kemu's translator in a 64-bit CPL-3
 * machine with the same code and data addresses; the final registers,
 * flags, data page and the exception raised (vector, error code, fault
 * address) must agree, except for what the allow-list documents. */
#ifndef KEMU_DIFF_H
#define KEMU_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed addresses both runs use (canonical, user half, page aligned). */
#define DIFF_CODE_VA  0x0000000010000000ULL
#define DIFF_DATA_VA  0x0000000010200000ULL
#define DIFF_STACK_VA 0x0000000010400000ULL   /* one page; RSP starts mid-page */
#define DIFF_PAGE     4096
#define DIFF_MAX_CODE 64

typedef struct DiffState {
    uint64_t regs[16];        /* RAX..R15 in encoding order */
    uint64_t rip;
    uint64_t rflags;
    uint8_t data[DIFF_PAGE];
    uint8_t xmm[16][16];      /* XMM0..XMM15 */
    uint32_t mxcsr;
    /* Outcome */
    int vector;               /* -1: ran to the end of the code */
    uint32_t error_code;
    uint64_t fault_addr;      /* CR2 for #PF */
} DiffState;

typedef struct DiffCase {
    uint8_t code[DIFF_MAX_CODE];
    size_t len;
    DiffState in;
} DiffCase;

/* Arithmetic flags compared (others are system state). */
#define DIFF_FLAGS_MASK 0x8d5ULL   /* CF PF AF ZF SF OF */

/* Run on the host CPU in a forked child.  Returns 0, or -1 if the child
 * could not run the case at all (mapping failed). */
int diff_run_host(const DiffCase *c, DiffState *out);
/* Run under kemu's TCG. Returns 0 or -1 (no TCG). */
int diff_run_tcg(const DiffCase *c, DiffState *out);

#endif
