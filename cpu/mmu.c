/* The page-table walker (SDM vol. 3 ch. 4) and the guest memory accessors
 * the system code uses (descriptor tables, stacks, TSS).
 *
 * Choices worth knowing:
 * - MAXPHYADDR is cpu_phys_bits() (40 for long-mode models, QEMU's TCG
 *   default, else 36); bits above it in a paging entry are reserved (#PF
 *   with RSVD).
 * - Accessed/dirty bits are set only when the whole access succeeds, with
 *   atomic OR on host RAM so concurrent vCPUs never lose an update.
 * - PAE PDPTEs are read on every walk instead of being cached at the CR3
 *   load; guests that rewrite live PDPTEs without reloading CR3 see the
 *   new value earlier than on hardware.
 * - SMAP: a supervisor data access to a user page faults when RFLAGS.AC is
 *   clear or the access is implicit at CPL 3 (descriptor and TSS reads).
 *   The returned prot reflects the current AC, so a soft TLB should call
 *   mmu_translate again on a protection miss instead of faulting directly. */
#include "cpu/mmu.h"
#include "cpu/excp.h"
#include "cpu/sys.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"

#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_US   (1ULL << 2)
#define PTE_A    (1ULL << 5)
#define PTE_D    (1ULL << 6)
#define PTE_PS   (1ULL << 7)
#define PTE_G    (1ULL << 8)
#define PTE_NX   (1ULL << 63)

#define PFERR_P    (1u << 0)
#define PFERR_W    (1u << 1)
#define PFERR_U    (1u << 2)
#define PFERR_RSVD (1u << 3)
#define PFERR_I    (1u << 4)
#define PFERR_PK   (1u << 5)

/* Address bits of a 64-bit paging entry. */
static uint64_t addr_mask(const CPUState *cpu)
{
    return ((1ULL << cpu_phys_bits(cpu)) - 1) & ~0xfffULL;
}

/* ---- physical memory ---- */

uint64_t cpu_phys_ld(CPUState *cpu, uint64_t pa, unsigned size)
{
    AddressSpace *as = &cpu->machine->mem;
    pa &= cpu->env.a20_mask;
    uint8_t *p = as_ram_ptr(as, pa, size, false);
    if (p) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)p[i] << (8 * i);
        return v;
    }
    /* Device memory: the bus callbacks expect the machine lock. */
    big_lock();
    uint64_t v = as_ld(as, pa, size);
    big_unlock();
    return v;
}

void cpu_phys_st(CPUState *cpu, uint64_t pa, uint64_t val, unsigned size)
{
    AddressSpace *as = &cpu->machine->mem;
    pa &= cpu->env.a20_mask;
    uint8_t *p = as_ram_ptr(as, pa, size, true);
    if (p) {
        for (unsigned i = 0; i < size; i++)
            p[i] = (uint8_t)(val >> (8 * i));
        /* The engine drops translated code the store overwrote; a
         * display sees the page changed. */
        cpu_tlb_code_write(cpu, pa, size);
        as_dirty_mark(as, pa, size);
        return;
    }
    big_lock();
    as_st(as, pa, val, size);
    big_unlock();
}

/* ---- paging entries ---- */

typedef struct Walk {
    CPUState *cpu;
    uint64_t ent_pa[5];     /* physical address of each entry used */
    unsigned ent_size;      /* 4 (32-bit paging) or 8 */
    int n;                  /* entries used */
    bool rw, us, nx;        /* combined permissions over all levels */
} Walk;

static uint64_t pte_load(Walk *w, uint64_t pa)
{
    pa &= w->cpu->env.a20_mask;
    w->ent_pa[w->n++] = pa;
    return cpu_phys_ld(w->cpu, pa, w->ent_size);
}

