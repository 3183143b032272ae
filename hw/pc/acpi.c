/* ACPI tables for a direct-booted kernel (ACPI 6.x, chapter 5).  All of
 * them go into one buffer (the BIOS area at 0xe0000): RSDP first so a
 * kernel that scans 0xe0000-0xfffff finds it, then FACS, DSDT, FADT, MADT,
 * RSDT and XSDT.  The MADT lists one local APIC per CPU, the I/O APIC and
 * the ISA overrides; the FADT points at the acpi-pm device's ports. */
#include "hw/pc/acpi.h"
#include "cpu/cpu.h"
#include "hw/core/util.h"

#include <string.h>

typedef struct Builder {
    uint8_t *buf;
    uint64_t gpa;
    size_t len, off;
    bool overflow;
    AcpiLinker *link;           /* where pointers and checksums are, or NULL */
} Builder;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static bool in_buf(const Builder *b, const uint8_t *p)
{
    return p >= b->buf && p < b->buf + b->len;
}

/* A table address (size 4 or 8 bytes) at p, recorded for a loader that
 * relocates the tables. */
static void put_addr(Builder *b, uint8_t *p, uint64_t addr, unsigned size)
{
    if (size == 8)
        put64(p, addr);
    else
        put32(p, (uint32_t)addr);
    AcpiLinker *lk = b->link;
    if (lk && in_buf(b, p) && lk->npointers < ACPI_LINK_MAX)
        lk->pointers[lk->npointers++] = (AcpiPointer){ (uint32_t)(p - b->buf), (uint8_t)size };
}

/* The checksum byte at sum makes len bytes from start add up to 0. */
static void put_checksum(Builder *b, uint8_t *sum, uint8_t *start, uint32_t len)
{
    *sum = 0;
    *sum = (uint8_t)-acpi_checksum(start, len);
    AcpiLinker *lk = b->link;
    if (lk && in_buf(b, start) && lk->nchecksums < ACPI_LINK_MAX)
        lk->checksums[lk->nchecksums++] = (AcpiChecksum){
            (uint32_t)(sum - b->buf), (uint32_t)(start - b->buf), len };
}

/* Reserve size bytes at align; returns a pointer (scratch on overflow). */
static uint8_t *alloc(Builder *b, size_t size, size_t align, uint64_t *gpa)
{
    static uint8_t scratch[4096];
    size_t off = ALIGN_UP(b->off, align);
    if (off + size > b->len || size > sizeof(scratch)) {
        b->overflow = true;
        *gpa = 0;
        memset(scratch, 0, sizeof(scratch));
        return scratch;
    }
    b->off = off + size;
    *gpa = b->gpa + off;
    memset(b->buf + off, 0, size);
    return b->buf + off;
}

/* The 36-byte System Description Table header; the checksum is set last. */
static void header(uint8_t *p, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(p, sig, 4);
    put32(p + 4, len);
    p[8] = rev;
    memcpy(p + 10, "KEMU  ", 6);          /* OEM ID */
    memcpy(p + 16, "KEMUPC  ", 8);        /* OEM table ID */
    put32(p + 24, 1);                     /* OEM revision */
    memcpy(p + 28, "KEMU", 4);            /* creator ID */
    put32(p + 32, 1);                     /* creator revision */
}

static void finish(Builder *b, uint8_t *p, uint32_t len)
{
    put_checksum(b, p + 9, p, len);
}

/* Firmware ACPI Control Structure: no waking vector, no global lock use. */
static uint64_t build_facs(Builder *b)
{
    uint64_t gpa;
    uint8_t *p = alloc(b, 64, 64, &gpa);
    memcpy(p, "FACS", 4);
    put32(p + 4, 64);
    p[32] = 1;                            /* version */
    return gpa;
}

/* The DSDT: its AML comes from acpi-dsdt.c. */
static uint64_t build_dsdt(Builder *b, const Machine *m)
{
    uint64_t gpa;
    uint8_t aml[4096 - 36];
    size_t n = acpi_dsdt_aml(m, aml, sizeof(aml));
    if (n > sizeof(aml)) {
        b->overflow = true;
        n = 0;
    }
    uint32_t len = 36 + (uint32_t)n;
    uint8_t *p = alloc(b, len, 16, &gpa);
    header(p, "DSDT", len, 1);            /* revision 1: 32-bit integers */
    memcpy(p + 36, aml, n);
    finish(b, p, len);
    return gpa;
}

