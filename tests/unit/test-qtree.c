/* `info qtree` on a board with the chipset, IDE, the floppy controller and
 * a drive: the buses nest as in QEMU (pci.0 under the host bridge, isa.0
 * under the PIIX3, ide.N, floppy-bus.0), PCI devices show their address,
 * class and ids; and system_powerdown reaches PIIX4_PM's power button. */
#include "tests/unit/test-pc.h"
#include "tests/unit/unit.h"
#include "tests/unit/memdisk.h"
#include "hw/pc/acpi.h"
#include "ui/chardev.h"
#include "ui/monitor.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static const char *file_text(void)
{
    static char buf[16384];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static Monitor *board_monitor(Machine **out)
{
    static const char *const devs[][2] = {
        { "i440FX-pcihost", NULL }, { "PIIX3", NULL }, { "piix3-ide", NULL },
        { "PIIX4_PM", "smb_io_base=0xb100" }, { "i8257", NULL }, { "isa-fdc", NULL },
        { "floppy", "drive=fd0,unit=0" }, { "ide-hd", "drive=hd1,bus=1,unit=0" },
    };
    Machine *m = pct_machine(16 * 1024 * 1024, 1);
    memdisk_new("fd0", 1474560, 3);
    memdisk_new("hd1", 1 << 20, 5);
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        Device *d = device_create(devs[i][0], devs[i][1]);
        REQUIRE(d && !device_realize(d, m), "board device set-up failed");
    }
    snprintf(path, sizeof(path), "/tmp/kemu-qtree-%d.txt", (int)getpid());
    char spec[96];
    snprintf(spec, sizeof(spec), "file:%s", path);
    Chardev *chr = chr_new("compat_monitor0", spec);
    REQUIRE(chr != NULL, "no chardev");
    *out = m;
    return monitor_new(m, chr);
}

TEST(qtree, buses_nest_as_in_qemu)
{
    Machine *m;
    Monitor *mon = board_monitor(&m);
    monitor_execute(mon, "info qtree");
    const char *t = file_text();
    static const char *const want[] = {
        "bus: main-system-bus\r\n  type System\r\n",
        "  dev: i440FX-pcihost, id \"\"\r\n",
        "    bus: pci.0\r\n      type PCI\r\n",
        "      dev: PIIX3, id \"\"\r\n        addr = 01.0\r\n",
        "        bus: isa.0\r\n          type ISA\r\n",
        "          dev: isa-fdc, id \"\"\r\n            iobase = 1008 (0x3f0)\r\n",
        "            bus: floppy-bus.0\r\n              type floppy-bus\r\n"
        "              dev: floppy, id \"\"\r\n                unit = 0 (0x0)\r\n"
        "                drive = \"fd0\"\r\n",
        "          dev: i8257, id \"\"\r\n",
        "      dev: PIIX4_PM, id \"\"\r\n        smb_io_base = 45312 (0xb100)\r\n"
        "        addr = 01.3\r\n",
        "        class Bridge, addr 00:01.3, pci id 8086:7113 (sub 1af4:1100)\r\n",
        "        bus: ide.0\r\n          type IDE\r\n        bus: ide.1\r\n          type IDE\r\n"
        "          dev: ide-hd, id \"\"\r\n",
        "        class IDE controller, addr 00:01.1, pci id 8086:7010 (sub 1af4:1100)\r\n",
        "  dev: fw_cfg, id \"\"\r\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!strstr(t, want[i]))
            unit_fail(__FILE__, __LINE__, "info qtree lacks:\n%s\nin:\n%s", want[i], t);
    }
}

TEST(qtree, system_powerdown_presses_the_power_button)
{
    Machine *m;
    Monitor *mon = board_monitor(&m);
    piix4_pm_firmware_setup(machine_find_device(m, "PIIX4_PM"), ACPI_PM_BASE);
    CHECK_EQ(as_ld(&m->io, ACPI_PM1_EVT, 2) & ACPI_PWRBTN_STS, 0);
    monitor_execute(mon, "system_powerdown");
    CHECK_EQ(as_ld(&m->io, ACPI_PM1_EVT, 2) & ACPI_PWRBTN_STS, ACPI_PWRBTN_STS);
    CHECK(strstr(file_text(), "no ACPI power button") == NULL);
}
