/* The PC board without a CPU: memory map and e820 for small, split and
 * large RAM, the BIOS and its shadow, fw_cfg through its I/O ports and DMA,
 * and the whole board with its devices. */
#include "tests/unit/test-pc.h"
#include "tests/unit/unit.h"
#include "hw/pc/acpi.h"
#include "hw/pc/fw_cfg.h"
#include "hw/core/clock.h"
#include "hw/core/util.h"
#include "accel/accel.h"
#include "cpu/cpu.h"

#include <stdio.h>
#include <stdlib.h>

static void check_entry(const E820Entry *e, uint64_t addr, uint64_t size, uint32_t type)
{
    CHECK_EQ(e->addr, addr);
    CHECK_EQ(e->size, size);
    CHECK_EQ(e->type, type);
}

TEST(pc, e820_512m)
{
    Machine *m = pct_machine(512 * MiB, 1);
    E820Entry e[16];
    int n = pc_e820(m, e, 16);
    CHECK_EQ(n, 5);
    check_entry(&e[0], 0, 0x9fc00, E820_RAM);
    check_entry(&e[1], 0x9fc00, 0x400, E820_RESERVED);
    check_entry(&e[2], 0xe0000, 0x20000, E820_RESERVED);
    check_entry(&e[3], 0x100000, 512 * MiB - 0x100000, E820_RAM);
    check_entry(&e[4], 0xfffc0000, 0x40000, E820_RESERVED);
}

TEST(pc, e820_3_5g_splits_at_3g)
{
    Machine *m = pct_machine(3584 * MiB, 1);
    E820Entry e[16];
    int n = pc_e820(m, e, 16);
    CHECK_EQ(n, 6);
    check_entry(&e[3], 0x100000, 0xc0000000 - 0x100000, E820_RAM);
    check_entry(&e[4], 0xfffc0000, 0x40000, E820_RESERVED);
    check_entry(&e[5], 0x100000000ULL, 512 * MiB, E820_RAM);
    CHECK_EQ(pc_board(m)->below_4g, 0xc0000000);
}

TEST(pc, e820_8g)
{
    Machine *m = pct_machine(8 * GiB, 1);
    E820Entry e[16];
    int n = pc_e820(m, e, 16);
    CHECK_EQ(n, 6);
    check_entry(&e[3], 0x100000, 0xc0000000 - 0x100000, E820_RAM);
    check_entry(&e[5], 0x100000000ULL, 5 * GiB, E820_RAM);
    /* Only max entries are stored; the count is still the whole map. */
    CHECK_EQ(pc_e820(m, e, 2), 6);
}

TEST(pc, ram_split_rule)
{
    uint64_t lo, hi;
    pc_split_ram(0xdfffffffULL, &lo, &hi);       /* just below 3.5 GiB: no split */
    CHECK_EQ(lo, 0xdfffffffULL);
    CHECK_EQ(hi, 0);
    pc_split_ram(0xe0000000ULL, &lo, &hi);       /* 3.5 GiB: gigabyte-aligned split */
    CHECK_EQ(lo, 0xc0000000ULL);
    CHECK_EQ(hi, 0x20000000ULL);
    pc_split_ram(2 * GiB, &lo, &hi);
    CHECK_EQ(lo, 2 * GiB);
    CHECK_EQ(hi, 0);
}

