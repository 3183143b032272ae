/* System instructions shared by the engines' translated code: segment
 * loads with their checks, far transfers, task/descriptor-table registers,
 * control registers, MSRs, fast system calls.  Each helper runs with
 * env->rip at the start of the instruction (for precise faults) and takes
 * next_rip where the instruction continues; helpers that fault call
 * cpu_raise_exception() and never return. */
#ifndef KEMU_CPU_SYS_H
#define KEMU_CPU_SYS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "cpu/cpu.h"
#include "cpu/cpuid.h"

/* CPUID feature bits the system code consults (in CPUState.features[]
 * words named in cpu/cpuid.h). */
#define CPUID_VME      (1u << 1)    /* FEAT_1_EDX */
#define CPUID_PSE      (1u << 3)
#define CPUID_TSC      (1u << 4)
#define CPUID_MSR      (1u << 5)
#define CPUID_PAE      (1u << 6)
#define CPUID_MCE      (1u << 7)
#define CPUID_APIC     (1u << 9)
#define CPUID_SEP      (1u << 11)
#define CPUID_MTRR     (1u << 12)
#define CPUID_PGE      (1u << 13)
#define CPUID_MCA      (1u << 14)
#define CPUID_PAT      (1u << 16)
#define CPUID_PSE36    (1u << 17)
#define CPUID_FXSR     (1u << 24)
#define CPUID_EXT_PCID     (1u << 17)   /* FEAT_1_ECX */
#define CPUID_EXT_X2APIC   (1u << 21)
#define CPUID_EXT_TSC_DEADLINE (1u << 24)
#define CPUID_EXT_XSAVE    (1u << 26)
#define CPUID_EXT_OSXSAVE  (1u << 27)
#define CPUID_7_0_EBX_TSC_ADJUST (1u << 1)
#define CPUID_7_0_EBX_FSGSBASE (1u << 0)
#define CPUID_7_0_EBX_SMEP     (1u << 7)
#define CPUID_7_0_EBX_SMAP     (1u << 20)
#define CPUID_7_0_ECX_UMIP     (1u << 2)
#define CPUID_7_0_ECX_PKU      (1u << 3)
#define CPUID_7_0_ECX_PKS      (1u << 31)
#define CPUID_EXT2_SYSCALL (1u << 11)   /* FEAT_8000_0001_EDX */
#define CPUID_EXT2_NX      (1u << 20)
#define CPUID_EXT2_PDPE1GB (1u << 26)
#define CPUID_EXT2_RDTSCP  (1u << 27)
#define CPUID_EXT2_LM      (1u << 29)

/* TSC frequency of the TCG CPU: 1 GHz, so the TSC counts virtual
 * nanoseconds (plus IA32_TSC's offset).  Linux calibrates it against the
 * PIT, which runs on the same virtual clock, so the two always agree. */
#define CPU_TSC_HZ 1000000000ULL

/* The vCPU running on this thread: engines set it in their vCPU loop (a
 * round-robin loop sets it before running each vCPU); NULL elsewhere.
 * Per-CPU MMIO (the local APIC page) uses it to find "this" CPU. */
extern _Thread_local CPUState *current_cpu;

/* A 48-bit canonical address (bits 63..47 all equal). */
static inline bool cpu_canonical(uint64_t a)
{
    uint64_t top = a >> 47;
    return top == 0 || top == 0x1ffff;
}

/* Current privilege level and mode queries. */
int cpu_cpl(const CPUState *cpu);
bool cpu_long_mode(const CPUState *cpu);        /* EFER.LMA */
bool cpu_code64(const CPUState *cpu);           /* LMA and CS.L */

/* MOV Sreg / POP Sreg / LDS...: load with protected-mode checks. */
void cpu_load_seg(CPUState *cpu, int seg, uint16_t sel);
/* Far JMP/CALL (with call gates and task switches) and RET/IRET.
 * opsize is 2, 4 or 8 bytes.  They set env->rip/CS themselves. */
void cpu_far_jmp(CPUState *cpu, uint16_t sel, uint64_t off, uint64_t next_rip);
void cpu_far_call(CPUState *cpu, uint16_t sel, uint64_t off, int opsize, uint64_t next_rip);
void cpu_far_ret(CPUState *cpu, int opsize, uint16_t pop_bytes);
void cpu_iret(CPUState *cpu, int opsize);

void cpu_lldt(CPUState *cpu, uint16_t sel);
void cpu_ltr(CPUState *cpu, uint16_t sel);
/* LAR/LSL/VERR/VERW: return the result and set ZF in env->rflags (the
 * caller materializes lazy flags first). */
uint32_t cpu_lar(CPUState *cpu, uint16_t sel, bool *ok);
uint32_t cpu_lsl(CPUState *cpu, uint16_t sel, bool *ok);
bool cpu_verr(CPUState *cpu, uint16_t sel);
bool cpu_verw(CPUState *cpu, uint16_t sel);

