/* Virtual-8086 mode extensions (CR4.VME) and protected-mode virtual
 * interrupts (CR4.PVI), SDM vol. 3 20.3-20.4 and the CLI, STI, PUSHF,
 * POPF, INT n and IRET pages of vol. 2.
 *
 * With VME set and IOPL < 3, a virtual-8086 task's IF-related
 * instructions work on VIF instead of trapping to the monitor: CLI/STI
 * clear/set VIF, 16-bit PUSHF pushes VIF in the IF position (and IOPL as
 * 3), 16-bit POPF and IRET load VIF from the popped IF bit; their 32-bit
 * forms still #GP.  INT n consults the TSS's interrupt redirection bitmap
 * and may go straight to the 8086 program's own vector table at linear 0.
 * With PVI set, CLI/STI at CPL 3 with IOPL < 3 change VIF (and nothing
 * else does).  In every case STI (or a POPF/IRET that would set the
 * virtual IF) while VIP is set is #GP(0), so the monitor can deliver the
 * interrupt it left pending.  Hardware interrupts are not affected: IF
 * still masks them and they go to the protected-mode IDT. */
#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "cpu/seg.h"
#include "cpu/sys.h"

static noreturn void gp0(CPUState *cpu)
{
    cpu_raise_exception(cpu, EXC_GP, 0);
}

static unsigned iopl(const CPUState *cpu)
{
    return (cpu->env.rflags & FL_IOPL) >> 12;
}

/* The flags a 16-bit POPF or IRET loads under VME: FLAGS except IF (it
 * goes to VIF) and IOPL. */
#define VME_FLAGS16 (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_TF | FL_DF | FL_OF | FL_NT)

/* VM=1, CR4.VME=1 and IOPL < 3: the IF-related instructions use VIF. */
static bool vme_active(const CPUState *cpu)
{
    const CPUX86State *env = &cpu->env;
    return (env->rflags & FL_VM) && (env->cr4 & CR4_VME) && iopl(cpu) < 3;
}

void cpu_virtual_cli_sti(CPUState *cpu, bool sti)
{
    CPUX86State *env = &cpu->env;
    bool virt = (env->rflags & FL_VM) ? vme_active(cpu)
                                      : (env->cr4 & CR4_PVI) && cpu_cpl(cpu) == 3;
    if (!virt || (sti && (env->rflags & FL_VIP)))
        gp0(cpu);
    if (sti)
        env->rflags |= FL_VIF;
    else
        env->rflags &= ~(uint64_t)FL_VIF;
}

/* SDM vol. 3 20.3.2 (class 2: maskable hardware interrupts through the
 * virtual interrupt mechanism): VIF and VIP both set at the beginning of
 * an instruction in virtual-8086 mode under VME with IOPL < 3 is #GP(0)
 * before it, so the monitor can deliver the interrupt it left pending.  STI, POPF and the
 * 16-bit IRET check VIP themselves; the state arises only from an IRET
 * out of protected mode or a task switch into a virtual-8086 task. */
void cpu_v86_check_vip(CPUState *cpu)
{
    if ((cpu->env.rflags & (FL_VIF | FL_VIP)) == (FL_VIF | FL_VIP) && vme_active(cpu))
        gp0(cpu);
}

/* FLAGS as an 8086 program sees it under VME: IF is VIF, IOPL reads 3. */
static uint16_t virtual_flags16(const CPUState *cpu)
{
    uint64_t f = cpu->env.rflags & 0xffff & ~(uint64_t)(FL_IF | FL_IOPL);
    if (cpu->env.rflags & FL_VIF)
        f |= FL_IF;
    return (uint16_t)(f | FL_IOPL);
}

uint16_t cpu_v86_pushf(CPUState *cpu, unsigned opsize)
{
    if (!vme_active(cpu) || opsize != 2)
        gp0(cpu);
    return virtual_flags16(cpu);
}

/* Load a popped 16-bit FLAGS image under VME (POPF, IRET): #GP(0) when
 * it sets TF, or sets IF while VIP is pending; otherwise VIF takes the
 * image's IF and IF/IOPL stay. */
static void check_virtual_flags16(CPUState *cpu, uint64_t fl)
{
    if ((fl & FL_TF) || ((fl & FL_IF) && (cpu->env.rflags & FL_VIP)))
        gp0(cpu);
}

static void load_virtual_flags16(CPUState *cpu, uint64_t fl)
{
    CPUX86State *env = &cpu->env;
    uint64_t f = (env->rflags & ~(uint64_t)(VME_FLAGS16 | FL_VIF)) | (fl & VME_FLAGS16);
    if (fl & FL_IF)
        f |= FL_VIF;
    env->rflags = f | 2;
}

