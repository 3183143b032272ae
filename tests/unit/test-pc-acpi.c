/* ACPI tables (checksums, MADT for -smp 4, the \_S5 package, FADT ports)
 * and the PIIX4_PM function: its PCI configuration (PMBA, PMREGMISC, SMBus),
 * S5 shutdown, PM timer rate on the virtual clock,
 * SCI from the power button and the timer overflow. */
#include "tests/unit/test-pc.h"
#include "tests/unit/unit.h"
#include "hw/pc/acpi.h"
#include "hw/core/clock.h"
#include "hw/core/util.h"

#include <stdlib.h>

static uint8_t buf[PC_ACPI_AREA_SIZE];
#define GPA 0xe0000

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* A table by guest address, checked for signature and checksum. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
    CHECK(gpa >= GPA && gpa < GPA + sizeof(buf));
    if (gpa < GPA || gpa >= GPA + sizeof(buf))
        return buf;
    const uint8_t *t = buf + (gpa - GPA);
    CHECK(!memcmp(t, sig, 4));
    if (strcmp(sig, "FACS"))
        CHECK_EQ(acpi_checksum(t, le32(t + 4)), 0);
    return t;
}

static size_t build(unsigned smp)
{
    Machine *m = pct_machine(64 * MiB, smp);
    memset(buf, 0xcc, sizeof(buf));
    return acpi_build_tables(m, buf, GPA, sizeof(buf));
}

TEST(acpi, rsdp_rsdt_xsdt_checksums)
{
    CHECK(build(1) > 0);
    CHECK(!memcmp(buf, "RSD PTR ", 8));
    CHECK_EQ(acpi_checksum(buf, 20), 0);
    CHECK_EQ(acpi_checksum(buf, 36), 0);
    CHECK_EQ(buf[15], 2);                           /* revision: XSDT present */
    CHECK_EQ(le32(buf + 20), 36);
    const uint8_t *rsdt = table(le32(buf + 16), "RSDT");
    const uint8_t *xsdt = table(le64(buf + 24), "XSDT");
    CHECK_EQ(le32(rsdt + 4), 36 + 2 * 4);
    CHECK_EQ(le32(xsdt + 4), 36 + 2 * 8);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(le32(rsdt + 36 + 4 * i), le64(xsdt + 36 + 8 * i));
    table(le32(rsdt + 36), "FACP");
    table(le32(rsdt + 40), "APIC");
}

