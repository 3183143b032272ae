/* The page walker against hand-built tables: every paging form, the
 * permission rules, #PF error codes, accessed/dirty bits and reserved bits. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"

#define P 1ULL
#define RW 2ULL
#define US 4ULL
#define A 0x20ULL
#define D 0x40ULL
#define PS 0x80ULL
#define G 0x100ULL
#define NX (1ULL << 63)

static bool walk(CPUState *cpu, uint64_t la, MMUAccess acc, bool user, MMUResult *r,
                 uint32_t *ec)
{
    *ec = 0xdead;
    return mmu_translate(cpu, la, acc, user, r, ec);
}

/* 32-bit paging: PD at 0x1000, PT at 0x2000 mapping la 0x00400000+. */
static CPUState *setup32(uint32_t pte_flags)
{
    CPUState *cpu = tcpu_setup(1);
    pw32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
    pw32(0x2000 + 5 * 4, 0x7000 | (uint32_t)pte_flags);
    cpu->env.cr3 = 0x1000;
    cpu->env.cr0 |= CR0_PE | CR0_PG;
    return cpu;
}

TEST(mmu, paging_off_identity_and_a20)
{
    CPUState *cpu = tcpu_setup(1);
    MMUResult r;
    uint32_t ec;
    CHECK(walk(cpu, 0x123456, MMU_WRITE, true, &r, &ec));
    CHECK_EQ(r.pa, 0x123456);
    CHECK_EQ(r.prot, PROT_R | PROT_W | PROT_X);
    cpu->env.a20_mask = ~(1ULL << 20);
    CHECK(walk(cpu, 0x10fff0, MMU_READ, false, &r, &ec));
    CHECK_EQ(r.pa, 0x0fff0);
}

TEST(mmu, pg32_translate_sets_accessed_and_dirty)
{
    CPUState *cpu = setup32(P | RW | US);
    MMUResult r;
    uint32_t ec;
    CHECK(walk(cpu, 0x405abc, MMU_READ, false, &r, &ec));
    CHECK_EQ(r.pa, 0x7abc);
    CHECK_EQ(r.page_size, 4096);
    CHECK_EQ(pr32(0x1004) & A, A);
    CHECK_EQ(pr32(0x2014) & (A | D), A);
    /* A clean page is not writable in the TLB until a write sets D. */
    CHECK_EQ(r.prot & PROT_W, 0);
    CHECK(walk(cpu, 0x405abc, MMU_WRITE, false, &r, &ec));
    CHECK_EQ(pr32(0x2014) & (A | D), A | D);
    CHECK(r.prot & PROT_W);
}