/* FADT revision 3 (244 bytes).  The PM blocks are given in the 32-bit
 * fields only; the X_ blocks stay zero, which tells the OS to use them. */
static uint64_t build_fadt(Builder *b, uint64_t facs, uint64_t dsdt)
{
    uint64_t gpa;
    uint8_t *p = alloc(b, 244, 16, &gpa);
    header(p, "FACP", 244, 3);
    put_addr(b, p + 36, facs, 4);         /* FIRMWARE_CTRL */
    put_addr(b, p + 40, dsdt, 4);         /* DSDT */
    put16(p + 46, ACPI_SCI_IRQ);          /* SCI_INT; SMI_CMD 0: always in ACPI mode */
    put32(p + 56, ACPI_PM1_EVT);          /* PM1a_EVT_BLK */
    put32(p + 64, ACPI_PM1_CNT);          /* PM1a_CNT_BLK */
    put32(p + 76, ACPI_PM_TMR);           /* PM_TMR_BLK */
    p[88] = 4;                            /* PM1_EVT_LEN */
    p[89] = 2;                            /* PM1_CNT_LEN */
    p[91] = 4;                            /* PM_TMR_LEN (24-bit timer) */
    put16(p + 96, 0x0fff);                /* P_LVL2_LAT: C2 not supported */
    put16(p + 98, 0x0fff);                /* P_LVL3_LAT: C3 not supported */
    p[108] = 0x32;                        /* CENTURY: CMOS index */
    put16(p + 109, 0x0003);               /* IAPC_BOOT_ARCH: legacy devices, 8042 */
    /* Flags: WBINVD, PROC_C1, SLP_BUTTON (none), RESET_REG_SUP; the power
     * button is the fixed-hardware one (PWR_BUTTON clear). */
    put32(p + 112, (1u << 0) | (1u << 2) | (1u << 5) | (1u << 10));
    /* RESET_REG: system I/O, 8 bits at 0xcf9 (the reset control register)
     * with byte access; RESET_VALUE 6 (full reset, reset the CPU). */
    p[116] = 1;
    p[117] = 8;
    p[119] = 1;
    put64(p + 120, ACPI_RESET_PORT);
    p[128] = ACPI_RESET_VALUE;
    put_addr(b, p + 140, dsdt, 8);        /* X_DSDT */
    finish(b, p, 244);
    return gpa;
}

static unsigned cpu_count(const Machine *m)
{
    unsigned n = m->ncpus ? m->ncpus : m->cfg.smp_cpus;
    return n ? n : 1;
}

/* MADT: local APIC address and PCAT_COMPAT (the 8259s exist), one
 * Processor Local APIC per CPU (UID = APIC ID = index), the I/O APIC at
 * GSI 0, ISA IRQ0 -> GSI 2, the SCI (IRQ 9) and the PCI IRQs (5, 10, 11)
 * level-triggered active high, and LINT1 as NMI on every processor. */