TEST(pc, memory_map_holes_rom_and_high_ram)
{
    Machine *m = pct_machine(8 * GiB, 1);
    as_st(&m->mem, 0x1000, 0x12345678, 4);
    CHECK_EQ(pcl(m, 0x1000), 0x12345678);
    CHECK_EQ(pcl(m, 0xa0000), 0xffffffff);           /* VGA hole: unassigned */
    CHECK_EQ(pcl(m, 0xbfffc), 0xffffffff);
    as_st(&m->mem, 0xc0000, 0xabcd, 2);              /* option ROM area is RAM */
    CHECK_EQ(pcw(m, 0xc0000), 0xabcd);
    /* The BIOS: byte i of the image is (i * 7) & 0xff. */
    uint32_t top = 256 * 1024 - 16;
    CHECK_EQ(pcb(m, 0xfffffff0), (uint8_t)(top * 7));
    CHECK_EQ(pcb(m, 0xffff0), (uint8_t)(top * 7));   /* shadow of the last 128 KiB */
    CHECK_EQ(pcb(m, 0xe0000), (uint8_t)(0x20000 * 7));
    as_st(&m->mem, 0xfffffff0, 0, 1);                /* ROM ignores writes */
    CHECK_EQ(pcb(m, 0xfffffff0), (uint8_t)(top * 7));
    CHECK_EQ(pcl(m, 0xc0000000), 0xffffffff);        /* PCI hole */
    as_st(&m->mem, 0x100000000ULL, 0xcafe, 2);       /* RAM above 4 GiB */
    CHECK_EQ(pcw(m, 0x100000000ULL), 0xcafe);
    as_st(&m->mem, 0x100000000ULL + 5 * GiB - 4, 0x55aa55aa, 4);
    CHECK_EQ(pcl(m, 0x100000000ULL + 5 * GiB - 4), 0x55aa55aa);
    CHECK_EQ(pcl(m, 0x100000000ULL + 5 * GiB), 0xffffffff);
    /* Both windows see one RAM: the host offset of 4 GiB is below_4g. */
    CHECK_EQ(pc_board(m)->ram.host[0xc0000000ULL], 0xfe);
}

static int load_missing_bios(Machine *m)
{
    return pc_bios_load(m, "/nonexistent/bios.bin");
}

static int load_odd_bios(Machine *m)
{
    static const uint8_t small[1000];
    return pc_bios_load(m, pct_file(0, small, sizeof(small)));
}

TEST(pc, bios_errors)
{
    Machine *m = pct_machine(16 * MiB, 1);
    char msg[256];
    CHECK_EQ(pct_capture(load_missing_bios, m, msg, sizeof(msg)), -1);
    CHECK_STR(msg, "kemu: -bios /nonexistent/bios.bin: No such file or directory");
    CHECK_EQ(pct_capture(load_odd_bios, m, msg, sizeof(msg)), -1);
    char want[256];
    snprintf(want, sizeof(want), "kemu: -bios %s: size 1000 is not a multiple of 64 KiB "
             "up to 16 MiB", pct_file(0, "", 0));
    CHECK_STR(msg, want);
}

/* ---- fw_cfg through the ports ---- */

static uint8_t inb(Machine *m, uint16_t port) { return (uint8_t)as_ld(&m->io, port, 1); }
static void outl(Machine *m, uint16_t port, uint32_t v) { as_st(&m->io, port, v, 4); }

#define fw_read pct_fw_read
#define fw_find pct_fw_find

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

