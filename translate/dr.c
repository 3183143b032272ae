/* Breakpoints of the guest's DR0-DR3/DR7 (SDM 17.2, 17.3.1.1-2).
 *
 * They reuse the gdbstub's way of stopping before an address: while DR7
 * enables any, TBs are translated with TBF_DRBP and end before every
 * breakpoint address, and the execution loop checks the next instruction
 * before each block.  Data breakpoints (R/W 01, 11) reuse the watchpoint
 * way: their pages stay off the soft TLB's fast path, the slow path
 * records hits, blocks hold one instruction, and the loop raises the #DB
 * trap after it.  Translated code and the TLB are dropped when a MOV to
 * DR0-DR3 or DR7 changes armed breakpoints.  Accesses made by cpu/ system
 * code (interrupt frames, descriptor tables, the TSS) are checked too,
 * through the CPU's lin_access_hook: SDM 17.3.1.2 reports a breakpoint on
 * any access to its range and makes no exception for implicit ones; hits
 * while an event is delivered trap before the handler's first
 * instruction.  I/O breakpoints (R/W 10, CR4.DE) are checked by IN, OUT,
 * INS and OUTS, which end their block, and trap after it.  TBs are
 * shared between vCPUs: a key of the breakpoint set in the TB flags keeps
 * a vCPU from running blocks translated for another vCPU's set. */
#include "translate/dr.h"

#include <string.h>

#include "cpu/excp.h"
#include "translate/tb.h"
#include "translate/tlb.h"

#define DR7_RW_SHIFT 16

static unsigned exec_mask_of(uint64_t dr7)
{
    unsigned m = 0;
    if (!(dr7 & 0xff))
        return 0;
    for (unsigned n = 0; n < 4; n++) {
        bool enabled = (dr7 >> (2 * n)) & 3;
        unsigned rw = (dr7 >> (DR7_RW_SHIFT + 4 * n)) & 3;
        if (enabled && rw == 0)
            m |= 1u << n;
    }
    return m;
}

unsigned tcg_dr_exec_mask(const CPUX86State *env)
{
    return exec_mask_of(env->dr[7]);
}

static bool code64(const CPUX86State *env)
{
    return (env->efer & EFER_LMA) && (env->seg[SEG_CS].attr & SEGATTR_L);
}

unsigned tcg_dr_exec_hits(const CPUState *cpu, uint64_t la)
{
    const CPUX86State *env = &cpu->env;
    unsigned m = tcg_dr_exec_mask(env), hits = 0;
    if (!code64(env))
        la &= 0xffffffffULL;
    for (unsigned n = 0; m && n < 4; n++) {
        uint64_t a = code64(env) ? env->dr[n] : env->dr[n] & 0xffffffffULL;
        if ((m & (1u << n)) && a == la)
            hits |= 1u << n;
    }
    return hits;
}

void tcg_dr_check_insn(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    /* RF, or the instruction right after MOV SS / POP SS (SDM 6.8.3) */
    if ((env->rflags & FL_RF) || (env->inhibit_irq & INHIBIT_SS))
        return;
    unsigned hits = tcg_dr_exec_hits(cpu, env->seg[SEG_CS].base + env->rip);
    if (!hits)
        return;
    env->dr[6] = (env->dr[6] & ~0xfULL) | hits;     /* B0-B3: this #DB's matches */
    cpu_raise_exception(cpu, EXC_DB, NO_ERROR_CODE);
}

/* What translation depends on: the enabled instruction breakpoint
 * addresses and whether any data breakpoint is armed. */
typedef struct DrSet {
    uint64_t addr[4];
    unsigned exec;
    bool data;
} DrSet;

/* Sets seen since the last TB flush; key = index + 1. */
static DrSet dr_sets[TCG_DR_KEYS];
static unsigned n_dr_sets, dr_sets_gen;

static void dr_set_of(const CPUX86State *env, DrSet *s)
{
    memset(s, 0, sizeof(*s));
    s->exec = tcg_dr_exec_mask(env);
    for (unsigned n = 0; n < 4; n++)
        s->addr[n] = (s->exec & (1u << n)) ? env->dr[n] : 0;
    s->data = tcg_dr_data_mask(env) != 0;
}

