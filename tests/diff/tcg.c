/* Run a differential-test case under kemu's translator.
 *
 * A small RAM-only machine holds one CPU in 64-bit mode at CPL 3 with the
 * selectors Linux gives user processes (CS 0x33, SS 0x2b, data segments
 * null), and 4-level page tables that map exactly the code, data and
 * stack pages at the addresses the host run uses; everything else is
 * unmapped, so stray accesses fault the same way on both sides.  The code
 * page holds UD2 right after the case: reaching it raises #UD at
 * DIFF_CODE_VA + len, which ends the run; the rest is INT3 as on the host. */
#include "tests/diff/diff.h"
#include "tests/diff/host-model.h"

#include <string.h>

#include "accel/tcg.h"
#include "cpu/cpu.h"
#include "hw/core/machine.h"
#include "translate/flags.h"
#include "translate/tb.h"
#include "translate/tlb.h"

#define PA_PML4  0x1000
#define PA_PDPT  0x2000
#define PA_PD    0x3000
#define PA_PT    0x4000   /* three tables: code, data, stack */
#define PA_CODE  0x10000
#define PA_DATA  0x11000
#define PA_STACK 0x12000
#define PA_TSS   0x13000
#define TSS_VA   0x0000000010600000ULL   /* supervisor-only, as the kernel's */
#define RAM_SIZE (1 << 20)

static Machine machine;
static MemoryRegion ram;
static CPUState *cpu;

static void pw64(uint64_t pa, uint64_t v) { as_st(&machine.mem, pa, v, 8); }

static void map_page(int i, uint64_t va, uint64_t pa, bool user)
{
    /* PTE flags: present, writable, and user where asked. */
    uint64_t pt = PA_PT + (uint64_t)i * 0x1000;
    pw64(PA_PD + ((va >> 21) & 511) * 8, pt | 7);
    pw64(pt + ((va >> 12) & 511) * 8, pa | (user ? 7 : 3));
}

static void setup_machine(void)
{
    as_init(&machine.mem, "memory", 1ULL << 52);
    as_init(&machine.io, "io", 0x10000);
    mr_init_ram(&ram, "ram", RAM_SIZE);
    as_map(&machine.mem, &ram, 0, 0);
    machine.a20 = true;
    cpu = cpu_create(&machine, 0, NULL, NULL);
    /* A model of the host's vendor with the host's features: where the
     * vendors differ, kemu must answer as the host does. */
    host_model_apply(cpu);
    machine.cpus[0] = cpu;
    machine.ncpus = 1;
    tcg_cpu_init(cpu);

    pw64(PA_PML4, PA_PDPT | 7);
    pw64(PA_PDPT, PA_PD | 7);
    map_page(0, DIFF_CODE_VA, PA_CODE, true);
    map_page(1, DIFF_DATA_VA, PA_DATA, true);
    map_page(2, DIFF_STACK_VA, PA_STACK, true);
    map_page(3, TSS_VA, PA_TSS, false);
    /* A 64-bit TSS whose I/O map base lies past its limit, as Linux's
     * does for a process without ioperm(): user IN/OUT take #GP(0). */
    as_st(&machine.mem, PA_TSS + 0x66, 0x68, 2);
}

static void user_long_mode(CPUX86State *env)
{
    env->cr3 = PA_PML4;
    env->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
    env->cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_NE | CR0_MP | CR0_ET;
    unsigned data = SEGATTR_P | SEGATTR_S | 0x3 | (3 << 5) | SEGATTR_DB | SEGATTR_G;
    env->seg[SEG_CS] = (SegReg){ 0x33, 0, 0xffffffff,
                                 SEGATTR_P | SEGATTR_S | 0xb | (3 << 5) | SEGATTR_L | SEGATTR_G };
    env->seg[SEG_SS] = (SegReg){ 0x2b, 0, 0xffffffff, data };
    for (int s = 0; s < SEG_COUNT; s++) {
        if (s != SEG_CS && s != SEG_SS)
            env->seg[s] = (SegReg){ 0, 0, 0, 0 };
    }
    env->tr = (SegReg){ 0x40, TSS_VA, 0x67, SEGATTR_P | 0xb };
}

int diff_run_tcg(const DiffCase *c, DiffState *out)
{
    if (!cpu)
        setup_machine();
    uint8_t page[DIFF_PAGE];
    memset(page, 0xcc, sizeof(page));
    memcpy(page, c->code, c->len);
    page[c->len] = 0x0f;    /* UD2 ends the case (INT3 would be delivered */
    page[c->len + 1] = 0x0b; /* through the IDT, which this machine lacks) */
    as_write(&machine.mem, PA_CODE, page, sizeof(page));
    as_write(&machine.mem, PA_DATA, c->in.data, DIFF_PAGE);
    tb_flush_all(cpu);
    tlb_flush(cpu);

    CPUX86State *env = &cpu->env;
    cpu_reset(cpu);
    user_long_mode(env);
    tlb_flush(cpu);
    memcpy(env->regs, c->in.regs, sizeof(env->regs));
    memcpy(env->xmm, c->in.xmm, sizeof(env->xmm));
    env->mxcsr = c->in.mxcsr;
    env->rip = DIFF_CODE_VA;
    env->rflags = c->in.rflags | 2 | FL_IF;   /* user code runs with IF=1 */
    cpu_load_flags(cpu, env->rflags);
    /* A warm TLB for the data page, as a running program has: the case's
     * one access then takes the native backend's inline hit path (what
     * misses it, misaligned, unmapped or crossing a page, still goes to
     * the C slow path).  Its first bytes are read back unchanged. */
    tcg_st_slow(cpu, DIFF_DATA_VA, tcg_ld_slow(cpu, DIFF_DATA_VA, 1), 1);

    int vector = -2;
    for (int i = 0; i < 64 && vector == -2; i++) {
        tcg_exec_until_exception(cpu, 64);
        if (env->exception_index >= 0)
            vector = env->exception_index;
    }
    cpu_sync_flags(cpu);
    memcpy(out->regs, env->regs, sizeof(out->regs));
    memcpy(out->xmm, env->xmm, sizeof(out->xmm));
    out->mxcsr = env->mxcsr;
    out->rflags = env->rflags;
    out->rip = env->rip;
    as_read(&machine.mem, PA_DATA, out->data, DIFF_PAGE);
    out->error_code = env->error_code;
    out->fault_addr = vector == EXC_PF ? env->cr2 : 0;
    out->vector = vector;
    /* The UD2 that ends every case: the run reached the end. */
    if (vector == EXC_UD && env->rip == DIFF_CODE_VA + c->len) {
        out->vector = -1;
        out->error_code = 0;
        out->rip = DIFF_CODE_VA + c->len;
    }
    env->exception_index = -1;
    return 0;
}