TEST(fw_cfg, signature_id_and_numbers)
{
    Machine *m = pct_machine(512 * MiB, 2);
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    uint8_t b[8];
    fw_read(m, FW_CFG_SIGNATURE, b, 4);
    CHECK(!memcmp(b, "QEMU", 4));
    fw_read(m, FW_CFG_ID, b, 4);
    CHECK_EQ(b[0], FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    fw_read(m, FW_CFG_RAM_SIZE, b, 8);
    uint64_t ram = 0;
    for (int i = 0; i < 8; i++)
        ram |= (uint64_t)b[i] << (8 * i);
    CHECK_EQ(ram, 512 * MiB);
    fw_read(m, FW_CFG_NB_CPUS, b, 2);
    CHECK_EQ(b[0] | b[1] << 8, 2);
    fw_read(m, FW_CFG_BOOT_DEVICE, b, 2);
    CHECK_EQ(b[0], 'c');
    /* Past the end of an item and for unknown keys the data port reads 0. */
    fw_read(m, FW_CFG_SIGNATURE, b, 4);
    CHECK_EQ(inb(m, FW_CFG_IO_BASE + 1), 0);
    fw_read(m, 0x3fff, b, 2);
    CHECK_EQ(b[0] | b[1], 0);
    /* The DMA register reads "QEMU CFG". */
    CHECK_EQ(as_ld(&m->io, FW_CFG_DMA_BASE, 4), bswap32(0x51454d55));
    CHECK_EQ(as_ld(&m->io, FW_CFG_DMA_BASE + 4, 4), bswap32(0x20434647));
}

TEST(fw_cfg, strict_boot_order_halts)
{
    Machine *m = pct_machine(16 * MiB, 1);
    m->cfg.boot_strict = true;
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    uint32_t size;
    int key = fw_find(m, "bootorder", &size);
    CHECK(key > 0);
    CHECK_EQ(size, 5);
    char b[5];
    fw_read(m, (uint16_t)key, (uint8_t *)b, 5);
    CHECK_STR(b, "HALT");
}

/* etc/boot-menu-wait carries splash-time when it was given, 0 included
 * (SeaBIOS then does not wait), and is absent otherwise (SeaBIOS's own
 * 2.5 s), as under QEMU. */
TEST(fw_cfg, boot_menu_wait_when_splash_time_given)
{
    Machine *m = pct_machine(16 * MiB, 1);
    m->cfg.boot_menu = true;
    m->cfg.boot_splash_time = 0;
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    uint32_t size;
    int key = fw_find(m, "etc/boot-menu-wait", &size);
    CHECK(key > 0);
    CHECK_EQ(size, 2);
    uint8_t b[2] = { 0xff, 0xff };
    fw_read(m, (uint16_t)key, b, 2);
    CHECK_EQ(b[0] | b[1] << 8, 0);
}

TEST(fw_cfg, no_boot_menu_wait_without_splash_time)
{
    Machine *m = pct_machine(16 * MiB, 1);
    m->cfg.boot_menu = true;
    m->cfg.boot_splash_time = -1;
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    uint32_t size;
    CHECK_EQ(fw_find(m, "etc/boot-menu-wait", &size), -1);
}

TEST(fw_cfg, file_directory_and_e820)
{
    Machine *m = pct_machine(8 * GiB, 1);
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    uint32_t size;
    int key = fw_find(m, "etc/e820", &size);
    CHECK(key >= FW_CFG_FILE_FIRST);
    CHECK_EQ(size, 40);
    uint8_t e[40];
    fw_read(m, (uint16_t)key, e, 40);
    uint64_t v[5];
    for (int k = 0; k < 2; k++) {
        for (int f = 0; f < 2; f++) {
            v[f] = 0;
            for (int i = 0; i < 8; i++)
                v[f] |= (uint64_t)e[20 * k + 8 * f + i] << (8 * i);
        }
        CHECK_EQ(v[0], k ? 0x100000000ULL : 0);
        CHECK_EQ(v[1], k ? 5 * GiB : 0xc0000000ULL);
        CHECK_EQ(e[20 * k + 16], E820_RAM);
    }
    CHECK(fw_find(m, "etc/boot-fail-wait", &size) > 0);
    CHECK_EQ(size, 4);
    CHECK(fw_find(m, "bootorder", &size) > 0);
    CHECK_EQ(size, 0);                              /* no device has a bootindex */
    CHECK_EQ(fw_find(m, "no/such/file", &size), -1);
}

/* FWCfgDmaAccess at desc: control (with the key), length, address. */
static void dma_desc(Machine *m, uint64_t desc, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t d[16];
    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(control >> (24 - 8 * i));
        d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++)
        d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    as_write(&m->mem, desc, d, sizeof(d));
}

static void dma_kick(Machine *m, uint64_t desc)
{
    outl(m, FW_CFG_DMA_BASE, bswap32((uint32_t)(desc >> 32)));
    outl(m, FW_CFG_DMA_BASE + 4, bswap32((uint32_t)desc));
}

TEST(fw_cfg, dma_read_skip_and_bad_ranges)
{
    Machine *m = pct_machine(64 * MiB, 1);
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    /* Select the signature and read 8 bytes: "QEMU" then zeros. */
    memset(pc_board(m)->ram.host + 0x3000, 0xee, 16);
    dma_desc(m, 0x2000, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 8, 0x3000);
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), 0);                     /* control: done, no error */
    CHECK(!memcmp(pc_board(m)->ram.host + 0x3000, "QEMU\0\0\0\0", 8));
    CHECK_EQ(pcb(m, 0x3008), 0xee);
    /* Skip 4 bytes of the RAM size, then read the high half. */
    dma_desc(m, 0x2000, FW_CFG_RAM_SIZE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP, 4, 0);
    dma_kick(m, 0x2000);
    dma_desc(m, 0x2000, FW_CFG_DMA_READ, 4, 0x3100);
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x3100), 0);                     /* 64 MiB >> 32 */
    /* Target outside RAM: the error bit, nothing written elsewhere. */
    dma_desc(m, 0x2000, FW_CFG_ID << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 0xffffffff,
             0xfffffff0ULL);
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), bswap32(FW_CFG_DMA_ERROR));
    dma_desc(m, 0x2000, FW_CFG_ID << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 16,
             0xfffffffffffffff8ULL);                 /* wraps around */
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), bswap32(FW_CFG_DMA_ERROR));
    /* Writes are refused. */
    dma_desc(m, 0x2000, FW_CFG_DMA_WRITE, 4, 0x3000);
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), bswap32(FW_CFG_DMA_ERROR));
    /* A descriptor in unassigned space is ignored without harm. */
    dma_kick(m, 0xb0000);
    dma_kick(m, 0xfffffffffffffff8ULL);
    CHECK_EQ(pcl(m, 0xb0000), 0xffffffff);
}