TEST(acpi, fadt_points_at_pm_ports_dsdt_and_facs)
{
    build(1);
    const uint8_t *rsdt = table(le32(buf + 16), "RSDT");
    const uint8_t *fadt = table(le32(rsdt + 36), "FACP");
    CHECK_EQ(le32(fadt + 4), 244);
    CHECK_EQ(fadt[8], 3);
    uint32_t facs = le32(fadt + 36);
    CHECK_EQ(facs % 64, 0);
    table(facs, "FACS");
    CHECK_EQ(le32(fadt + 40), le64(fadt + 140));    /* DSDT == X_DSDT */
    CHECK_EQ(fadt[46] | fadt[47] << 8, 9);          /* SCI_INT */
    CHECK_EQ(le32(fadt + 48), 0);                   /* no SMI_CMD: ACPI mode fixed */
    CHECK_EQ(le32(fadt + 56), 0x600);
    CHECK_EQ(le32(fadt + 64), 0x604);
    CHECK_EQ(le32(fadt + 76), 0x608);
    CHECK_EQ(fadt[88], 4);
    CHECK_EQ(fadt[89], 2);
    CHECK_EQ(fadt[91], 4);
    CHECK_EQ(le32(fadt + 112) & (1u << 8), 0);      /* 24-bit PM timer */
    CHECK_EQ(le32(fadt + 112) & (1u << 4), 0);      /* PWR_BUTTON clear: the fixed button */
    CHECK(le32(fadt + 112) & (1u << 5));            /* SLP_BUTTON: there is none */
    CHECK(le32(fadt + 112) & (1u << 10));           /* RESET_REG_SUP */
    CHECK_EQ(fadt[116], 1);                         /* reset register: I/O space */
    CHECK_EQ(le64(fadt + 120), 0xcf9);
    CHECK_EQ(fadt[128], 6);
    /* The DSDT holds Name (_S5, Package (4) { 0, 0, 0, 0 }), then
     * Scope (\_SB) { Device (PCI0) { _HID EISAID ("PNP0A03"), ... } }. */
    const uint8_t *dsdt = table(le32(fadt + 40), "DSDT");
    static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };
    uint32_t len = le32(dsdt + 4);
    CHECK(len > 36 + sizeof(s5));
    CHECK(!memcmp(dsdt + 36, s5, sizeof(s5)));
    const uint8_t *aml = dsdt + 36 + sizeof(s5);
    CHECK_EQ(aml[0], 0x10);                         /* ScopeOp */
    /* Its PkgLength (2 or 3 bytes here) covers the rest of the table. */
    uint32_t n = aml[1] >> 6, plen = aml[1] & 0x0f;
    for (uint32_t i = 0; i < n; i++)
        plen |= (uint32_t)aml[2 + i] << (4 + 8 * i);
    CHECK_EQ(36 + sizeof(s5) + 1 + plen, len);
    CHECK(!memcmp(aml + 2 + n, "\\_SB_\x5b\x82", 7));
    static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
    CHECK(memmem(dsdt, len, "PCI0", 4) != NULL);
    CHECK(memmem(dsdt, len, hid, sizeof(hid)) != NULL);
    CHECK(memmem(dsdt, len, "_CRS", 4) != NULL);
    /* _PRT: 31 slots x 4 pins; slot 3 pin A (PIRQC) on GSI 11. */
    const uint8_t *prt = memmem(dsdt, len, "_PRT", 4);
    CHECK(prt != NULL);
    static const uint8_t slot3a[] = { 0x0c, 0xff, 0xff, 0x03, 0x00, 0x00, 0x00, 0x0a, 11 };
    CHECK(prt && memmem(prt, len - (size_t)(prt - dsdt), slot3a, sizeof(slot3a)) != NULL);
    /* The 8042: Device (KBD_) { _HID PNP0303, _CRS ports 0x60, 0x64, IRQ 1 }
     * and Device (MOU_) { _HID PNP0F13, _CRS IRQ 12 }. */
    static const uint8_t kbd[] = { 'K', 'B', 'D', '_', 0x08, '_', 'H', 'I', 'D',
                                   0x0c, 0x41, 0xd0, 0x03, 0x03 };
    static const uint8_t kbd_res[] = { 0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
                                       0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01,
                                       0x22, 0x02, 0x00, 0x79, 0x00 };
    static const uint8_t mou[] = { 'M', 'O', 'U', '_', 0x08, '_', 'H', 'I', 'D',
                                   0x0c, 0x41, 0xd0, 0x0f, 0x13 };
    static const uint8_t mou_res[] = { 0x22, 0x00, 0x10, 0x79, 0x00 };
    CHECK(memmem(dsdt, len, kbd, sizeof(kbd)) != NULL);
    CHECK(memmem(dsdt, len, kbd_res, sizeof(kbd_res)) != NULL);
    CHECK(memmem(dsdt, len, mou, sizeof(mou)) != NULL);
    CHECK(memmem(dsdt, len, mou_res, sizeof(mou_res)) != NULL);
}

