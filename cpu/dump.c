/* The register dump of `info registers`, laid out as QEMU prints it: the
 * 64-bit form when CS is a long-mode code segment, the 32-bit form
 * otherwise; then the x87 and SSE registers. */
#include "cpu/dump.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* The descriptor's second dword bits (type..P, AVL..G) as QEMU keeps them. */
static uint32_t seg_flags(const SegReg *s)
{
    return ((uint32_t)(s->attr & 0xff) << 8) | ((uint32_t)((s->attr >> 8) & 0xf) << 20);
}

static bool long_mode_cs(const CPUX86State *env)
{
    return (env->efer & EFER_LMA) && (env->seg[SEG_CS].attr & SEGATTR_L);
}

static void dump_seg(FILE *f, const char *name, const SegReg *s, const CPUX86State *env,
                     bool wide)
{
    if (wide)
        fprintf(f, "%s=%04x %016" PRIx64 " %08x %08x", name, s->sel, s->base, s->limit,
                seg_flags(s));
    else
        fprintf(f, "%s=%04x %08x %08x %08x", name, s->sel, (uint32_t)s->base, s->limit,
                seg_flags(s));
    if (!(env->cr0 & CR0_PE) || !(s->attr & SEGATTR_P)) {
        fputc('\n', f);
        return;
    }
    fprintf(f, " DPL=%u ", SEGATTR_DPL(s->attr));
    bool lma = (env->efer & EFER_LMA) != 0;
    if (s->attr & SEGATTR_S) {
        unsigned type = SEGATTR_TYPE(s->attr);
        if (type & 8) {     /* code */
            fprintf(f, (s->attr & SEGATTR_L) ? "CS64" : (s->attr & SEGATTR_DB) ? "CS32" : "CS16");
            fprintf(f, " [%c%c%c]", type & 4 ? 'C' : '-', type & 2 ? 'R' : '-', type & 1 ? 'A' : '-');
        } else {
            fprintf(f, ((s->attr & SEGATTR_DB) || lma) ? "DS  " : "DS16");
            fprintf(f, " [%c%c%c]", type & 4 ? 'E' : '-', type & 2 ? 'W' : '-', type & 1 ? 'A' : '-');
        }
    } else {
        static const char *const sys[2][16] = {
            { "Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate16",
              "IntGate16", "TrapGate16", "Reserved", "TSS32-avl", "Reserved", "TSS32-busy",
              "CallGate32", "Reserved", "IntGate32", "TrapGate32" },
            { "Reserved", "Reserved", "LDT", "Reserved", "Reserved", "Reserved", "Reserved",
              "Reserved", "Reserved", "TSS64-avl", "Reserved", "TSS64-busy", "CallGate64",
              "Reserved", "IntGate64", "TrapGate64" },
        };
        fprintf(f, "%s", sys[lma][SEGATTR_TYPE(s->attr)]);
    }
    fputc('\n', f);
}