/* What a hostile guest (or a buggy option ROM) can program: a transfer
 * that overwrites its own descriptor, targets in ROM and across the end of
 * RAM, write-channel selects, zero lengths, then random descriptors.  The
 * device only ever writes RAM, never the ROM, and always answers. */
TEST(fw_cfg, dma_hostile_descriptors)
{
    Machine *m = pct_machine(64 * MiB, 1);
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    /* Reading over the descriptor itself: the status word still lands. */
    dma_desc(m, 0x2000, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 16, 0x2000);
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), 0);
    CHECK_EQ(pcl(m, 0x2004), 0);                     /* "QEMU" then zeros */
    /* Into the BIOS ROM: refused, the ROM unchanged. */
    uint32_t rom = pcl(m, 0xfffc0000);
    dma_desc(m, 0x2000, FW_CFG_ID << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 4, 0xfffc0000);
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), bswap32(FW_CFG_DMA_ERROR));
    CHECK_EQ(pcl(m, 0xfffc0000), rom);
    /* Across the end of RAM into the PCI hole. */
    dma_desc(m, 0x2000, FW_CFG_ID << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 64, 64 * MiB - 8);
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), bswap32(FW_CFG_DMA_ERROR));
    /* A write-channel key selects nothing: reads give zeros. */
    memset(pc_board(m)->ram.host + 0x3000, 0xee, 8);
    dma_desc(m, 0x2000, (FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE) << 16 | FW_CFG_DMA_SELECT |
             FW_CFG_DMA_READ, 8, 0x3000);
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), 0);
    CHECK_EQ(pcq(m, 0x3000), 0);
    /* Zero length: done, nothing written. */
    dma_desc(m, 0x2000, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 0, 0x3100);
    pc_board(m)->ram.host[0x3100] = 0xee;
    dma_kick(m, 0x2000);
    CHECK_EQ(pcl(m, 0x2000), 0);
    CHECK_EQ(pcb(m, 0x3100), 0xee);
    /* Random descriptors in base memory, random targets anywhere: each one
     * ends with its status written. */
    uint64_t seed = 0x6b656d75;
    for (int i = 0; i < 3000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t desc = ((seed >> 20) & 0xffff0) % 0x9fff0;     /* RAM below 640 KiB */
        uint32_t control = (uint32_t)(seed >> 32);
        uint32_t len = (uint32_t)(seed >> 8) & ((i & 1) ? 0xfff : 0xffffffff);
        uint64_t addr = (i & 2) ? (seed & 0xffffff) : seed * 0x9e3779b97f4a7c15ULL;
        dma_desc(m, desc, control, len, addr);
        dma_kick(m, desc);
        uint32_t status = bswap32(pcl(m, desc));
        CHECK(status == 0 || status == FW_CFG_DMA_ERROR);
    }
    CHECK_EQ(pcl(m, 0xfffc0000), rom);
    CHECK_EQ(as_ld(&m->io, FW_CFG_DMA_BASE, 4), bswap32(0x51454d55));  /* still answers */
}

/* ---- the whole board ---- */

#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/timer/mc146818rtc.h"
#include "ui/chardev.h"

static const char *board_devices[] = {
    "i8259", "i8254", "mc146818rtc", "i8042", "ioport80", "port92", "isa-serial",
};

static int gsi_levels[NUM_GSI];

static void fake_set_gsi(Machine *m, int gsi, int level)
{
    gsi_levels[gsi] = level;
}

static AccelOps fake_accel = {
    .name = "test-irqchip",
    .desc = "no-op accelerator with an in-kernel irqchip",
    .set_gsi = fake_set_gsi,
};