TEST(acpi, madt_smp4)
{
    build(4);
    const uint8_t *rsdt = table(le32(buf + 16), "RSDT");
    const uint8_t *madt = table(le32(rsdt + 40), "APIC");
    CHECK_EQ(le32(madt + 36), 0xfee00000);
    CHECK_EQ(le32(madt + 40) & 1, 1);               /* PCAT_COMPAT */
    uint32_t len = le32(madt + 4);
    int lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
    for (uint32_t off = 44; off < len; off += madt[off + 1]) {
        const uint8_t *e = madt + off;
        CHECK(e[1] >= 2);
        if (e[1] < 2)
            break;
        switch (e[0]) {
        case 0:
            CHECK_EQ(e[1], 8);
            CHECK_EQ(e[2], lapics);                 /* UID */
            CHECK_EQ(e[3], lapics);                 /* APIC ID */
            CHECK_EQ(le32(e + 4), 1);               /* enabled */
            lapics++;
            break;
        case 1:
            CHECK_EQ(le32(e + 4), 0xfec00000);
            CHECK_EQ(le32(e + 8), 0);               /* GSI base */
            ioapics++;
            break;
        case 2:
            if (e[3] == 0) {
                CHECK_EQ(le32(e + 4), 2);           /* IRQ0 -> GSI 2 */
                CHECK_EQ(e[8] | e[9] << 8, 0);
            } else {                                /* SCI and the PCI IRQs */
                CHECK(e[3] == 9 || e[3] == 5 || e[3] == 10 || e[3] == 11);
                CHECK_EQ(le32(e + 4), e[3]);
                CHECK_EQ(e[8] | e[9] << 8, 0xd);   /* level, active high */
            }
            overrides++;
            break;
        case 4:
            CHECK_EQ(e[2], 0xff);
            CHECK_EQ(e[5], 1);                      /* LINT1 */
            nmis++;
            break;
        default:
            CHECK(!"unexpected MADT entry");
        }
    }
    CHECK_EQ(lapics, 4);
    CHECK_EQ(ioapics, 1);
    CHECK_EQ(overrides, 5);
    CHECK_EQ(nmis, 1);
}

TEST(acpi, too_small_buffer)
{
    Machine *m = pct_machine(64 * MiB, 255);
    CHECK_EQ(acpi_build_tables(m, buf, GPA, 512), 0);
    CHECK(acpi_build_tables(m, buf, GPA, sizeof(buf)) > 2048);
}

/* ---- acpi-pm ---- */

static int gsi9_level;

static void record_gsi9(void *opaque, int n, int level)
{
    gsi9_level = level;
}

static uint32_t in(Machine *m, uint16_t port, unsigned size)
{
    return (uint32_t)as_ld(&m->io, port, size);
}
static void out(Machine *m, uint16_t port, uint32_t v, unsigned size)
{
    as_st(&m->io, port, v, size);
}

/* Configuration cycles to PIIX4_PM (00:01.3) through 0xcf8/0xcfc. */
#define PM_DEVFN 0x0b
static uint32_t cfg_in(Machine *m, unsigned reg, unsigned size)
{
    out(m, 0xcf8, 0x80000000u | PM_DEVFN << 8 | (reg & 0xfc), 4);
    return in(m, (uint16_t)(0xcfc + (reg & 3)), size);
}
static void cfg_out(Machine *m, unsigned reg, uint32_t v, unsigned size)
{
    out(m, 0xcf8, 0x80000000u | PM_DEVFN << 8 | (reg & 0xfc), 4);
    out(m, (uint16_t)(0xcfc + (reg & 3)), v, size);
}

/* The host bridge and PIIX4_PM as at power-on (nothing programmed). */
static Machine *pm_machine_raw(Device **pm)
{
    Machine *m = pct_machine(16 * MiB, 1);
    irq_connect(&m->gsi[ACPI_SCI_IRQ], record_gsi9, NULL, ACPI_SCI_IRQ);
    Device *host = device_create("i440FX-pcihost", NULL);
    CHECK(host && !device_realize(host, m));
    *pm = device_create("PIIX4_PM", "smb_io_base=0xb100");
    CHECK(*pm && !device_realize(*pm, m));
    return m;
}

/* ... and PMBA = 0x600 with PM decoding on, as SeaBIOS leaves it. */
static Machine *pm_machine(Device **pm)
{
    Machine *m = pm_machine_raw(pm);
    cfg_out(m, 0x40, 0x600 | 1, 4);
    cfg_out(m, 0x80, 1, 1);
    return m;
}