/* MOV to/from CRn, DRn, with #GP/#UD checks; CR writes may change mode
 * (LMA) and flush the TLB. */
void cpu_write_cr(CPUState *cpu, int n, uint64_t val);
uint64_t cpu_read_cr(CPUState *cpu, int n);
void cpu_write_dr(CPUState *cpu, int n, uint64_t val);
uint64_t cpu_read_dr(CPUState *cpu, int n);
void cpu_lmsw(CPUState *cpu, uint16_t val);
void cpu_clts(CPUState *cpu);

/* RDMSR/WRMSR on ECX and EDX:EAX (#GP for unknown MSRs or bad values). */
void cpu_rdmsr(CPUState *cpu);
void cpu_wrmsr(CPUState *cpu);
/* Generic MSR access (also used by KVM sync and the monitor).  false: no such MSR. */
bool cpu_msr_read(CPUState *cpu, uint32_t idx, uint64_t *val);
bool cpu_msr_write(CPUState *cpu, uint32_t idx, uint64_t val);
/* AMD's performance counters (cpu/msr-pmu.c): false when idx is not one
 * the vCPU's model has. */
bool cpu_pmu_msr_read(CPUState *cpu, uint32_t idx, uint64_t *val);
bool cpu_pmu_msr_write(CPUState *cpu, uint32_t idx, uint64_t val);
/* RDPMC's counter ECX (0-3, or 0-5 with PerfCtrExtCore); false: #GP. */
bool cpu_pmu_rdpmc(CPUState *cpu, uint32_t idx, uint64_t *val);
/* The TSC (virtual ns at CPU_TSC_HZ plus IA32_TSC's offset); #GP(0) when
 * CR4.TSD is set and CPL > 0.  cpu_msr_write(IA32_APIC_BASE or
 * TSC_DEADLINE) takes the machine lock: call it without holding it. */
uint64_t cpu_rdtsc(CPUState *cpu);

void cpu_syscall(CPUState *cpu, uint64_t next_rip);
void cpu_sysret(CPUState *cpu, int opsize);
void cpu_sysenter(CPUState *cpu);
void cpu_sysexit(CPUState *cpu, int opsize);
void cpu_swapgs(CPUState *cpu);

/* CPUID on EAX/ECX -> EAX..EDX. */
void cpu_exec_cpuid(CPUState *cpu);
/* HLT: sets env->halted (the loop waits for an interrupt). */
void cpu_hlt(CPUState *cpu, uint64_t next_rip);
void cpu_invlpg(CPUState *cpu, uint64_t la);
/* IN/OUT permission check (IOPL and the TSS I/O bitmap). */
void cpu_check_io(CPUState *cpu, uint16_t port, unsigned size);
/* Virtual-8086 mode extensions and protected-mode virtual interrupts
 * (CR4.VME, CR4.PVI; cpu/v86.c).  Each raises #GP(0) where the SDM says. */
/* CLI/STI that IOPL does not allow: VIF under VME (VM=1) or PVI (CPL 3),
 * else #GP(0); STI with VIP set is #GP(0). */
void cpu_virtual_cli_sti(CPUState *cpu, bool sti);
/* Between instructions (the engine's loop, only when RFLAGS has both VIF
 * and VIP): #GP(0) before the next instruction in virtual-8086 mode under
 * VME with IOPL < 3 (SDM 20.3.2); returns otherwise. */
void cpu_v86_check_vip(CPUState *cpu);
/* PUSHF/POPF/IRET in virtual-8086 mode with IOPL < 3 (#GP(0) unless
 * VME and a 16-bit operand size).  Flags synced by the caller. */
uint16_t cpu_v86_pushf(CPUState *cpu, unsigned opsize);
void cpu_v86_popf(CPUState *cpu, uint64_t val, unsigned opsize);
void cpu_v86_iret(CPUState *cpu, unsigned opsize);
/* INT n in virtual-8086 mode (SDM table 20-2): true when it goes to the
 * 8086 program's vector table (then call cpu_v86_redirect), false when
 * to the protected-mode IDT; #GP(0) for methods 2 and 3. */
bool cpu_v86_int_redirected(CPUState *cpu, int vec);
void cpu_v86_redirect(CPUState *cpu, int vec, uint64_t next_rip);
/* INT n (opcode CD) in any mode: the virtual-8086 checks and redirection
 * above, then cpu_raise_soft_interrupt.  Never returns (cpu/excp.c). */
noreturn void cpu_raise_int_n(CPUState *cpu, int vector, uint64_t next_rip);

/* A data access of size bytes at offset off through segment seg outside
 * 64-bit mode: limit (and, in protected mode, rights) checked; #SS(0) for
 * SS, #GP(0) otherwise (cpu/seg-check.c). */
void cpu_seg_check(CPUState *cpu, int seg, uint64_t off, unsigned size, bool write);

#endif