/* A Machine as the front end hands it over: config, buses, accelerator. */
static Machine *bare_machine(uint64_t ram, unsigned smp, bool kernel_irqchip)
{
    for (size_t i = 0; i < ARRAY_SIZE(board_devices); i++)
        REQUIRE(device_class_find(board_devices[i]), "a board device is not registered");
    clock_reset_for_test();
    clock_set_manual(true);
    Machine *m = xzalloc(sizeof(*m));
    m->cfg.bios = pct_bios();
    m->cfg.type = "pc";
    m->cfg.ram_size = ram;
    m->cfg.smp_cpus = m->cfg.smp_max = smp;
    m->cfg.boot_reboot_timeout = -1;
    strcpy(m->cfg.boot_order, "dc");
    m->accel = &fake_accel;
    m->kernel_irqchip = kernel_irqchip;
    as_init(&m->mem, "memory", 1ULL << 32);
    as_init(&m->io, "io", 0x10000);
    return m;
}

static uint8_t in8(Machine *m, uint16_t port) { return (uint8_t)as_ld(&m->io, port, 1); }
static void out8(Machine *m, uint16_t port, uint8_t v) { as_st(&m->io, port, v, 1); }

static unsigned cmos16(Device *rtc, int addr)
{
    return rtc_get_cmos(rtc, addr) | rtc_get_cmos(rtc, addr + 1) << 8;
}

TEST(pc_board, devices_cpus_cmos_and_pic_wiring)
{
    Machine *m = bare_machine(8 * GiB, 4, false);
    CHECK(chr_new("serial0", "null") != NULL);
    CHECK_EQ(pc_init(m), 0);
    CHECK_EQ(m->ncpus, 4);
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ(m->cpus[i]->index, i);
        CHECK(m->cpus[i]->model != NULL);
    }
    for (size_t i = 0; i < ARRAY_SIZE(board_devices); i++)
        CHECK(machine_find_device(m, board_devices[i]) != NULL);
    CHECK(machine_find_device(m, "fw_cfg") != NULL);
    CHECK(machine_find_device(m, "PIIX4_PM") != NULL);
    CHECK(m->a20);
    /* CMOS: 640 KiB base, 3 GiB - 1 MiB extended (capped), 5 GiB high. */
    Device *rtc = machine_find_device(m, "mc146818rtc");
    CHECK_EQ(cmos16(rtc, 0x15), 640);
    CHECK_EQ(cmos16(rtc, 0x17), 0xffff);
    CHECK_EQ(cmos16(rtc, 0x30), 0xffff);
    CHECK_EQ(cmos16(rtc, 0x34), (0xc0000000 - 16 * MiB) / (64 * KiB));
    CHECK_EQ(rtc_get_cmos(rtc, 0x5b) | rtc_get_cmos(rtc, 0x5c) << 8 |
             rtc_get_cmos(rtc, 0x5d) << 16, 5 * GiB / (64 * KiB));
    CHECK_EQ(rtc_get_cmos(rtc, 0x5f), 3);
    CHECK_EQ(rtc_get_cmos(rtc, 0x3d), 0x23);        /* -boot order=dc */
    out8(m, 0x70, 0x80 | 0x3d);                     /* as firmware reads it, NMI off */
    CHECK_EQ(in8(m, 0x71), 0x23);
    /* The UART on COM1, fw_cfg and (once firmware set PMBA and PMREGMISC
     * of PIIX4_PM, 00:01.3) the PM block answer on their ports. */
    CHECK_EQ(in8(m, 0x3fd) & 0x60, 0x60);           /* LSR: transmitter empty */
    as_st(&m->io, 0x510, FW_CFG_SIGNATURE, 2);
    CHECK_EQ(in8(m, 0x511), 'Q');
    CHECK_EQ(as_ld(&m->io, 0x604, 2), 0xffff);      /* not decoded yet */
    as_st(&m->io, 0xcf8, 0x80000000u | 0x0b << 8 | 0x00, 4);
    CHECK_EQ(as_ld(&m->io, 0xcfc, 4), 0x71138086);
    as_st(&m->io, 0xcf8, 0x80000000u | 0x0b << 8 | 0x40, 4);
    as_st(&m->io, 0xcfc, 0x601, 4);
    as_st(&m->io, 0xcf8, 0x80000000u | 0x0b << 8 | 0x80, 4);
    as_st(&m->io, 0xcfc, 1, 1);
    CHECK_EQ(as_ld(&m->io, 0x604, 2), 1);           /* SCI_EN */
    pc_powerdown_request(m);                        /* the power button's status bit */
    CHECK_EQ(as_ld(&m->io, 0x600, 2) & 0x100, 0x100);
    uint32_t size;                                  /* no display: SeaBIOS on COM1 */
    int key = fw_find(m, "etc/sercon-port", &size);
    CHECK(key > 0);
    CHECK_EQ(size, 2);
    as_st(&m->io, 0x510, (uint64_t)key, 2);
    uint8_t lo = in8(m, 0x511), hi = in8(m, 0x511);
    CHECK_EQ(lo | hi << 8, 0x3f8);
    /* Program the PICs (vectors 0x20/0x28), raise ISA IRQ 1: the BSP gets
     * CPU_INTERRUPT_HARD and irq_ack returns vector 0x21. */
    out8(m, 0x20, 0x11); out8(m, 0x21, 0x20); out8(m, 0x21, 0x04); out8(m, 0x21, 0x01);
    out8(m, 0xa0, 0x11); out8(m, 0xa1, 0x28); out8(m, 0xa1, 0x02); out8(m, 0xa1, 0x01);
    out8(m, 0x21, 0x00); out8(m, 0xa1, 0x00);
    CHECK(m->irq_ack != NULL);
    CHECK_EQ(m->irq_ack(m, m->cpus[0]), -1);
    irq_set(&m->gsi[1], 1);
    CHECK(m->cpus[0]->env.interrupt_request & CPU_INTERRUPT_HARD);
    CHECK_EQ(m->irq_ack(m, m->cpus[0]), 0x21);
    irq_set(&m->gsi[1], 0);
    out8(m, 0x20, 0x20);                            /* EOI */
    irq_set(&m->gsi[10], 1);                        /* through the slave */
    CHECK_EQ(m->irq_ack(m, m->cpus[0]), 0x2a);
}

