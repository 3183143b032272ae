/* The x86 CPU state both accelerators share.
 *
 * This struct is the single home of guest CPU state.  KVM copies it to and
 * from the kernel around monitor/gdbstub accesses (accel->sync_state); TCG
 * runs on it directly.  Layouts follow the Intel SDM; field names follow
 * the architectural register names. */
#ifndef KEMU_CPU_H
#define KEMU_CPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct Machine;

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/* RFLAGS bits */
#define FL_CF   (1u << 0)
#define FL_PF   (1u << 2)
#define FL_AF   (1u << 4)
#define FL_ZF   (1u << 6)
#define FL_SF   (1u << 7)
#define FL_TF   (1u << 8)
#define FL_IF   (1u << 9)
#define FL_DF   (1u << 10)
#define FL_OF   (1u << 11)
#define FL_IOPL (3u << 12)
#define FL_NT   (1u << 14)
#define FL_RF   (1u << 16)
#define FL_VM   (1u << 17)
#define FL_AC   (1u << 18)
#define FL_VIF  (1u << 19)
#define FL_VIP  (1u << 20)
#define FL_ID   (1u << 21)

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)

#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE  (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP (1u << 11)
#define CR4_FSGSBASE (1u << 16)
#define CR4_PCIDE (1u << 17)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define CR4_PKE (1u << 22)
#define CR4_PKS (1u << 24)

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* IA32_APIC_BASE: the local APIC's page and its BSP and enable bits. */
#define APIC_DEFAULT_BASE 0xfee00000ULL
#define APIC_BASE_BSP     (1ULL << 8)
#define APIC_BASE_ENABLE  (1ULL << 11)
#define APIC_BASE_EXTD    (1ULL << 10)    /* x2APIC mode */

/* Exception vectors */
enum { EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
       EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11,
       EXC_SS = 12, EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17,
       EXC_MC = 18, EXC_XM = 19 };

/* A segment register with its hidden descriptor cache.  attr holds the
 * descriptor's type/S/DPL/P bits in 7..0 and AVL/L/D-B/G in 11..8, i.e. the
 * access-rights word shifted as in the descriptor's bytes 5-6 (also the
 * layout SVM's VMCB uses). */
typedef struct SegReg {
    uint16_t sel;
    uint64_t base;
    uint32_t limit;     /* byte-granular, already scaled by G */
    uint16_t attr;
} SegReg;

#define SEGATTR_TYPE(a) ((a) & 0xf)
#define SEGATTR_S       (1u << 4)
#define SEGATTR_DPL(a)  (((a) >> 5) & 3)
#define SEGATTR_P       (1u << 7)
#define SEGATTR_AVL     (1u << 8)
#define SEGATTR_L       (1u << 9)
#define SEGATTR_DB      (1u << 10)
#define SEGATTR_G       (1u << 11)

typedef struct DescTable {
    uint64_t base;
    uint16_t limit;
} DescTable;

/* 80-bit x87 register: 64-bit significand, sign+15-bit exponent. */
typedef struct Float80 {
    uint64_t mant;
    uint16_t sexp;
} Float80;

typedef union Xmm {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
} Xmm;

typedef struct X87State {
    Float80 st[8];      /* physical registers R0..R7 */
    uint16_t fcw, fsw;  /* fsw bits 13..11 (TOP) are authoritative */
    uint8_t ftw;        /* abridged tag: bit i set = R[i] valid (FXSAVE form) */
    uint16_t fop;
    uint64_t fip, fdp;
    uint16_t fcs, fds;
} X87State;

typedef struct CPUModel CPUModel;

/* Pending-event bits in CPUX86State.interrupt_request. */
#define CPU_INTERRUPT_HARD  (1u << 0)  /* an external interrupt may be pending */
#define CPU_INTERRUPT_NMI   (1u << 1)
#define CPU_INTERRUPT_INIT  (1u << 2)
#define CPU_INTERRUPT_SIPI  (1u << 3)
#define CPU_INTERRUPT_EXIT  (1u << 4)  /* leave the run loop (kick) */
#define CPU_INTERRUPT_RESET (1u << 5)

