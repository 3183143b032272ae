/* -d cpu and -d exec output for the TCG loop. */
#include <inttypes.h>

#include "accel/tcg.h"
#include "hw/core/log.h"
#include "translate/flags.h"

static void log_seg(const char *name, const SegReg *s)
{
    log_printf("%-3s=%04x %016" PRIx64 " %08x %04x\n", name, s->sel, s->base, s->limit,
               s->attr);
}

void tcg_log_cpu_state(CPUState *cpu)
{
    static const char *const rn[16] = { "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI",
                                        "RDI", "R8", "R9", "R10", "R11", "R12", "R13",
                                        "R14", "R15" };
    static const char *const sn[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    CPUX86State *env = &cpu->env;
    uint64_t fl = (env->rflags & ~(uint64_t)FL_ARITH) | cc_compute_all(env);
    for (int i = 0; i < 16; i++)
        log_printf("%-3s=%016" PRIx64 "%s", rn[i], env->regs[i], (i & 3) == 3 ? "\n" : " ");
    log_printf("RIP=%016" PRIx64 " RFL=%08" PRIx64 " [%c%c%c%c%c] CPL=%d HLT=%d\n",
               env->rip, fl, fl & FL_OF ? 'O' : '-', fl & FL_SF ? 'S' : '-',
               fl & FL_ZF ? 'Z' : '-', fl & FL_PF ? 'P' : '-', fl & FL_CF ? 'C' : '-',
               env->seg[SEG_CS].sel & 3, env->halted);
    for (int i = 0; i < SEG_COUNT; i++)
        log_seg(sn[i], &env->seg[i]);
    log_seg("LDT", &env->ldt);
    log_seg("TR", &env->tr);
    log_printf("GDT=     %016" PRIx64 " %08x\nIDT=     %016" PRIx64 " %08x\n",
               env->gdt.base, env->gdt.limit, env->idt.base, env->idt.limit);
    log_printf("CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08" PRIx64
               " EFER=%016" PRIx64 "\n", env->cr0, env->cr2, env->cr3, env->cr4, env->efer);
}