static void ioapic_route(Machine *m, int pin, uint8_t vector)
{
    as_st(&m->mem, IOAPIC_BASE, 0x10 + 2 * pin, 4);         /* IOREGSEL */
    as_st(&m->mem, IOAPIC_BASE + 0x10, vector, 4);         /* fixed, edge, unmasked */
    as_st(&m->mem, IOAPIC_BASE, 0x11 + 2 * pin, 4);
    as_st(&m->mem, IOAPIC_BASE + 0x10, 0, 4);              /* to APIC ID 0 */
}

TEST(pc_board, ioapic_and_local_apics)
{
    Machine *m = bare_machine(64 * MiB, 2, false);
    CHECK_EQ(pc_init(m), 0);
    CHECK(machine_find_device(m, "ioapic") != NULL);
    CHECK(m->cpus[0]->lapic != NULL && m->cpus[1]->lapic != NULL);
    out8(m, 0x21, 0xff);                            /* an APIC OS masks the 8259s */
    out8(m, 0xa1, 0xff);
    apic_reg_write(m->cpus[0], 0xf0, 0x1ff);        /* software-enable the BSP's APIC */
    ioapic_route(m, 4, 0x44);
    ioapic_route(m, 2, 0x30);                       /* the PIT's pin */
    irq_set(&m->gsi[4], 1);
    CHECK(m->cpus[0]->env.interrupt_request & CPU_INTERRUPT_HARD);
    CHECK_EQ(m->irq_ack(m, m->cpus[0]), 0x44);
    apic_reg_write(m->cpus[0], 0xb0, 0);            /* EOI */
    irq_set(&m->gsi[0], 0);                         /* (the PIT may hold it high) */
    irq_set(&m->gsi[0], 1);                         /* ISA IRQ 0 -> IOAPIC pin 2 */
    CHECK_EQ(m->irq_ack(m, m->cpus[0]), 0x30);
    apic_reg_write(m->cpus[0], 0xb0, 0);
    irq_set(&m->gsi[20], 1);                        /* a masked IOAPIC-only pin */
    CHECK_EQ(m->irq_ack(m, m->cpus[0]), -1);
}

