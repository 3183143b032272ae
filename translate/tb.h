/* Translation blocks and their cache.
 *
 * A TB is the IR of a run of guest instructions starting at one address.
 * It is found by the physical address of its first byte together with
 * rip, the CS base and the CPU mode flags (TBF_*); a per-vCPU jump cache
 * indexed by the linear pc makes the common lookup two compares and a TLB
 * check.  TBs are invalidated when the guest writes a physical page they
 * were translated from (the soft TLB keeps such pages off the fast store
 * path), and all of them are dropped when the memory map changes or the
 * arena fills.  Memory comes from one arena, so there is no per-TB malloc
 * and a flush is O(1). */
#ifndef KEMU_TRANSLATE_TB_H
#define KEMU_TRANSLATE_TB_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "translate/ir.h"

/* Mode flags a TB was translated for. */
#define TBF_MODE_MASK 3u        /* 0: 16-bit code, 1: 32-bit, 2: 64-bit */
#define TBF_SS32   (1u << 2)
#define TBF_CPL_SHIFT 3
#define TBF_CPL_MASK (3u << 3)
#define TBF_PE     (1u << 5)
#define TBF_VM     (1u << 6)
#define TBF_LMA    (1u << 7)
#define TBF_A20    (1u << 8)
#define TBF_TF     (1u << 9)    /* single-step: one instruction per TB */
/* Outside 64-bit mode, one bit per segment register (SEG_ES..SEG_GS) that
 * is not flat (present writable expand-up data with a 4 GiB limit):
 * accesses through it check the limit and the access rights. */
#define TBF_SEGNF_SHIFT 10
#define TBF_SEGNF(seg) (1u << (TBF_SEGNF_SHIFT + (seg)))
#define TBF_SEGNF_MASK (0x3fu << TBF_SEGNF_SHIFT)
/* RFLAGS.RF set: one instruction per TB, so RF lasts exactly one. */
#define TBF_RF     (1u << 16)
/* DR7 enables breakpoints: blocks end before instruction breakpoints
 * and hold one instruction while data breakpoints are armed. */
#define TBF_DRBP   (1u << 17)
/* With TBF_DRBP: which breakpoint set (translate/dr.c tcg_dr_tb_key) the
 * block was translated for, so vCPUs whose DR0-DR3/DR7 differ never run
 * each other's blocks (the cache is shared). */
#define TBF_DRKEY_SHIFT 18
#define TBF_DRKEY_MASK (0x7fu << TBF_DRKEY_SHIFT)
/* An interrupt shadow (STI, MOV SS, POP SS) covers the block's first
 * instruction: the block holds only it, so a pending interrupt is taken
 * right after it (STI; NOP; CLI opens a one-instruction window). */
#define TBF_SHADOW (1u << 25)

typedef struct TB {
    uint64_t pc;            /* rip of the first instruction */
    uint64_t cs_base;
    uint64_t lin;           /* linear address of the first byte */
    uint64_t phys;          /* physical address of the first byte */
    uint64_t phys2;         /* second physical page, or ~0 */
    uint32_t flags;
    uint16_t size;          /* guest bytes */
    uint16_t icount;        /* guest instructions */
    bool valid;
    IROp *ops;              /* the IR, kept only for the interpreter (code NULL) */
    unsigned nops, ntemps;
    struct TB *hash_next;
    struct TB *jmp_dest[2]; /* chained successors through goto_tb slots */
    void *code;             /* native host code, NULL: run on the interpreter */
} TB;

/* Mode flags of cpu's current state.  Only between TBs: may drop all
 * TBs (a new breakpoint set when the key space is full). */
uint32_t tb_flags(CPUState *cpu);
/* The TB for cpu's current rip and mode flags (tb_flags(), which only
 * change through instructions that end their TB with exit_tb, interrupts
 * and exceptions, so the loop may reuse them across goto_tb exits),
 * translating it if needed.  May raise (#PF on the fetch of the first
 * instruction): call inside the loop's sigsetjmp. */
TB *tb_find(CPUState *cpu, uint32_t flags);
/* Link tb's slot to next (same mode flags, next on one page). */
void tb_chain(TB *tb, unsigned slot, TB *next);
/* Whether the loop may go from tb to its chained successor next now: next
 * is still valid and, when on another page, that page still maps to the
 * same physical page in the soft TLB. */
bool tb_chain_ok(CPUState *cpu, const TB *tb, const TB *next);
/* After native code ran blocks chained by patched host jumps (loads the
 * C code never saw): order the reads of the TB it stopped in after the
 * writes that built it (an acquire of valid; tb_gen's release). */
static inline void tb_reached(const TB *tb)
{
    (void)__atomic_load_n(&tb->valid, __ATOMIC_ACQUIRE);
}
/* Invalidate every TB translated from physical page pa_page; true if any. */
bool tb_invalidate_page(CPUState *cpu, uint64_t pa_page);
/* Whether physical page pa_page holds translated code. */
bool tb_page_has_code(uint64_t pa_page);
/* Let stores through TLB entry e go fast (tag_w = tag) unless physical
 * page pa_page holds code: checked and set under the TB lock, so a block
 * another vCPU translates from the page at the same time either sees the
 * tag (and drops it) or makes this call leave it unset. */
struct TLBEntry;
void tb_set_write_tag(struct TLBEntry *e, uint64_t pa_page, uint64_t tag);
/* Invalidate code in [pa, pa+len) (device DMA into guest memory). */
void tb_invalidate_phys_range(CPUState *cpu, uint64_t pa, uint64_t len);
/* Drop all TBs (memory map change, arena full).  Only between TBs. */
void tb_flush_all(CPUState *cpu);
/* Set by a multi-threaded engine: tb_flush_all calls it with stop true
 * before and false after it drops the TBs, to park the other vCPUs. */
extern void (*tb_stop_world)(struct CPUState *cpu, bool stop);
/* The execution loop's exception path: release the TB lock if this
 * thread held it when guest code raised (translation faults). */
void tb_lock_release_all(void);
/* Bumped by every tb_flush_all (chaining across a flush is not allowed). */
unsigned tb_generation(void);
/* Drop cpu's jump cache (TLB flush). */
void tb_jmp_cache_clear(CPUState *cpu);

/* translate/translate.c: guest code at cpu's rip -> IR.  Returns the
 * number of instructions; raises #PF/#GP/#UD only if the first one
 * cannot be fetched or decoded (later ones end the block instead). */
unsigned translate_block(CPUState *cpu, IRBlock *b, uint32_t flags, TB *tb);

/* translate/interp.c: run a TB.  Returns the goto_tb slot it left
 * through (0/1), -2 for an indirect jump (exit_tb that keeps the mode),
 * or -1 for other exits (the mode flags may have changed). */
int interp_exec(CPUState *cpu, const TB *tb);
/* Rewrite optimized ops into the interpreter's forms (once per TB);
 * returns the new op count. */
unsigned interp_prepare(IROp *ops, unsigned n);

#endif