/* Atomically OR bits into a paging entry in guest RAM. */
static void pte_set_bits(CPUState *cpu, uint64_t pa, unsigned size, uint64_t bits)
{
    uint8_t *p = as_ram_ptr(&cpu->machine->mem, pa, size, true);
    if (p && size == 8 && ((uintptr_t)p & 7) == 0) {
        uint64_t *q = (uint64_t *)(void *)p;
        if ((__atomic_load_n(q, __ATOMIC_RELAXED) & bits) != bits) {
            __atomic_fetch_or(q, bits, __ATOMIC_SEQ_CST);
            cpu_tlb_code_write(cpu, pa, size);
            as_dirty_mark(&cpu->machine->mem, pa, size);
        }
    } else if (p && size == 4 && ((uintptr_t)p & 3) == 0) {
        uint32_t *q = (uint32_t *)(void *)p;
        if ((__atomic_load_n(q, __ATOMIC_RELAXED) & bits) != bits) {
            __atomic_fetch_or(q, (uint32_t)bits, __ATOMIC_SEQ_CST);
            cpu_tlb_code_write(cpu, pa, size);
            as_dirty_mark(&cpu->machine->mem, pa, size);
        }
    } else {
        uint64_t v = cpu_phys_ld(cpu, pa, size);
        if ((v & bits) != bits)
            cpu_phys_st(cpu, pa, v | bits, size);
    }
}

static void walk_combine(Walk *w, uint64_t e)
{
    w->rw &= (e & PTE_RW) != 0;
    w->us &= (e & PTE_US) != 0;
    w->nx |= (e & PTE_NX) != 0;
}

static bool nxe(const CPUState *cpu)
{
    return (cpu->env.efer & EFER_NXE) != 0;
}

/* Reserved bits of a 64-bit entry above MAXPHYADDR, plus NX when NXE=0. */
static uint64_t rsvd_high(const CPUState *cpu)
{
    uint64_t r = ~((1ULL << cpu_phys_bits(cpu)) - 1) & ~PTE_NX & ~(0x7ffULL << 52);
    if (!nxe(cpu))
        r |= PTE_NX;
    return r;
}

typedef enum { WALK_OK, WALK_NP, WALK_RSVD } WalkStatus;

/* 4-level and PAE tables: walk from the table at 'table' for levels
 * [level..1] (4 = PML4, 3 = PDPT, 2 = PD, 1 = PT).  On success *leaf is the
 * leaf entry, *size the page size. */
static WalkStatus walk64(Walk *w, uint64_t table, uint64_t la, int level,
                         uint64_t *leaf, uint64_t *size)
{
    CPUState *cpu = w->cpu;
    bool gb_pages = (cpu->features[FEAT_8000_0001_EDX] & CPUID_EXT2_PDPE1GB) != 0;
    /* Bits 62:52 are ignored by 4-level paging but reserved by PAE paging
     * (SDM vol. 3A 4.4.2: bits 62:MAXPHYADDR of a present PDE or PTE). */
    uint64_t rsvd = rsvd_high(cpu);
    if (!(cpu->env.efer & EFER_LMA))
        rsvd |= 0x7ffULL << 52;
    for (; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t e = pte_load(w, table + ((la >> shift) & 511) * 8);
        if (!(e & PTE_P))
            return WALK_NP;
        if (e & rsvd)
            return WALK_RSVD;
        if (level == 4 && (e & PTE_PS))
            return WALK_RSVD;
        walk_combine(w, e);
        bool large = (level == 2 || (level == 3 && gb_pages)) && (e & PTE_PS);
        if (level == 3 && !gb_pages && (e & PTE_PS))
            return WALK_RSVD;
        if (large) {
            uint64_t page = 1ULL << shift;
            /* PAT bit 12 is allowed; bits 12+1..shift-1 are reserved. */
            if (e & (page - 1) & ~0x1fffULL)
                return WALK_RSVD;
            *leaf = e;
            *size = page;
            return WALK_OK;
        }
        if (level == 1) {
            *leaf = e;
            *size = 4096;
            return WALK_OK;
        }
        table = e & addr_mask(cpu);
    }
    return WALK_NP;
}