TEST(pc_board, kernel_irqchip_routes_gsis_to_the_accelerator)
{
    Machine *m = bare_machine(64 * MiB, 1, true);
    CHECK_EQ(pc_init(m), 0);
    CHECK(machine_find_device(m, "i8259") == NULL);
    CHECK(machine_find_device(m, "i8254") == NULL);
    CHECK(m->irq_ack == NULL);
    irq_set(&m->gsi[4], 1);
    CHECK_EQ(gsi_levels[4], 1);
    irq_set(&m->gsi[23], 1);
    CHECK_EQ(gsi_levels[23], 1);
    irq_set(&m->gsi[4], 0);
    CHECK_EQ(gsi_levels[4], 0);
}

static int init_board(Machine *m)
{
    return pc_init(m);
}

TEST(pc_board, config_errors)
{
    Machine *m = bare_machine(64 * MiB, 1, true);
    char msg[256];
    m->cfg.initrd = "x";
    CHECK_EQ(pct_capture(init_board, m, msg, sizeof(msg)), -1);
    CHECK_STR(msg, "kemu: -initrd only allowed with -kernel option");
    m = bare_machine(64 * MiB, 1, true);
    m->cfg.cpu_model = "no-such-cpu";
    CHECK_EQ(pct_capture(init_board, m, msg, sizeof(msg)), -1);
    CHECK(strstr(msg, "no-such-cpu") != NULL);
}

TEST(pc_board, default_bios_is_seabios)
{
    Machine *m = bare_machine(64 * MiB, 1, true);
    m->cfg.bios = NULL;
    FILE *f = fopen("/usr/share/seabios/bios-256k.bin", "rb");
    REQUIRE(f, "Debian's seabios package is not installed (make deps)");
    uint8_t reset[16];
    fseek(f, -16, SEEK_END);
    CHECK_EQ(fread(reset, 1, 16, f), 16);
    fclose(f);
    CHECK_EQ(pc_init(m), 0);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(pcb(m, 0xfffffff0 + i), reset[i]);
    CHECK_EQ(pcb(m, 0xffff0), reset[0]);
}

TEST(pc_board, reset_restores_shadow_boot_order_and_kernel)
{
    Machine *m = bare_machine(64 * MiB, 2, true);
    strcpy(m->cfg.boot_order, "c");
    strcpy(m->cfg.boot_once, "d");
    size_t size;
    uint8_t *k = pct_bzimage(&size, 0x020f);
    m->cfg.kernel = xstrdup(pct_file(0, k, size));
    free(k);
    m->cfg.append = "console=ttyS0";
    CHECK_EQ(pc_init(m), 0);
    Device *rtc = machine_find_device(m, "mc146818rtc");
    CHECK_EQ(rtc_get_cmos(rtc, 0x3d), 0x03);        /* once=d for the first boot */
    CHECK_EQ(m->cpus[0]->env.rip, 0x100000);
    /* The guest scribbles over its kernel, the shadow and the boot state. */
    as_st(&m->mem, 0x100000, 0, 4);
    as_st(&m->mem, 0xffff0, 0, 4);
    as_st(&m->mem, PC_CMDLINE_ADDR, 0, 4);
    CHECK_EQ(pcl(m, 0xffff0), 0);                   /* the shadow is RAM */
    m->cpus[0]->env.rip = 0x1234;
    machine_reset(m);
    CHECK_EQ(rtc_get_cmos(rtc, 0x3d), 0x02);        /* back to order=c */
    uint32_t top = 256 * 1024 - 16;
    CHECK_EQ(pcb(m, 0xffff0), (uint8_t)(top * 7));
    CHECK_EQ(pcb(m, 0x100000), 0x5a);               /* kernel reloaded */
    CHECK_EQ(pcb(m, PC_CMDLINE_ADDR), 'c');
    CHECK_EQ(pcq(m, 0xe0000), 0x2052545020445352ULL); /* RSDP again */
    CHECK_EQ(m->cpus[0]->env.rip, 0x100000);        /* entered again */
    CHECK_EQ(m->cpus[0]->env.regs[R_ESI], PC_ZERO_PAGE);
    CHECK(m->cpus[1]->env.halted);                  /* the AP waits for SIPI */
}

/* ---- i440FX host bridge ---- */