void cpu_v86_popf(CPUState *cpu, uint64_t val, unsigned opsize)
{
    if (!vme_active(cpu) || opsize != 2)
        gp0(cpu);
    check_virtual_flags16(cpu, val);
    load_virtual_flags16(cpu, val);
}

void cpu_v86_iret(CPUState *cpu, unsigned opsize)
{
    CPUX86State *env = &cpu->env;
    if (!vme_active(cpu) || opsize != 2)
        gp0(cpu);
    Stack s = stack_current(cpu);
    uint16_t ip = (uint16_t)stack_pop(cpu, &s, 2);
    uint16_t cs = (uint16_t)stack_pop(cpu, &s, 2);
    uint16_t fl = (uint16_t)stack_pop(cpu, &s, 2);
    check_virtual_flags16(cpu, fl);
    stack_commit(cpu, &s);
    seg_load_v86(cpu, SEG_CS, cs);
    env->rip = ip;
    load_virtual_flags16(cpu, fl);
}

/* Bit vec of the interrupt redirection bitmap: the 32 bytes just below
 * the I/O map base of the 32-bit TSS (SDM 20.3.3, figure 20-5).  A byte
 * beyond the TSS limit, an I/O base below 32 (the bitmap would start
 * before the TSS) or a TSS without an I/O base (16-bit) is #GP(0). */
static bool redirection_bit(CPUState *cpu, int vec)
{
    CPUX86State *env = &cpu->env;
    unsigned t = SEGATTR_TYPE(env->tr.attr);
    if (!(env->tr.attr & SEGATTR_P) || (t != SYS_TSS_AVAIL && t != SYS_TSS_BUSY) ||
        env->tr.limit < 0x67)
        gp0(cpu);
    uint32_t io_base = (uint32_t)cpu_lin_ld(cpu, env->tr.base + 0x66, 2, false);
    if (io_base < 32)
        gp0(cpu);
    uint32_t off = io_base - 32 + (uint32_t)vec / 8;
    if (off > env->tr.limit)
        gp0(cpu);
    uint8_t byte = (uint8_t)cpu_lin_ld(cpu, env->tr.base + off, 1, false);
    return (byte >> (vec & 7)) & 1;
}

/* SDM table 20-2: IOPL x VME x redirection bit.
 *   VME=0 IOPL=3: protected mode (1)    VME=0 IOPL<3: #GP (2)
 *   VME=1 IOPL<3 bit=1: #GP (3)         VME=1 IOPL=3 bit=1: protected mode (4)
 *   VME=1 bit=0: the 8086 program's IVT (5 with IOPL=3, 6 with IOPL<3). */
bool cpu_v86_int_redirected(CPUState *cpu, int vec)
{
    bool iopl3 = iopl(cpu) == 3;
    if (!(cpu->env.cr4 & CR4_VME)) {
        if (!iopl3)
            gp0(cpu);
        return false;
    }
    if (!redirection_bit(cpu, vec))
        return true;
    if (!iopl3)
        gp0(cpu);
    return false;
}

/* Methods 5 and 6 (SDM 20.3.3.4-5 and the INT n pseudo-code): a real-mode
 * style frame on the virtual-8086 stack, the handler from the vector table
 * at linear 0 (read at CPL 3), then IF (IOPL 3) or VIF (IOPL < 3) and TF
 * cleared.  With IOPL < 3 the pushed image carries VIF as IF and IOPL 3.
 * The INT instruction completes here, so RF goes too (SDM 17.3.1.1). */
void cpu_v86_redirect(CPUState *cpu, int vec, uint64_t next_rip)
{
    CPUX86State *env = &cpu->env;
    bool iopl3 = iopl(cpu) == 3;
    uint32_t ent = (uint32_t)cpu_lin_ld(cpu, (uint32_t)vec * 4, 4, true);
    uint16_t fl = iopl3 ? (uint16_t)env->rflags : virtual_flags16(cpu);
    Stack s = stack_current(cpu);
    stack_push(cpu, &s, fl, 2);
    stack_push(cpu, &s, env->seg[SEG_CS].sel, 2);
    stack_push(cpu, &s, next_rip & 0xffff, 2);
    stack_commit(cpu, &s);
    seg_load_v86(cpu, SEG_CS, (uint16_t)(ent >> 16));
    env->rip = ent & 0xffff;
    env->rflags &= ~(uint64_t)(FL_TF | FL_RF | (iopl3 ? FL_IF : FL_VIF));
}