TEST(acpi_pm, pci_function_and_power_on_config)
{
    Device *pm;
    Machine *m = pm_machine_raw(&pm);
    CHECK_EQ(cfg_in(m, 0x00, 4), 0x71138086);       /* 8086:7113 at 00:01.3 */
    CHECK_EQ(cfg_in(m, 0x08, 4), 0x06800003);       /* bridge (other), revision 3 */
    CHECK_EQ(cfg_in(m, 0x3d, 1), 1);                /* INTA# */
    CHECK_EQ(cfg_in(m, 0x40, 4), 1);                /* PMBA: I/O space indicator */
    CHECK_EQ(cfg_in(m, 0x5b, 1), 0x02);             /* APMC_EN: no SMM to set up */
    CHECK_EQ(cfg_in(m, 0x80, 1), 0);                /* PM decoding off */
    CHECK_EQ(cfg_in(m, 0x90, 4), 0xb101);           /* SMBus base, enabled */
    CHECK_EQ(cfg_in(m, 0xd2, 1), 0x09);
    CHECK_EQ(in(m, ACPI_PM1_CNT, 2), 0xffff);       /* nothing at 0x604 yet */
    cfg_out(m, 0x40, 0xffffffff, 4);                /* a 64-byte block below 64 KiB */
    CHECK_EQ(cfg_in(m, 0x40, 4), 0xffc1);
}

TEST(acpi_pm, pmba_and_pmregmisc_place_the_block)
{
    Device *pm;
    Machine *m = pm_machine_raw(&pm);
    cfg_out(m, 0x40, 0xb000, 4);
    CHECK_EQ(in(m, 0xb004, 2), 0xffff);             /* PMREGMISC still off */
    cfg_out(m, 0x80, 1, 1);
    CHECK_EQ(in(m, 0xb004, 2), ACPI_SCI_EN);
    cfg_out(m, 0x40, 0x600, 4);                     /* moved: old place is empty */
    CHECK_EQ(in(m, 0xb004, 2), 0xffff);
    CHECK_EQ(in(m, 0x604, 2), ACPI_SCI_EN);
    cfg_out(m, 0x80, 0, 1);
    CHECK_EQ(in(m, 0x604, 2), 0xffff);
    cfg_out(m, 0x80, 1, 1);
    pm->cls->reset(pm);
    CHECK_EQ(in(m, 0x604, 2), 0xffff);              /* reset: decoding off again */
}

TEST(acpi_pm, firmware_setup_of_a_direct_boot)
{
    Device *pm;
    Machine *m = pm_machine_raw(&pm);
    piix4_pm_firmware_setup(pm, 0x600);
    CHECK_EQ(cfg_in(m, 0x3c, 1), ACPI_SCI_IRQ);
    CHECK_EQ(cfg_in(m, 0x40, 4), 0x601);
    CHECK_EQ(in(m, ACPI_PM1_CNT, 2), ACPI_SCI_EN);
}

TEST(acpi_pm, smbus_host_on_an_empty_bus)
{
    Device *pm;
    Machine *m = pm_machine_raw(&pm);
    cfg_out(m, 0x90, 0x700 | 1, 4);                 /* where SeaBIOS puts it */
    CHECK_EQ(in(m, 0xb100, 1), 0xff);               /* moved away */
    CHECK_EQ(in(m, 0x700, 1), 0);                   /* HST_STS idle */
    out(m, 0x704, 0x50 << 1 | 1, 1);                /* read from 0x50 */
    out(m, 0x702, 0x48, 1);                         /* START, byte data */
    CHECK_EQ(in(m, 0x700, 1) & 0x04, 0x04);         /* DEV_ERR: nobody answered */
    out(m, 0x700, 0x04, 1);                         /* write one to clear */
    CHECK_EQ(in(m, 0x700, 1), 0);
    cfg_out(m, 0xd2, 0, 1);                         /* SMBus host disabled */
    CHECK_EQ(in(m, 0x700, 1), 0xff);
}

TEST(acpi_pm, s5_shuts_down_with_status_0)
{
    Device *pm;
    Machine *m = pm_machine(&pm);
    CHECK_EQ(in(m, ACPI_PM1_CNT, 2), ACPI_SCI_EN);
    out(m, ACPI_PM1_CNT, ACPI_SCI_EN | 1 << ACPI_SLP_TYP_SHIFT, 2);   /* S3 type, no SLP_EN */
    CHECK_EQ(m->shutdown_requested, 0);
    out(m, ACPI_PM1_CNT, ACPI_SCI_EN | 5 << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN, 2); /* unsupported */
    CHECK_EQ(m->shutdown_requested, 0);
    m->exit_code = 77;
    out(m, ACPI_PM1_CNT, ACPI_SCI_EN | ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN, 2);
    CHECK_EQ(m->shutdown_requested, 1);
    CHECK_EQ(m->exit_code, 0);
    CHECK_EQ(in(m, ACPI_PM1_CNT, 2) & ACPI_SLP_EN, 0);   /* SLP_EN reads 0 */
}