static uint64_t build_madt(Builder *b, const Machine *m)
{
    unsigned ncpu = cpu_count(m);
    static const uint8_t pci_irqs[] = { 5, 10, 11 };
    uint32_t len = 44 + 8 * ncpu + 12 + 10 + 10 + 10 * sizeof(pci_irqs) + 6;
    uint64_t gpa;
    uint8_t *p = alloc(b, len, 16, &gpa);
    header(p, "APIC", len, 3);
    put32(p + 36, ACPI_LAPIC_ADDR);
    put32(p + 40, 1);                     /* PCAT_COMPAT */
    uint8_t *e = p + 44;
    for (unsigned i = 0; i < ncpu; i++, e += 8) {
        e[0] = 0;                         /* Processor Local APIC */
        e[1] = 8;
        e[2] = (uint8_t)i;                /* ACPI processor UID */
        e[3] = (uint8_t)i;                /* APIC ID */
        put32(e + 4, 1);                  /* enabled */
    }
    e[0] = 1;                             /* I/O APIC */
    e[1] = 12;
    e[2] = 0;                             /* I/O APIC ID */
    put32(e + 4, ACPI_IOAPIC_ADDR);
    put32(e + 8, 0);                      /* GSI base */
    e += 12;
    e[0] = 2;                             /* Interrupt Source Override */
    e[1] = 10;
    e[2] = 0;                             /* ISA */
    e[3] = 0;                             /* IRQ 0 (PIT) */
    put32(e + 4, 2);                      /* -> GSI 2 */
    put16(e + 8, 0);                      /* bus conformant */
    e += 10;
    e[0] = 2;
    e[1] = 10;
    e[2] = 0;
    e[3] = ACPI_SCI_IRQ;
    put32(e + 4, ACPI_SCI_IRQ);
    put16(e + 8, 0x000d);                 /* active high (01), level (11 << 2) */
    e += 10;
    /* The ISA IRQs the PIIX routes PCI interrupts to (SeaBIOS picks 10
     * and 11, 5 is QEMU's other choice): level-triggered like the SCI. */
    for (size_t i = 0; i < sizeof(pci_irqs); i++, e += 10) {
        e[0] = 2;
        e[1] = 10;
        e[2] = 0;
        e[3] = pci_irqs[i];
        put32(e + 4, pci_irqs[i]);
        put16(e + 8, 0x000d);
    }
    e[0] = 4;                             /* Local APIC NMI */
    e[1] = 6;
    e[2] = 0xff;                          /* all processors */
    put16(e + 3, 0);
    e[5] = 1;                             /* LINT1 */
    finish(b, p, len);
    return gpa;
}

static uint64_t build_rsdt(Builder *b, const uint64_t *tables, int n)
{
    uint64_t gpa;
    uint32_t len = 36 + 4 * (uint32_t)n;
    uint8_t *p = alloc(b, len, 16, &gpa);
    header(p, "RSDT", len, 1);
    for (int i = 0; i < n; i++)
        put_addr(b, p + 36 + 4 * i, tables[i], 4);
    finish(b, p, len);
    return gpa;
}

static uint64_t build_xsdt(Builder *b, const uint64_t *tables, int n)
{
    uint64_t gpa;
    uint32_t len = 36 + 8 * (uint32_t)n;
    uint8_t *p = alloc(b, len, 16, &gpa);
    header(p, "XSDT", len, 1);
    for (int i = 0; i < n; i++)
        put_addr(b, p + 36 + 8 * i, tables[i], 8);
    finish(b, p, len);
    return gpa;
}

/* RSDP revision 2: checksum over the first 20 bytes, extended checksum
 * over all 36. */
static void fill_rsdp(Builder *b, uint8_t *p, uint64_t rsdt, uint64_t xsdt)
{
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "KEMU  ", 6);
    p[15] = 2;
    put_addr(b, p + 16, rsdt, 4);
    put32(p + 20, 36);
    put_addr(b, p + 24, xsdt, 8);
    put_checksum(b, p + 8, p, 20);
    put_checksum(b, p + 32, p, 36);
}

size_t acpi_build_tables_linked(const Machine *m, uint8_t *buf, uint64_t gpa, size_t len,
                                AcpiLinker *link)
{
    Builder b = { .buf = buf, .gpa = gpa, .len = len, .link = link };
    if (link)
        memset(link, 0, sizeof(*link));
    uint64_t rsdp_gpa;
    uint8_t *rsdp = alloc(&b, 36, 16, &rsdp_gpa);
    uint64_t facs = build_facs(&b);
    if (link)
        link->tables_off = (uint32_t)(facs - gpa);
    uint64_t dsdt = build_dsdt(&b, m);
    uint64_t tables[2];
    tables[0] = build_fadt(&b, facs, dsdt);
    tables[1] = build_madt(&b, m);
    uint64_t rsdt = build_rsdt(&b, tables, 2);
    uint64_t xsdt = build_xsdt(&b, tables, 2);
    if (b.overflow)
        return 0;
    fill_rsdp(&b, rsdp, rsdt, xsdt);
    return b.off;
}

size_t acpi_build_tables(const Machine *m, uint8_t *buf, uint64_t gpa, size_t len)
{
    return acpi_build_tables_linked(m, buf, gpa, len, NULL);
}
