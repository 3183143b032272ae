/* machine_reset brings the board back to its power-on state whichever way
 * the reset was asked for (the i8042's reset line, port 0x92, the i440FX's
 * reset control register, a triple fault): the A20 gate of the board and
 * of the CPUs, the interrupt controllers, the timers and the ACPI PM block. */
#include "tests/unit/test-pc.h"
#include "tests/unit/unit.h"
#include "hw/pc/acpi.h"
#include "hw/core/clock.h"
#include "hw/core/util.h"
#include "cpu/cpu.h"

static uint8_t in8(Machine *m, uint16_t port) { return (uint8_t)as_ld(&m->io, port, 1); }
static uint16_t in16(Machine *m, uint16_t port) { return (uint16_t)as_ld(&m->io, port, 2); }
static void out8(Machine *m, uint16_t port, uint8_t v) { as_st(&m->io, port, v, 1); }
static void out16(Machine *m, uint16_t port, uint16_t v) { as_st(&m->io, port, v, 2); }

static Machine *reset_board(void)
{
    static const char *const names[] = {
        "i8259", "i8254", "mc146818rtc", "i8042", "port92", "i440FX-pcihost", "PIIX4_PM",
    };
    Machine *m = pct_machine(16 * MiB, 2);
    m->a20 = true;                      /* as pc_init leaves it */
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        Device *d = device_create(names[i], NULL);
        if (!d || device_realize(d, m))
            unit_fail(__FILE__, __LINE__, "device set-up failed");
    }
    piix4_pm_firmware_setup(machine_find_device(m, "PIIX4_PM"), ACPI_PM_BASE);
    return m;
}

static void kbc_command(Machine *m, uint8_t cmd)
{
    out8(m, 0x64, cmd);
}

/* The gate as the board, each CPU and port 0x92 see it.  (The i8042's
 * output port keeps its own A20 bit, which port 0x92 does not change.) */
static void check_a20(Machine *m, bool on)
{
    CHECK_EQ(m->a20, on);
    for (unsigned i = 0; i < m->ncpus; i++) {
        CHECK_EQ(m->cpus[i]->env.a20_enabled, on);
        CHECK_EQ(m->cpus[i]->env.a20_mask, on ? ~0ULL : ~(1ULL << 20));
    }
    CHECK_EQ(in8(m, 0x92) & 0x02, on ? 0x02 : 0);
}

static uint8_t kbc_output_port(Machine *m)
{
    kbc_command(m, 0xd0);
    return in8(m, 0x60);
}

/* Close the gate, reset through \p request, serve the reset; the gate must
 * be open everywhere and closing it again must take effect. */
static void a20_across_reset(void (*request)(Machine *m))
{
    Machine *m = reset_board();
    check_a20(m, true);
    kbc_command(m, 0xdd);               /* A20 off through the i8042 */
    check_a20(m, false);
    CHECK_EQ(kbc_output_port(m) & 0x02, 0);
    request(m);
    CHECK_EQ(m->reset_requested, 1);
    machine_reset(m);
    m->reset_requested = 0;
    check_a20(m, true);
    CHECK_EQ(kbc_output_port(m) & 0x03, 0x03);  /* A20 and reset lines high */
    out8(m, 0x92, 0x00);                /* the gate still obeys port 0x92 */
    check_a20(m, false);
    out8(m, 0x92, 0x02);
    check_a20(m, true);
}

static void reset_by_kbc(Machine *m) { kbc_command(m, 0xfe); }
static void reset_by_port92(Machine *m) { out8(m, 0x92, 0x01); }
static void reset_by_request(Machine *m) { machine_request_reset(m); }

TEST(reset, a20_open_after_i8042_reset_line)
{
    a20_across_reset(reset_by_kbc);
}

TEST(reset, a20_open_after_port92_fast_reset)
{
    a20_across_reset(reset_by_port92);
}

/* A triple fault and the monitor's system_reset ask the same way. */
TEST(reset, a20_open_after_requested_reset)
{
    a20_across_reset(reset_by_request);
}

TEST(reset, interrupt_controllers_timers_and_pm_power_on_state)
{
    Machine *m = reset_board();
    /* PICs initialised at vectors 0x20/0x28 with masks, one IRQ in service. */
    static const uint8_t icw[] = { 0x11, 0x20, 0x04, 0x01 };
    for (int i = 0; i < 4; i++)
        out8(m, i ? 0x21 : 0x20, icw[i]);
    out8(m, 0x21, 0x5a);
    out8(m, 0xa1, 0xa5);
    CHECK_EQ(in8(m, 0x21), 0x5a);
    /* PIT channel 0: mode 0, count 0x1234 latched; speaker gate on. */
    out8(m, 0x43, 0x30);
    out8(m, 0x40, 0x34);
    out8(m, 0x40, 0x12);
    out8(m, 0x61, 0x03);
    /* RTC: periodic and alarm interrupts on; a NVRAM byte set. */
    out8(m, 0x70, 0x0b);
    out8(m, 0x71, 0x62);
    out8(m, 0x70, 0x6e);
    out8(m, 0x71, 0x77);
    /* ACPI: every PM1 event enabled, SCI_EN cleared. */
    out16(m, ACPI_PM1_EVT + 2, 0xffff);
    out16(m, ACPI_PM1_CNT, 0);
    CHECK(in16(m, ACPI_PM1_EVT + 2) != 0);
    machine_reset(m);
    CHECK_EQ(in8(m, 0x21), 0x00);
    CHECK_EQ(in8(m, 0xa1), 0x00);
    CHECK_EQ(in8(m, 0x61) & 0x03, 0);
    out8(m, 0x43, 0xe2);                /* read-back status, channel 0 */
    CHECK_EQ(in8(m, 0x40) & 0x3f, 0x36);    /* lobyte/hibyte, mode 3, binary */
    out8(m, 0x70, 0x0b);
    CHECK_EQ(in8(m, 0x71) & 0x78, 0);   /* PIE, AIE, UIE, SQWE off */
    out8(m, 0x70, 0x6e);
    CHECK_EQ(in8(m, 0x71), 0x77);       /* NVRAM survives */
    CHECK_EQ(in16(m, ACPI_PM1_EVT + 2), 0xffff);    /* PM decoding off until firmware */
    piix4_pm_firmware_setup(machine_find_device(m, "PIIX4_PM"), ACPI_PM_BASE);
    CHECK_EQ(in16(m, ACPI_PM1_EVT + 2), 0);
    CHECK_EQ(in16(m, ACPI_PM1_CNT) & ACPI_SCI_EN, ACPI_SCI_EN);
    check_a20(m, true);
}