typedef struct CPUX86State {
    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags;    /* arithmetic flags are only exact after cpu_sync_flags() under TCG */
    SegReg seg[SEG_COUNT];
    SegReg ldt, tr;
    DescTable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t dr[8];
    uint64_t xcr0;

    /* MSRs */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat, apic_base, tsc_offset, tsc_aux, mtrr_def_type, misc_enable;

    X87State fpu;
    uint32_t mxcsr;
    Xmm xmm[16];

    /* Lazy condition codes for TCG: flags are a function of (cc_op,
     * cc_dst, cc_src, cc_src2); see translate/flags.c. */
    uint32_t cc_op;
    uint64_t cc_dst, cc_src, cc_src2;

    /* Execution state */
    bool halted;
    uint32_t sipi_vector;
    int exception_index;      /* -1 when none pending */
    uint32_t error_code;
    bool a20_enabled;         /* mirrors the board's A20 gate */
    uint64_t a20_mask;
    uint8_t inhibit_irq;      /* STI / MOV SS shadow */
    /* Added for the system side (cpu/excp.c, cpu/msr.c): */
    int delivering;           /* vector+1 of the event being delivered, 0 none (#DF rules) */
    bool nmi_blocked;         /* NMI handler running: blocked until IRET */
    uint64_t mtrr_fixed[11];  /* MSRs 0x250, 0x258, 0x259, 0x268..0x26f */
    uint64_t mtrr_var[16];    /* MSRs 0x200..0x20f (base/mask pairs) */
    uint64_t feature_control, hwcr;
    /* Protection keys (SDM 4.6.2): PKRU for user-mode pages (RDPKRU,
     * WRPKRU), IA32_PKRS for supervisor-mode pages. */
    uint32_t pkru, pkrs;
    /* IA32_TSC_ADJUST: what software has added to the TSC so far. */
    uint64_t tsc_adjust;
    /* AMD performance counters (cpu/msr-pmu.c): event selects, and each
     * counter's value when it was last written or stopped together with
     * the virtual time it has counted since (0 while stopped). */
    uint64_t pmu_evtsel[6], pmu_count[6];
    int64_t pmu_since[6];

    /* Event injection for KVM and the TCG loop. */
    _Atomic uint32_t interrupt_request;
} CPUX86State;

/* inhibit_irq bits: the shadow of STI (interrupts wait one instruction)
 * and that of MOV SS / POP SS, which also holds back debug traps and
 * suppresses the next instruction's breakpoints (SDM vol. 3 6.8.3). */
#define INHIBIT_STI 1u
#define INHIBIT_SS  2u

struct CPUState;

/* The local APIC as the CPU itself reaches it: IA32_APIC_BASE writes, CR8
 * (TPR bits 7:4), IA32_TSC_DEADLINE.  The APIC model (hw/intc/apic.c) sets
 * cpu->lapic_ops together with cpu->lapic. */
typedef struct CpuLapicOps {
    void (*set_base)(struct CPUState *cpu, uint64_t val);
    uint8_t (*get_tpr)(struct CPUState *cpu);
    void (*set_tpr)(struct CPUState *cpu, uint8_t tpr);
    uint64_t (*get_tsc_deadline)(struct CPUState *cpu);
    void (*set_tsc_deadline)(struct CPUState *cpu, uint64_t tsc);
    /* x2APIC registers as MSRs 0x800-0x8ff: false raises #GP. */
    bool (*msr_read)(struct CPUState *cpu, uint32_t idx, uint64_t *val);
    bool (*msr_write)(struct CPUState *cpu, uint32_t idx, uint64_t val);
} CpuLapicOps;

typedef struct CPUState {
    CPUX86State env;
    int index;                /* 0..smp_cpus-1, also initial APIC ID */
    const CPUModel *model;
    uint32_t features[8];     /* CPUID feature words, see cpu/cpuid.h */
    struct Machine *machine;
    void *accel;              /* per-vCPU accelerator data */
    void *lapic;              /* userspace local APIC (TCG, kernel-irqchip=off) */
    const struct CpuLapicOps *lapic_ops;  /* set with lapic, by the APIC */
    bool stopped;             /* by the monitor */
    void *jmp_env;            /* TCG: sigjmp_buf of the running loop, for exceptions */
    bool created;
    int thread_id;            /* host thread id of the vCPU (info cpus), 0 if none */
    /* Set by an engine that checks data breakpoints and watchpoints itself
     * (TCG): told of every linear data access system code makes through
     * cpu_lin_ld/cpu_lin_st (interrupt frames, descriptor tables, TSS)
     * once it succeeded.  NULL otherwise. */
    void (*lin_access_hook)(struct CPUState *cpu, uint64_t la, unsigned size, bool write);
    /* Set by an engine that caches translations (TCG's soft TLB): what
     * cpu_tlb_flush() and friends call (cpu/mmu.h).  NULL otherwise. */
    const struct CpuTlbHooks *tlb_hooks;
    /* DR6 bits of a #DB trap system code decided on (BT: a task switch to
     * a TSS with its T flag set, SDM 17.3.1.5): the engine raises it once
     * the instruction or event is complete. */
    uint32_t db_trap;
    /* Set by an instruction whose single-step trap depends on TF as it
     * left it, not as it found it: SYSCALL, whose FMASK can clear TF so
     * that no #DB is taken in the kernel, and SYSRET, whose R11 can set
     * it so that the trap comes at the user's first instruction (RFLAGS.TF
     * is checked after these instructions complete, as AMD processors do).
     * The engine clears it. */
    bool step_on_new_tf;
} CPUState;

/* Allocate vCPU index of machine m with the parsed -cpu model. */
CPUState *cpu_create(struct Machine *m, int index, const CPUModel *model,
                     const uint32_t *features);

/* Power-on/INIT state of a CPU (SDM vol. 3, table 9-1): real mode at
 * F000:FFF0, CS base FFFF0000.  A BSP runs; an AP waits for SIPI (halted). */
void cpu_reset(CPUState *cpu);

/* Decode a GDT/LDT descriptor's bytes into a SegReg's hidden part. */
void seg_from_desc(SegReg *s, uint16_t sel, uint32_t lo, uint32_t hi);

#endif