TEST(acpi_pm, timer_counts_at_3_579545_mhz)
{
    Device *pm;
    Machine *m = pm_machine(&pm);
    uint32_t t0 = in(m, ACPI_PM_TMR, 4);
    clock_step(NS_PER_SEC);
    uint32_t t1 = in(m, ACPI_PM_TMR, 4);
    CHECK_EQ((t1 - t0) & 0xffffff, ACPI_PM_TIMER_HZ & 0xffffff);
    CHECK_EQ(t1 >> 24, 0);                          /* 24 bits */
    clock_step(1000);                               /* 1 us = 3.58 ticks */
    uint32_t t2 = in(m, ACPI_PM_TMR, 4);
    CHECK(((t2 - t1) & 0xffffff) >= 3 && ((t2 - t1) & 0xffffff) <= 4);
    CHECK_EQ(in(m, ACPI_PM_TMR, 1), t2 & 0xff);     /* byte reads work too */
}

TEST(acpi_pm, sci_from_power_button_and_timer)
{
    Device *pm;
    Machine *m = pm_machine(&pm);
    acpi_pm_power_button(pm);
    CHECK_EQ(in(m, ACPI_PM1_EVT, 2) & ACPI_PWRBTN_STS, ACPI_PWRBTN_STS);
    CHECK_EQ(gsi9_level, 0);                        /* not enabled */
    out(m, ACPI_PM1_EVT + 2, ACPI_PWRBTN_STS, 2);   /* PWRBTN_EN */
    CHECK_EQ(gsi9_level, 1);
    out(m, ACPI_PM1_EVT, ACPI_PWRBTN_STS, 2);       /* write 1 to clear */
    CHECK_EQ(gsi9_level, 0);
    CHECK_EQ(in(m, ACPI_PM1_EVT, 2) & ACPI_PWRBTN_STS, 0);
    /* Timer overflow: bit 23 toggles every 2^23 ticks (about 2.34 s). */
    out(m, ACPI_PM1_EVT + 2, ACPI_TMR_STS, 2);
    clock_step(2 * NS_PER_SEC);
    CHECK_EQ(gsi9_level, 0);
    clock_step(NS_PER_SEC / 2);
    CHECK_EQ(gsi9_level, 1);
    CHECK_EQ(in(m, ACPI_PM1_EVT, 2) & ACPI_TMR_STS, ACPI_TMR_STS);
    out(m, ACPI_PM1_EVT, ACPI_TMR_STS, 2);
    CHECK_EQ(gsi9_level, 0);
}

/* ---- the tables through fw_cfg's table-loader, as SeaBIOS installs them ---- */

#define RSDP_AT   0xf5a00u
#define TABLES_AT 0x3ffe0000u

typedef struct LoadedFile {
    const char *name;
    uint8_t *data;
    uint32_t size, addr;
} LoadedFile;

static LoadedFile *file_named(LoadedFile *f, const uint8_t *name)
{
    for (int i = 0; i < 2; i++) {
        if (!strncmp((const char *)name, f[i].name, 56))
            return &f[i];
    }
    return NULL;
}

/* Run the script the way firmware does; false on a command we do not know
 * or a range outside its file. */