static WalkStatus walk_pae(Walk *w, uint64_t la, uint64_t *leaf, uint64_t *size)
{
    CPUState *cpu = w->cpu;
    uint64_t pdpte = pte_load(w, (cpu->env.cr3 & 0xffffffe0) + ((la >> 30) & 3) * 8);
    /* The PDPTE itself is not part of the permission combination. */
    w->n = 0;
    if (!(pdpte & PTE_P))
        return WALK_NP;
    /* PDPTE: bits 63..MAXPHYADDR and 1, 2, 5-8 are reserved. */
    uint64_t rsvd = ~((1ULL << cpu_phys_bits(cpu)) - 1) | 0x1e6;
    if (pdpte & rsvd)
        return WALK_RSVD;
    return walk64(w, pdpte & addr_mask(cpu), la, 2, leaf, size);
}

static WalkStatus walk32(Walk *w, uint64_t la, uint64_t *leaf, uint64_t *size,
                         uint64_t *pa_out)
{
    CPUState *cpu = w->cpu;
    uint64_t pde = pte_load(w, (cpu->env.cr3 & 0xfffff000) + ((la >> 22) & 1023) * 4);
    if (!(pde & PTE_P))
        return WALK_NP;
    walk_combine(w, pde);
    if ((pde & PTE_PS) && (cpu->env.cr4 & CR4_PSE)) {
        /* 4 MiB page; PSE-36 puts physical bits 39:32 in PDE bits 20:13. */
        if (pde & (1u << 21))
            return WALK_RSVD;
        uint64_t hi = (pde >> 13) & 0xff;
        if (hi >> (cpu_phys_bits(cpu) - 32))
            return WALK_RSVD;
        *leaf = pde;
        *size = 4 * 1024 * 1024;
        *pa_out = (hi << 32) | (pde & 0xffc00000) | (la & 0x3fffff);
        return WALK_OK;
    }
    uint64_t pte = pte_load(w, (pde & 0xfffff000) + ((la >> 12) & 1023) * 4);
    if (!(pte & PTE_P))
        return WALK_NP;
    walk_combine(w, pte);
    *leaf = pte;
    *size = 4096;
    *pa_out = (pte & 0xfffff000) | (la & 0xfff);
    return WALK_OK;
}

/* Permissions of the walked page for this privilege (SDM 4.6). */
static unsigned walk_prot(const CPUState *cpu, const Walk *w, bool user, bool implicit3)
{
    const CPUX86State *env = &cpu->env;
    bool nx = w->nx && nxe(cpu);
    unsigned prot = 0;
    if (user) {
        if (!w->us)
            return 0;
        prot = PROT_R | (w->rw ? PROT_W : 0) | (nx ? 0 : PROT_X);
        return prot;
    }
    bool wr = w->rw || !(env->cr0 & CR0_WP);
    prot = PROT_R | (wr ? PROT_W : 0) | (nx ? 0 : PROT_X);
    if (w->us) {
        if (env->cr4 & CR4_SMEP)
            prot &= ~PROT_X;
        if ((env->cr4 & CR4_SMAP) && (implicit3 || !(env->rflags & FL_AC)))
            prot &= ~(PROT_R | PROT_W);
    }
    return prot;
}

/* Protection keys (SDM 4.6.2), 4- and 5-level paging only: the leaf's
 * bits 62:59 select a key whose AD bit in PKRU (user-mode pages, CR4.PKE)
 * or IA32_PKRS (supervisor-mode pages, CR4.PKS) takes away data reads and
 * writes, and whose WD bit writes -- by user accesses always, by
 * supervisor ones when CR0.WP is set.  Instruction fetches are unaffected. */