unsigned tcg_dr_tb_key(CPUState *cpu)
{
    DrSet s;
    dr_set_of(&cpu->env, &s);
    if (dr_sets_gen != tb_generation()) {       /* no TB holds an old key */
        n_dr_sets = 0;
        dr_sets_gen = tb_generation();
    }
    for (unsigned i = 0; i < n_dr_sets; i++) {
        if (!memcmp(&dr_sets[i], &s, sizeof(s)))
            return i + 1;
    }
    if (n_dr_sets == TCG_DR_KEYS) {
        tb_flush_all(cpu);
        n_dr_sets = 0;
        dr_sets_gen = tb_generation();
    }
    dr_sets[n_dr_sets++] = s;
    return n_dr_sets;
}

/* Code translated for the old set of addresses (or keyed by the old
 * DR7's TBF_DRBP) must not run under the new one. */
bool tcg_dr_write_changes_code(const CPUState *cpu, int n, uint64_t val)
{
    const CPUX86State *env = &cpu->env;
    if (n == 7 || (n == 5 && !(env->cr4 & CR4_DE)))
        return env->dr[7] != val && ((val | env->dr[7]) & 0xff);
    return n < 4 && env->dr[n] != val && (env->dr[7] & 0xff);
}

/* Enabled data breakpoints: R/W 01 (writes) or 11 (reads and writes). */
unsigned tcg_dr_data_mask(const CPUX86State *env)
{
    uint64_t dr7 = env->dr[7];
    unsigned m = 0;
    for (unsigned n = 0; (dr7 & 0xff) && n < 4; n++) {
        unsigned rw = (dr7 >> (DR7_RW_SHIFT + 4 * n)) & 3;
        if (((dr7 >> (2 * n)) & 3) && (rw & 1))
            m |= 1u << n;
    }
    return m;
}

/* The bytes DRn covers: LEN 00/01/11/10 = 1/2/4/8, aligned down. */
static void data_range(const CPUX86State *env, unsigned n, uint64_t *base, uint64_t *len)
{
    static const uint8_t lens[4] = { 1, 2, 8, 4 };
    *len = lens[(env->dr[7] >> (DR7_RW_SHIFT + 4 * n + 2)) & 3];
    *base = env->dr[n] & ~(*len - 1);
}

bool tcg_dr_data_page(const CPUState *cpu, uint64_t page)
{
    const CPUX86State *env = &cpu->env;
    unsigned m = tcg_dr_data_mask(env);
    for (unsigned n = 0; m && n < 4; n++) {
        uint64_t base, len;
        data_range(env, n, &base, &len);
        if ((m & (1u << n)) && base < page + 4096 && page < base + len)
            return true;
    }
    return false;
}

unsigned tcg_dr_data_hits(const CPUState *cpu, uint64_t la, unsigned size, bool write)
{
    const CPUX86State *env = &cpu->env;
    unsigned m = tcg_dr_data_mask(env), hits = 0;
    for (unsigned n = 0; m && n < 4; n++) {
        uint64_t base, len;
        unsigned rw = (env->dr[7] >> (DR7_RW_SHIFT + 4 * n)) & 3;
        data_range(env, n, &base, &len);
        if ((m & (1u << n)) && (write || rw == 3) && base < la + size && la < base + len)
            hits |= 1u << n;
    }
    return hits;
}

/* I/O breakpoints exist only with CR4.DE; without it R/W 10 is undefined
 * (SDM 17.2.4) and kemu ignores such a breakpoint. */
unsigned tcg_dr_io_mask(const CPUX86State *env)
{
    uint64_t dr7 = env->dr[7];
    unsigned m = 0;
    if (!(env->cr4 & CR4_DE))
        return 0;
    for (unsigned n = 0; (dr7 & 0xff) && n < 4; n++) {
        unsigned rw = (dr7 >> (DR7_RW_SHIFT + 4 * n)) & 3;
        if (((dr7 >> (2 * n)) & 3) && rw == 2)
            m |= 1u << n;
    }
    return m;
}

/* The port, zero-extended, is compared with DRn's whole address over the
 * LEN range (SDM 17.2.5). */
unsigned tcg_dr_io_hits(const CPUState *cpu, uint16_t port, unsigned size)
{
    const CPUX86State *env = &cpu->env;
    unsigned m = tcg_dr_io_mask(env), hits = 0;
    for (unsigned n = 0; m && n < 4; n++) {
        uint64_t base, len;
        data_range(env, n, &base, &len);
        if ((m & (1u << n)) && base < (uint64_t)port + size && port < base + len)
            hits |= 1u << n;
    }
    return hits;
}

void tcg_dr_io_access(CPUState *cpu, uint16_t port, unsigned size)
{
    if (cpu->accel)
        tcg_cpu(cpu)->dr_data_hits |= tcg_dr_io_hits(cpu, port, size);
}
