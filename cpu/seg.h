/* Internal to cpu/: descriptor-table access, stack pushes/pops on a given
 * SS:SP, segment-cache loads and task switching, shared by the segment
 * helpers (seg.c, far.c, task.c) and interrupt delivery (excp.c). */
#ifndef KEMU_CPU_SEG_H
#define KEMU_CPU_SEG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Descriptor types (the 4-bit type field with the S bit in bit 4). */
#define DESC_CODE       0x18     /* S=1 and bit 3: code */
#define DESC_CONFORMING 0x04     /* code: conforming; data: expand-down */
#define DESC_RW         0x02     /* code: readable; data: writable */
#define DESC_ACCESSED   0x01

enum { SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL16 = 4,
       SYS_TASK = 5, SYS_INT16 = 6, SYS_TRAP16 = 7, SYS_TSS_AVAIL = 9,
       SYS_TSS_BUSY = 11, SYS_CALL32 = 12, SYS_INT32 = 14, SYS_TRAP32 = 15 };

static inline unsigned desc_type(uint32_t hi) { return (hi >> 8) & 0x1f; }  /* S + type */
static inline unsigned desc_dpl(uint32_t hi) { return (hi >> 13) & 3; }
static inline bool desc_present(uint32_t hi) { return (hi >> 15) & 1; }
static inline bool desc_is_code(uint32_t hi) { return (desc_type(hi) & DESC_CODE) == DESC_CODE; }
static inline bool desc_is_seg(uint32_t hi) { return (hi >> 12) & 1; }

/* Read the 8-byte descriptor for sel from the GDT or LDT.  false when the
 * selector is beyond the table limit (the caller raises its fault). */
bool desc_fetch(CPUState *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* The 16-byte system descriptor form of long mode: bits 63..32 of base. */
bool desc_fetch_upper(CPUState *cpu, uint16_t sel, uint32_t *base_hi);
/* Linear address of sel's descriptor (for accessed/busy updates). */
uint64_t desc_addr(const CPUState *cpu, uint16_t sel);
/* Set the accessed bit of a code/data descriptor in memory if clear. */
void desc_set_accessed(CPUState *cpu, uint16_t sel, uint32_t hi);

/* Segment caches for real mode (selector and base only: unreal mode keeps
 * limits) and virtual-8086 mode (64 KiB, DPL 3). */
void seg_load_real(CPUState *cpu, int seg, uint16_t sel);
void seg_load_v86(CPUState *cpu, int seg, uint16_t sel);
/* Protected/long mode load with every check; exc is the vector used for a
 * bad descriptor (#GP normally, #TS inside a task switch).  cpl is the
 * privilege the load is checked against. */
void seg_load_checked(CPUState *cpu, int seg, uint16_t sel, int cpl, int exc);
/* After a return to an outer level: null data segments the new CPL may not
 * use (SDM RET/IRET: DPL < CPL and not conforming code). */
void seg_invalidate_outer(CPUState *cpu, int cpl);
/* Load CS's cache from a checked descriptor with RPL = cpl. */
void seg_load_cs(CPUState *cpu, uint16_t sel, uint32_t lo, uint32_t hi, int cpl);

/* A stack being written or read: SS base, SP, the SP width mask, and the
 * SS limit rules (SDM 6.14.3 / 5.3: a push or pop outside the limit is
 * #SS(err); 64-bit stacks are flat and only need canonical addresses). */
typedef struct Stack {
    uint64_t base;
    uint64_t sp;
    uint64_t mask;   /* 0xffff, 0xffffffff or ~0 */
    bool user;       /* CPL-3 page checks */
    bool flat64;     /* no limit, canonical check */
    bool expdown;
    uint32_t limit;
    uint32_t err;    /* #SS error code on a limit violation */
} Stack;

/* The current SS:xSP as a Stack. */
Stack stack_current(const CPUState *cpu);
/* A legacy stack described by an SS cache (new stacks of privilege
 * changes: err is the new SS selector, with EXT as the event has it). */
Stack stack_of(const SegReg *ss, uint64_t sp, bool user, uint32_t err);
/* A 64-bit stack at sp. */
Stack stack_flat64(uint64_t sp, bool user);
void stack_push(CPUState *cpu, Stack *s, uint64_t val, unsigned size);
uint64_t stack_pop(CPUState *cpu, Stack *s, unsigned size);
/* Write xSP back keeping the bits outside the mask. */
void stack_commit(CPUState *cpu, const Stack *s);

/* Inner-level stack from the current TSS (32- or 16-bit) for dpl. */
void tss_inner_stack(CPUState *cpu, int dpl, uint16_t *ss, uint64_t *sp, uint32_t ext);
/* 64-bit TSS: RSPn (index n = 0..2) or ISTn (index 3 + n, n = 1..7). */
uint64_t tss64_stack(CPUState *cpu, unsigned index);

/* Task switch to the TSS selected by sel (descriptor lo/hi), SDM 7.3. */
enum { TS_JMP, TS_CALL, TS_IRET, TS_INT };
void task_switch(CPUState *cpu, uint16_t sel, uint32_t lo, uint32_t hi, int source,
                 uint32_t error_code, uint64_t next_rip);
/* Through a task gate (gate_lo: its low dword); ext is the EXT error bit. */
void task_switch_via_gate(CPUState *cpu, uint32_t gate_lo, int source, uint32_t ext,
                          uint32_t error_code, uint64_t next_rip);

/* RFLAGS bits a POPF/IRET may change at this privilege (SDM IRET/POPF). */
uint64_t flags_writable_mask(const CPUState *cpu, int cpl, unsigned opsize);

static inline uint16_t selector_index_err(uint16_t sel) { return sel & 0xfffc; }

#endif
