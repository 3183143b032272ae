/* ACPI for the PC board: the tables a direct-booted kernel finds (RSDP,
 * RSDT, XSDT, FADT, FACS, DSDT with \_S5, MADT) and the PIIX4's power
 * management function "PIIX4_PM" (PM1a event/control and the PM timer). */
#ifndef KEMU_ACPI_H
#define KEMU_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "hw/core/machine.h"

#define ACPI_PM_BASE     0x600            /* where SeaBIOS puts the PIIX4 PM block */
#define ACPI_PM1_EVT     (ACPI_PM_BASE + 0) /* PM1_STS (2) + PM1_EN (2) */
#define ACPI_PM1_CNT     (ACPI_PM_BASE + 4)
#define ACPI_PM_TMR      (ACPI_PM_BASE + 8)
#define ACPI_SCI_IRQ     9
#define ACPI_PM_TIMER_HZ 3579545
#define ACPI_RESET_PORT  0xcf9            /* i440FX/PIIX3 reset control */
#define ACPI_RESET_VALUE 0x06
#define ACPI_IOAPIC_ADDR 0xfec00000u
#define ACPI_LAPIC_ADDR  0xfee00000u
/* SLP_TYP value of S5 (soft off): the PIIX4 encoding, also in \_S5. */
#define ACPI_SLP_TYP_S5  0

/* PM1 status/enable bits */
#define ACPI_TMR_STS    (1u << 0)
#define ACPI_GBL_STS    (1u << 5)
#define ACPI_PWRBTN_STS (1u << 8)
#define ACPI_RTC_STS    (1u << 10)
#define ACPI_WAK_STS    (1u << 15)
/* PM1 control bits */
#define ACPI_SCI_EN     (1u << 0)
#define ACPI_SLP_TYP_SHIFT 10
#define ACPI_SLP_EN     (1u << 13)

/* Write the tables into buf (host memory the guest sees at gpa, len bytes,
 * 16-byte aligned) with the RSDP first.  Returns the number of bytes used,
 * or 0 if len is too small. */
size_t acpi_build_tables(const Machine *m, uint8_t *buf, uint64_t gpa, size_t len);

/* Where the built tables hold addresses and checksums (buffer offsets), so
 * that firmware can place them itself: fw_cfg's etc/table-loader. */
#define ACPI_LINK_MAX 24
typedef struct AcpiPointer {
    uint32_t off;
    uint8_t size;               /* 4 or 8 bytes */
} AcpiPointer;
typedef struct AcpiChecksum {
    uint32_t off, start, len;
} AcpiChecksum;
typedef struct AcpiLinker {
    uint32_t tables_off;        /* the RSDP is [0, 36); the tables start here */
    int npointers, nchecksums;
    AcpiPointer pointers[ACPI_LINK_MAX];
    AcpiChecksum checksums[ACPI_LINK_MAX];
} AcpiLinker;

/* acpi_build_tables, also recording pointers and checksums in *link. */
size_t acpi_build_tables_linked(const Machine *m, uint8_t *buf, uint64_t gpa, size_t len,
                                AcpiLinker *link);

/* The 8-bit sum of len bytes (0 for a table with a right checksum). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

/* Press the power button: sets PWRBTN_STS and raises the SCI if enabled
 * (the monitor's system_powerdown). */
void acpi_pm_power_button(Device *pm);
/* What firmware does to the PIIX4_PM function: the interrupt line (the
 * SCI), PMBA = base and PM decoding on (the board's direct kernel boot). */
void piix4_pm_firmware_setup(Device *pm, uint16_t base);

/* acpi-dsdt.c: the DSDT's AML for this machine into out (at most max
 * bytes); returns its length (more than max: it did not fit). */
size_t acpi_dsdt_aml(const Machine *m, uint8_t *out, size_t max);

#endif