static bool run_loader(const uint8_t *script, uint32_t len, LoadedFile *files)
{
    for (uint32_t off = 0; off + 128 <= len; off += 128) {
        const uint8_t *e = script + off;
        LoadedFile *f = file_named(files, e + 4);
        switch (le32(e)) {
        case 1:                                         /* ALLOCATE */
            if (!f)
                return false;
            CHECK_EQ(f->addr % le32(e + 60), 0);
            CHECK_EQ(e[64], f->addr < 0x100000 ? 2 : 1);
            break;
        case 2: {                                       /* ADD_POINTER */
            LoadedFile *src = file_named(files, e + 60);
            uint32_t at = le32(e + 116);
            uint8_t size = e[120];
            if (!f || !src || (size != 4 && size != 8) || at + size > f->size)
                return false;
            uint64_t v = size == 8 ? le64(f->data + at) : le32(f->data + at);
            v += src->addr;
            for (int i = 0; i < size; i++)
                f->data[at + i] = (uint8_t)(v >> (8 * i));
            break;
        }
        case 3: {                                       /* ADD_CHECKSUM */
            uint32_t res = le32(e + 60), start = le32(e + 64), n = le32(e + 68);
            if (!f || res >= f->size || start > f->size || n > f->size - start)
                return false;
            f->data[res] = (uint8_t)(f->data[res] - acpi_checksum(f->data + start, n));
            break;
        }
        default:
            return false;
        }
    }
    return true;
}

static uint8_t *read_file(Machine *m, const char *name, uint32_t *size)
{
    int key = pct_fw_find(m, name, size);
    CHECK(key > 0);
    uint8_t *d = xzalloc(*size + 1);
    if (key > 0)
        pct_fw_read(m, (uint16_t)key, d, *size);
    return d;
}

TEST(acpi, table_loader_for_firmware)
{
    Machine *m = pct_machine(1 * GiB, 3);
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    LoadedFile files[2] = { { "etc/acpi/rsdp", NULL, 0, RSDP_AT },
                            { "etc/acpi/tables", NULL, 0, TABLES_AT } };
    for (int i = 0; i < 2; i++)
        files[i].data = read_file(m, files[i].name, &files[i].size);
    uint32_t slen;
    uint8_t *script = read_file(m, "etc/table-loader", &slen);
    CHECK_EQ(files[0].size, 36);
    CHECK_EQ(slen % 128, 0);
    CHECK(run_loader(script, slen, files));
    /* Follow the patched pointers from the RSDP as an OS would. */
    const uint8_t *rsdp = files[0].data, *tables = files[1].data;
    CHECK(!memcmp(rsdp, "RSD PTR ", 8));
    CHECK_EQ(acpi_checksum(rsdp, 20), 0);
    CHECK_EQ(acpi_checksum(rsdp, 36), 0);
    uint32_t rsdt = le32(rsdp + 16);
    CHECK(rsdt >= TABLES_AT && rsdt < TABLES_AT + files[1].size);
    CHECK(le64(rsdp + 24) >= TABLES_AT && le64(rsdp + 24) < TABLES_AT + files[1].size);
    const uint8_t *r = tables + (rsdt - TABLES_AT);
    CHECK(!memcmp(r, "RSDT", 4));
    CHECK_EQ(acpi_checksum(r, le32(r + 4)), 0);
    const uint8_t *fadt = tables + (le32(r + 36) - TABLES_AT);
    const uint8_t *madt = tables + (le32(r + 40) - TABLES_AT);
    CHECK(!memcmp(fadt, "FACP", 4));
    CHECK_EQ(acpi_checksum(fadt, 244), 0);
    CHECK_EQ(le32(fadt + 40), le64(fadt + 140));
    const uint8_t *dsdt = tables + (le32(fadt + 40) - TABLES_AT);
    CHECK(!memcmp(dsdt, "DSDT", 4));
    CHECK_EQ(acpi_checksum(dsdt, le32(dsdt + 4)), 0);
    const uint8_t *facs = tables + (le32(fadt + 36) - TABLES_AT);
    CHECK(!memcmp(facs, "FACS", 4));
    CHECK_EQ((le32(fadt + 36)) % 64, 0);
    CHECK(!memcmp(madt, "APIC", 4));
    CHECK_EQ(acpi_checksum(madt, le32(madt + 4)), 0);
    CHECK_EQ(le32(madt + 4), 44 + 8 * 3 + 12 + 10 + 10 + 30 + 6);   /* three CPUs */
    free(script);
    free(files[0].data);
    free(files[1].data);
}