static unsigned pkey_prot(const CPUState *cpu, const Walk *w, uint64_t leaf, bool user,
                          unsigned prot)
{
    const CPUX86State *env = &cpu->env;
    uint32_t pkr;
    if (w->us && (env->cr4 & CR4_PKE))
        pkr = env->pkru;
    else if (!w->us && (env->cr4 & CR4_PKS))
        pkr = env->pkrs;
    else
        return prot;
    unsigned key = (unsigned)(leaf >> 59) & 15;
    if (pkr & (1u << (2 * key)))
        return prot & ~(unsigned)(PROT_R | PROT_W);
    if ((pkr & (2u << (2 * key))) && (user || (env->cr0 & CR0_WP)))
        return prot & ~(unsigned)PROT_W;
    return prot;
}

static uint32_t pf_code(const CPUState *cpu, MMUAccess acc, bool user, uint32_t bits)
{
    uint32_t ec = bits;
    if (acc == MMU_WRITE)
        ec |= PFERR_W;
    if (user)
        ec |= PFERR_U;
    if (acc == MMU_EXEC && (nxe(cpu) || (cpu->env.cr4 & CR4_SMEP)))
        ec |= PFERR_I;
    return ec;
}

static bool translate(CPUState *cpu, uint64_t la, MMUAccess acc, bool user, bool debug,
                      MMUResult *r, uint32_t *pf_error);

bool mmu_translate(CPUState *cpu, uint64_t la, MMUAccess acc, bool user,
                   MMUResult *r, uint32_t *pf_error)
{
    return translate(cpu, la, acc, user, false, r, pf_error);
}

bool mmu_translate_debug(CPUState *cpu, uint64_t la, MMUResult *r)
{
    uint32_t ec;
    return translate(cpu, la, MMU_READ, false, true, r, &ec);
}

/* The walk; debug: no permission checks and no accessed/dirty updates. */
static bool translate(CPUState *cpu, uint64_t la, MMUAccess acc, bool user, bool debug,
                      MMUResult *r, uint32_t *pf_error)
{
    CPUX86State *env = &cpu->env;
    bool lma = (env->efer & EFER_LMA) != 0;
    if (!lma)
        la &= 0xffffffffULL;
    if (!(env->cr0 & CR0_PG)) {
        r->pa = la & env->a20_mask;
        r->page_size = 4096;
        r->prot = PROT_R | PROT_W | PROT_X;
        r->global = false;
        return true;
    }

    Walk w = { .cpu = cpu, .ent_size = 8, .rw = true, .us = true };
    uint64_t leaf = 0, size = 4096, pa = 0;
    WalkStatus st;
    if (lma) {
        st = walk64(&w, env->cr3 & addr_mask(cpu), la, 4, &leaf, &size);
        pa = (leaf & addr_mask(cpu) & ~(size - 1)) | (la & (size - 1));
    } else if (env->cr4 & CR4_PAE) {
        st = walk_pae(&w, la, &leaf, &size);
        pa = (leaf & addr_mask(cpu) & ~(size - 1)) | (la & (size - 1));
    } else {
        w.ent_size = 4;
        st = walk32(&w, la, &leaf, &size, &pa);
    }
    if (st == WALK_NP) {
        *pf_error = pf_code(cpu, acc, user, 0);
        return false;
    }
    if (st == WALK_RSVD) {
        *pf_error = pf_code(cpu, acc, user, PFERR_P | PFERR_RSVD);
        return false;
    }

    bool implicit3 = !user && cpu_cpl(cpu) == 3;
    unsigned prot = walk_prot(cpu, &w, user, implicit3);
    unsigned need = acc == MMU_WRITE ? PROT_W : acc == MMU_EXEC ? PROT_X : PROT_R;
    if (debug) {
        r->pa = pa & env->a20_mask;
        r->page_size = size;
        r->prot = prot;
        r->global = (leaf & PTE_G) && (env->cr4 & CR4_PGE);
        return true;
    }
    if (!(prot & need)) {
        *pf_error = pf_code(cpu, acc, user, PFERR_P);
        return false;
    }
    if (lma) {
        prot = pkey_prot(cpu, &w, leaf, user, prot);
        if (!(prot & need)) {
            *pf_error = pf_code(cpu, acc, user, PFERR_P | PFERR_PK);
            return false;
        }
    }

    /* Accessed bits on every entry used; dirty on the leaf for writes.  A
     * read leaves the translation read-only until a write sets D. */
    unsigned leaf_i = (unsigned)w.n - 1;
    for (unsigned i = 0; i < leaf_i; i++)
        pte_set_bits(cpu, w.ent_pa[i], w.ent_size, PTE_A);
    pte_set_bits(cpu, w.ent_pa[leaf_i], w.ent_size,
                 acc == MMU_WRITE ? PTE_A | PTE_D : PTE_A);
    if (acc != MMU_WRITE && !(leaf & PTE_D))
        prot &= ~PROT_W;

    r->pa = pa & env->a20_mask;
    r->page_size = size;
    r->prot = prot;
    r->global = (leaf & PTE_G) && (env->cr4 & CR4_PGE);
    return true;
}