TEST(i440fx, config_space_pam_and_reset_control)
{
    Machine *m = pct_machine(16 * MiB, 1);
    Device *d = device_create("i440FX-pcihost", NULL);
    CHECK(d && !device_realize(d, m));
    outl(m, 0xcf8, 0x80000000);
    CHECK_EQ(as_ld(&m->io, 0xcf8, 4), 0x80000000);  /* the probe firmware does */
    CHECK_EQ(as_ld(&m->io, 0xcfc, 4), 0x12378086);
    CHECK_EQ(as_ld(&m->io, 0xcfe, 2), 0x1237);
    outl(m, 0xcf8, 0x80000008);
    CHECK_EQ(as_ld(&m->io, 0xcfc, 4) >> 8, 0x060000);   /* class: host bridge */
    /* PAM0-6 at 0x59-0x5f are writable; the vendor ID is not. */
    outl(m, 0xcf8, 0x80000058);
    outl(m, 0xcfc, 0x33333000);
    CHECK_EQ(as_ld(&m->io, 0xcfc, 4), 0x33333000);
    outl(m, 0xcf8, 0x80000000);
    outl(m, 0xcfc, 0);
    CHECK_EQ(as_ld(&m->io, 0xcfc, 2), 0x8086);
    /* Absent devices and functions, and a disabled cycle, read all ones. */
    outl(m, 0xcf8, 0x80000800);                     /* device 1 */
    CHECK_EQ(as_ld(&m->io, 0xcfc, 4), 0xffffffff);
    outl(m, 0xcf8, 0x80010000);                     /* bus 1 */
    CHECK_EQ(as_ld(&m->io, 0xcfc, 2), 0xffff);
    outl(m, 0xcf8, 0x00000000);
    CHECK_EQ(as_ld(&m->io, 0xcfc, 1), 0xff);
    /* 0xcf9: RST_CPU asks for a reset. */
    CHECK_EQ(m->reset_requested, 0);
    as_st(&m->io, 0xcf9, 0x02, 1);
    CHECK_EQ(m->reset_requested, 0);
    CHECK_EQ(as_ld(&m->io, 0xcf9, 1), 0x02);
    as_st(&m->io, 0xcf9, 0x06, 1);
    CHECK_EQ(m->reset_requested, 1);
    CHECK_EQ(as_ld(&m->io, 0xcf8, 4), 0);           /* the address register is apart */
}

/* As Linux sets up its timer: PIT channel 0 at 1 kHz in mode 2, IOAPIC
 * pin 2 (ISA IRQ 0 by the MADT override) edge-triggered to vector 0x30,
 * logical destination in the flat model; ten ms of virtual time give ten
 * interrupts at the BSP. */
TEST(pc_board, pit_ticks_reach_the_bsp_through_ioapic_pin2)
{
    Machine *m = bare_machine(64 * MiB, 2, false);
    CHECK_EQ(pc_init(m), 0);
    out8(m, 0x21, 0xff);
    out8(m, 0xa1, 0xff);
    CPUState *bsp = m->cpus[0];
    apic_reg_write(bsp, 0xe0, 0xffffffff);          /* DFR: flat model */
    apic_reg_write(bsp, 0xd0, 0x01000000);          /* LDR: logical ID bit 0 */
    apic_reg_write(bsp, 0xf0, 0x1ff);               /* SVR: enabled */
    as_st(&m->mem, IOAPIC_BASE, 0x10 + 2 * 2, 4);
    as_st(&m->mem, IOAPIC_BASE + 0x10, 0x30 | (1u << 11), 4);  /* logical, edge, high */
    as_st(&m->mem, IOAPIC_BASE, 0x11 + 2 * 2, 4);
    as_st(&m->mem, IOAPIC_BASE + 0x10, 0x01000000, 4);         /* to logical ID bit 0 */
    out8(m, 0x43, 0x34);                            /* channel 0, lo/hi, mode 2 */
    out8(m, 0x40, 1193 & 0xff);
    out8(m, 0x40, 1193 >> 8);
    int ticks = 0;
    for (int ms = 0; ms < 10; ms++) {
        clock_step(NS_PER_SEC / 1000);
        int v = m->irq_ack(m, bsp);
        if (v == 0x30) {
            ticks++;
            apic_reg_write(bsp, 0xb0, 0);           /* EOI */
        }
    }
    CHECK(ticks >= 9 && ticks <= 10);
}