TEST(mmu, pg32_not_present_error_codes)
{
    CPUState *cpu = setup32(P | RW | US);
    MMUResult r;
    uint32_t ec;
    CHECK(!walk(cpu, 0x800000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0);
    CHECK(!walk(cpu, 0x406000, MMU_WRITE, false, &r, &ec));
    CHECK_EQ(ec, 2);
    CHECK(!walk(cpu, 0x406000, MMU_WRITE, true, &r, &ec));
    CHECK_EQ(ec, 6);
    /* No accessed bits on a failed walk. */
    CHECK_EQ(pr32(0x1004) & A, 0);
}

TEST(mmu, pg32_user_supervisor_and_wp)
{
    CPUState *cpu = setup32(P);            /* supervisor, read-only */
    MMUResult r;
    uint32_t ec;
    CHECK(!walk(cpu, 0x405000, MMU_READ, true, &r, &ec));
    CHECK_EQ(ec, 5);                       /* P | U */
    CHECK(walk(cpu, 0x405000, MMU_WRITE, false, &r, &ec));  /* WP=0 */
    cpu->env.cr0 |= CR0_WP;
    CHECK(!walk(cpu, 0x405000, MMU_WRITE, false, &r, &ec));
    CHECK_EQ(ec, 3);                       /* P | W */
    pw32(0x2014, 0x7000 | P | US);         /* user read-only */
    CHECK(walk(cpu, 0x405000, MMU_READ, true, &r, &ec));
    CHECK(!walk(cpu, 0x405000, MMU_WRITE, true, &r, &ec));
    CHECK_EQ(ec, 7);
}

TEST(mmu, pg32_pse_4m_pages)
{
    CPUState *cpu = tcpu_setup(1);
    /* PDE 2: 4 MiB page at 0x00c00000 plus PSE-36 bits (PA 39:32 = 1). */
    pw32(0x1000 + 2 * 4, 0x00c00000 | (1u << 13) | P | RW | PS);
    cpu->env.cr3 = 0x1000;
    cpu->env.cr0 |= CR0_PE | CR0_PG;
    cpu->env.cr4 |= CR4_PSE;
    MMUResult r;
    uint32_t ec;
    CHECK(walk(cpu, 0x00812345, MMU_WRITE, false, &r, &ec));
    CHECK_EQ(r.pa, 0x100c12345ULL);
    CHECK_EQ(r.page_size, 4 * 1024 * 1024);
    CHECK_EQ(pr32(0x1008) & (A | D), A | D);
    /* Bit 21 of a 4 MiB PDE is reserved. */
    pw32(0x1000 + 2 * 4, 0x00c00000 | (1u << 21) | P | RW | PS);
    CHECK(!walk(cpu, 0x00812345, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x9);
    /* Without CR4.PSE, PS is ignored and the PDE points to a page table. */
    cpu->env.cr4 &= ~(uint64_t)CR4_PSE;
    pw32(0x1000 + 2 * 4, 0x3000 | P | RW | PS);
    pw32(0x3000 + 0x12 * 4, 0x9000 | P);
    CHECK(walk(cpu, 0x00812345, MMU_READ, false, &r, &ec));
    CHECK_EQ(r.pa, 0x9345);
}

/* PAE: PDPT at 0x1000 (32-byte aligned), PD at 0x2000, PT at 0x3000. */
static CPUState *setup_pae(void)
{
    CPUState *cpu = tcpu_setup(1);
    pw64(0x1000 + 1 * 8, 0x2000 | P);              /* 1..2 GiB */
    pw64(0x2000 + 0 * 8, 0x3000 | P | RW | US);    /* 0x40000000 */
    pw64(0x3000 + 1 * 8, 0x8000 | P | RW | US);    /* 0x40001000 */
    pw64(0x2000 + 1 * 8, 0x200000 | P | RW | PS | G);  /* 0x40200000, 2 MiB */
    cpu->env.cr3 = 0x1000;
    cpu->env.cr4 |= CR4_PAE;
    cpu->env.cr0 |= CR0_PE | CR0_PG;
    return cpu;
}

TEST(mmu, pae_4k_and_2m)
{
    CPUState *cpu = setup_pae();
    MMUResult r;
    uint32_t ec;
    CHECK(walk(cpu, 0x40001234, MMU_READ, true, &r, &ec));
    CHECK_EQ(r.pa, 0x8234);
    CHECK(walk(cpu, 0x40212345, MMU_READ, false, &r, &ec));
    CHECK_EQ(r.pa, 0x212345);
    CHECK_EQ(r.page_size, 2 * 1024 * 1024);
    CHECK(!r.global);
    cpu->env.cr4 |= CR4_PGE;
    CHECK(walk(cpu, 0x40212345, MMU_READ, false, &r, &ec));
    CHECK(r.global);
    /* Non-present PDPTE. */
    CHECK(!walk(cpu, 0x00001000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0);
}

TEST(mmu, pae_nx_and_reserved)
{
    CPUState *cpu = setup_pae();
    MMUResult r;
    uint32_t ec;
    pw64(0x3000 + 1 * 8, 0x8000 | P | RW | US | NX);
    /* NXE off: bit 63 is reserved. */
    CHECK(!walk(cpu, 0x40001000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x9);
    cpu->env.efer |= EFER_NXE;
    CHECK(walk(cpu, 0x40001000, MMU_READ, false, &r, &ec));
    CHECK_EQ(r.prot & PROT_X, 0);
    CHECK(!walk(cpu, 0x40001000, MMU_EXEC, true, &r, &ec));
    CHECK_EQ(ec, 0x15);                     /* P | U | I/D */
    /* Reserved bits in a 2 MiB PDE (bit 13) and above MAXPHYADDR. */
    pw64(0x2000 + 1 * 8, 0x200000 | (1ULL << 13) | P | PS);
    CHECK(!walk(cpu, 0x40200000, MMU_WRITE, false, &r, &ec));
    CHECK_EQ(ec, 0xb);
    pw64(0x2000 + 1 * 8, (1ULL << MMU_PHYS_BITS) | 0x200000 | P | PS);
    CHECK(!walk(cpu, 0x40200000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x9);
    /* PDPTE reserved bits (RW is reserved in a PAE PDPTE). */
    pw64(0x1000 + 1 * 8, 0x2000 | P | RW);
    CHECK(!walk(cpu, 0x40001000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x9);
}

/* 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
static CPUState *setup_4level(void)
{
    CPUState *cpu = tcpu_setup(1);
    pw64(0x1000 + 0x1ff * 8, 0x2000 | P | RW | US);     /* 0xffff8000_00000000 */
    pw64(0x2000 + 0 * 8, 0x3000 | P | RW | US);
    pw64(0x3000 + 0 * 8, 0x4000 | P | RW | US);
    pw64(0x4000 + 3 * 8, 0x9000 | P | RW);              /* supervisor page */
    pw64(0x4000 + 4 * 8, 0xa000 | P | RW | US);         /* user page */
    cpu->env.cr3 = 0x1000;
    cpu->env.cr4 |= CR4_PAE;
    cpu->env.efer |= EFER_LME | EFER_LMA | EFER_NXE;
    cpu->env.cr0 |= CR0_PE | CR0_PG;
    return cpu;
}

#define HI 0xffffff8000000000ULL

TEST(mmu, long_4level_walk_and_ad_bits)
{
    CPUState *cpu = setup_4level();
    MMUResult r;
    uint32_t ec;
    CHECK(walk(cpu, HI + 0x3456, MMU_WRITE, false, &r, &ec));
    CHECK_EQ(r.pa, 0x9456);
    CHECK_EQ(pr64(0x1000 + 0x1ff * 8) & (A | D), A);
    CHECK_EQ(pr64(0x2000) & A, A);
    CHECK_EQ(pr64(0x3000) & A, A);
    CHECK_EQ(pr64(0x4000 + 3 * 8) & (A | D), A | D);
    CHECK(!walk(cpu, HI + 0x3456, MMU_READ, true, &r, &ec));
    CHECK_EQ(ec, 5);
    CHECK(!walk(cpu, HI + 0x5000, MMU_EXEC, false, &r, &ec));
    CHECK_EQ(ec, 0x10);                     /* not present, I/D */
    /* PS in a PML4E is reserved. */
    pw64(0x1000, 0x2000 | P | PS);
    CHECK(!walk(cpu, 0x1000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x9);
}

TEST(mmu, long_1g_pages_need_pdpe1gb)
{
    CPUState *cpu = setup_4level();
    MMUResult r;
    uint32_t ec;
    pw64(0x2000 + 1 * 8, 0x40000000ULL | P | RW | PS);
    CHECK(walk(cpu, HI + 0x40000000ULL + 0x123456, MMU_READ, false, &r, &ec));
    CHECK_EQ(r.pa, 0x40123456);
    CHECK_EQ(r.page_size, 1ULL << 30);
    cpu->features[FEAT_8000_0001_EDX] &= ~CPUID_EXT2_PDPE1GB;
    CHECK(!walk(cpu, HI + 0x40000000ULL, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x9);
}

TEST(mmu, smep_smap)
{
    CPUState *cpu = setup_4level();
    MMUResult r;
    uint32_t ec;
    CHECK(walk(cpu, HI + 0x4000, MMU_EXEC, false, &r, &ec));
    cpu->env.cr4 |= CR4_SMEP;
    CHECK(!walk(cpu, HI + 0x4000, MMU_EXEC, false, &r, &ec));
    CHECK_EQ(ec, 0x11);
    CHECK(walk(cpu, HI + 0x4000, MMU_EXEC, true, &r, &ec));
    cpu->env.cr4 |= CR4_SMAP;
    CHECK(!walk(cpu, HI + 0x4000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x1);
    cpu->env.rflags |= FL_AC;
    CHECK(walk(cpu, HI + 0x4000, MMU_WRITE, false, &r, &ec));
    /* Supervisor pages are unaffected. */
    cpu->env.rflags &= ~(uint64_t)FL_AC;
    CHECK(walk(cpu, HI + 0x3000, MMU_EXEC, false, &r, &ec));
}

static void do_ld(CPUState *cpu, uint64_t *a) { a[2] = cpu_lin_ld(cpu, a[0], (unsigned)a[1], false); }
static void do_st(CPUState *cpu, uint64_t *a) { cpu_lin_st(cpu, a[0], a[2], (unsigned)a[1], a[3]); }

TEST(mmu, lin_access_crosses_pages_and_faults_with_cr2)
{
    CPUState *cpu = setup32(P | RW | US);
    pw32(0x2000 + 6 * 4, 0x5000 | P | RW | US);     /* 0x406000 -> 0x5000 */
    pw32(0x7ffc, 0xbbaa0000);
    pw16(0x5000, 0xddcc);
    uint64_t a[4] = { 0x405ffe, 4, 0, 0 };
    CHECK_EQ(cpu_try(cpu, do_ld, a), -1);
    CHECK_EQ(a[2], 0xddccbbaa);
    uint64_t b[4] = { 0x405ffe, 4, 0x11223344, 1 };
    CHECK_EQ(cpu_try(cpu, do_st, b), -1);
    CHECK_EQ(pr32(0x7ffc) >> 16, 0x3344);
    CHECK_EQ(as_ld(&harness_machine()->mem, 0x5000, 2), 0x1122);
    /* The second page missing: nothing written, CR2 = its address. */
    pw32(0x2000 + 6 * 4, 0);
    pw32(0x7ffc, 0);
    uint64_t c[4] = { 0x405ffe, 4, 0x55667788, 0 };
    CHECK_EQ(cpu_try(cpu, do_st, c), EXC_PF);
    CHECK_EQ(cpu->env.error_code, 2);
    CHECK_EQ(cpu->env.cr2, 0x406000);
    CHECK_EQ(pr32(0x7ffc), 0);
}

TEST(mmu, debug_walk_has_no_side_effects)
{
    CPUState *cpu = setup32(P);            /* supervisor read-only */
    MMUResult r;
    CHECK(mmu_translate_debug(cpu, 0x405123, &r));
    CHECK_EQ(r.pa, 0x7123);
    CHECK_EQ(pr32(0x1004) & A, 0);
    CHECK_EQ(pr32(0x2014) & A, 0);
    CHECK(!mmu_translate_debug(cpu, 0x800000, &r));
}

TEST(mmu, long_4level_ignores_bits_62_52)
{
    CPUState *cpu = setup_4level();
    MMUResult r;
    uint32_t ec;
    /* Unlike PAE paging, 4-level paging ignores bits 62:52 (SDM 4.5). */
    pw64(0x4000 + 4 * 8, 0xa000 | P | RW | US | (1ULL << 55));
    CHECK(walk(cpu, HI + 0x4123, MMU_READ, true, &r, &ec));
    CHECK_EQ(r.pa, 0xa123);
}

TEST(mmu, maxphyaddr_follows_the_model)
{
    CPUState *cpu = setup_pae();
    MMUResult r;
    uint32_t ec;
    pw64(0x3000 + 1 * 8, (1ULL << 37) | 0x8000 | P);
    CHECK(walk(cpu, 0x40001000, MMU_READ, false, &r, &ec));    /* 40 bits */
    CHECK_EQ(r.pa, (1ULL << 37) | 0x8000);
    cpu->features[FEAT_8000_0001_EDX] &= ~CPUID_EXT2_LM;        /* 36 bits */
    CHECK(!walk(cpu, 0x40001000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x9);
    /* Bits 62..52 are reserved in every PAE entry (SDM 4.4.2; only 4-level
     * paging ignores them). */
    pw64(0x3000 + 1 * 8, 0x8000 | P | (1ULL << 55));
    CHECK(!walk(cpu, 0x40001000, MMU_READ, false, &r, &ec));
    CHECK_EQ(ec, 0x9);
    pw64(0x3000 + 1 * 8, 0x8000 | P);
    pw64(0x1000 + 1 * 8, 0x2000 | P | (1ULL << 55));
    CHECK(!walk(cpu, 0x40001000, MMU_READ, false, &r, &ec));
}