static void dump_gprs(FILE *f, const CPUX86State *env, bool wide)
{
    static const char *const n64[16] = { "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP",
        "RSP", "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15" };
    static const int idx[16] = { R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP, R_ESP,
        R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
    static const char *const n32[8] = { "EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP" };
    int n = wide ? 16 : 8;
    for (int i = 0; i < n; i++) {
        if (wide)
            fprintf(f, "%s=%016" PRIx64 "%c", n64[i], env->regs[idx[i]], i % 4 == 3 ? '\n' : ' ');
        else
            fprintf(f, "%s=%08x%c", n32[i], (uint32_t)env->regs[idx[i]], i % 4 == 3 ? '\n' : ' ');
    }
}

static unsigned cpl(const CPUX86State *env)
{
    if (!(env->cr0 & CR0_PE))
        return 0;
    if (env->rflags & FL_VM)
        return 3;
    return SEGATTR_DPL(env->seg[SEG_SS].attr);
}

static void dump_flags_line(FILE *f, const CPUX86State *env, bool wide)
{
    uint64_t fl = env->rflags;
    if (wide)
        fprintf(f, "RIP=%016" PRIx64 " RFL=%08x", env->rip, (uint32_t)fl);
    else
        fprintf(f, "EIP=%08x EFL=%08x", (uint32_t)env->rip, (uint32_t)fl);
    fprintf(f, " [%c%c%c%c%c%c%c] CPL=%u II=%d A20=%d SMM=0 HLT=%d\n",
            fl & FL_DF ? 'D' : '-', fl & FL_OF ? 'O' : '-', fl & FL_SF ? 'S' : '-',
            fl & FL_ZF ? 'Z' : '-', fl & FL_AF ? 'A' : '-', fl & FL_PF ? 'P' : '-',
            fl & FL_CF ? 'C' : '-', cpl(env), env->inhibit_irq ? 1 : 0,
            env->a20_enabled ? 1 : 0, env->halted ? 1 : 0);
}

static void dump_system(FILE *f, const CPUX86State *env, bool wide)
{
    static const char *const seg_names[SEG_COUNT] = { "ES ", "CS ", "SS ", "DS ", "FS ", "GS " };
    for (int i = 0; i < SEG_COUNT; i++)
        dump_seg(f, seg_names[i], &env->seg[i], env, wide);
    dump_seg(f, "LDT", &env->ldt, env, wide);
    dump_seg(f, "TR ", &env->tr, env, wide);
    if (wide) {
        fprintf(f, "GDT=     %016" PRIx64 " %08x\n", env->gdt.base, env->gdt.limit);
        fprintf(f, "IDT=     %016" PRIx64 " %08x\n", env->idt.base, env->idt.limit);
        fprintf(f, "CR0=%08x CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08x\n",
                (uint32_t)env->cr0, env->cr2, env->cr3, (uint32_t)env->cr4);
        for (int i = 0; i < 4; i++)
            fprintf(f, "DR%d=%016" PRIx64 " ", i, env->dr[i]);
        fprintf(f, "\nDR6=%016" PRIx64 " DR7=%016" PRIx64 "\n", env->dr[6], env->dr[7]);
    } else {
        fprintf(f, "GDT=     %08x %08x\n", (uint32_t)env->gdt.base, env->gdt.limit);
        fprintf(f, "IDT=     %08x %08x\n", (uint32_t)env->idt.base, env->idt.limit);
        fprintf(f, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", (uint32_t)env->cr0,
                (uint32_t)env->cr2, (uint32_t)env->cr3, (uint32_t)env->cr4);
        /* A 64-bit build prints the debug registers full width always. */
        for (int i = 0; i < 4; i++)
            fprintf(f, "DR%d=%016" PRIx64 " ", i, env->dr[i]);
        fprintf(f, "\nDR6=%016" PRIx64 " DR7=%016" PRIx64 "\n", env->dr[6], env->dr[7]);
    }
    fprintf(f, "EFER=%016" PRIx64 "\n", env->efer);
}

static void dump_fpu(FILE *f, const CPUX86State *env, bool wide)
{
    const X87State *x = &env->fpu;
    fprintf(f, "FCW=%04x FSW=%04x [ST=%d] FTW=%02x MXCSR=%08x\n", x->fcw, x->fsw,
            (x->fsw >> 11) & 7, x->ftw, env->mxcsr);
    for (int i = 0; i < 8; i++) {
        const Float80 *r = &x->st[i];   /* physical registers, as QEMU */
        fprintf(f, "FPR%d=%016" PRIx64 " %04x%c", i, r->mant, r->sexp, i & 1 ? '\n' : ' ');
    }
    int n = wide ? 16 : 8;
    for (int i = 0; i < n; i++) {
        const Xmm *v = &env->xmm[i];
        fprintf(f, "XMM%02d=%016" PRIx64 " %016" PRIx64 "%c", i, v->q[1], v->q[0],
                i & 1 ? '\n' : ' ');
    }
}

char *cpu_dump_state(const CPUState *cpu)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    const CPUX86State *env = &cpu->env;
    bool wide = long_mode_cs(env);
    dump_gprs(f, env, wide);
    dump_flags_line(f, env, wide);
    dump_system(f, env, wide);
    dump_fpu(f, env, wide);
    fclose(f);
    return buf;
}