/* ---- linear accesses for system code ---- */

static uint64_t lin_to_phys(CPUState *cpu, uint64_t la, MMUAccess acc, bool user)
{
    MMUResult r;
    uint32_t ec;
    if (!mmu_translate(cpu, la, acc, user, &r, &ec))
        cpu_raise_page_fault(cpu, la, ec);
    return r.pa;
}

static uint64_t lin_mask(const CPUState *cpu, uint64_t la)
{
    return (cpu->env.efer & EFER_LMA) ? la : (la & 0xffffffffULL);
}

/* Data breakpoints and watchpoints see system code's accesses too: the
 * SDM makes no exception for implicit ones (17.3.1.2). */
void cpu_lin_accessed(CPUState *cpu, uint64_t la, unsigned size, bool write)
{
    if (cpu->lin_access_hook)
        cpu->lin_access_hook(cpu, la, size, write);
}

uint64_t cpu_lin_ld(CPUState *cpu, uint64_t la, unsigned size, bool user)
{
    la = lin_mask(cpu, la);
    unsigned first = 4096 - (la & 0xfff);
    if (first >= size) {
        uint64_t v = cpu_phys_ld(cpu, lin_to_phys(cpu, la, MMU_READ, user), size);
        cpu_lin_accessed(cpu, la, size, false);
        return v;
    }
    uint64_t pa0 = lin_to_phys(cpu, la, MMU_READ, user);
    uint64_t pa1 = lin_to_phys(cpu, lin_mask(cpu, la + first), MMU_READ, user);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t pa = i < first ? pa0 + i : pa1 + (i - first);
        v |= cpu_phys_ld(cpu, pa, 1) << (8 * i);
    }
    cpu_lin_accessed(cpu, la, size, false);
    return v;
}

uint8_t cpu_lin_fetch(CPUState *cpu, uint64_t la, bool user)
{
    la = lin_mask(cpu, la);
    return (uint8_t)cpu_phys_ld(cpu, lin_to_phys(cpu, la, MMU_EXEC, user), 1);
}

void cpu_lin_st(CPUState *cpu, uint64_t la, uint64_t val, unsigned size, bool user)
{
    la = lin_mask(cpu, la);
    unsigned first = 4096 - (la & 0xfff);
    if (first >= size) {
        cpu_phys_st(cpu, lin_to_phys(cpu, la, MMU_WRITE, user), val, size);
        cpu_lin_accessed(cpu, la, size, true);
        return;
    }
    /* Both pages are checked before either is written (precise faults). */
    uint64_t pa0 = lin_to_phys(cpu, la, MMU_WRITE, user);
    uint64_t pa1 = lin_to_phys(cpu, lin_mask(cpu, la + first), MMU_WRITE, user);
    for (unsigned i = 0; i < size; i++) {
        uint64_t pa = i < first ? pa0 + i : pa1 + (i - first);
        cpu_phys_st(cpu, pa, (val >> (8 * i)) & 0xff, 1);
    }
    cpu_lin_accessed(cpu, la, size, true);
}
