/* The PCI core's newer parts on the CPU-less board: the capability list,
 * 64-bit prefetchable BARs, the expansion ROM BAR and MSI-X (table,
 * function and per-vector masks, pending bits), on a bare function the
 * test builds itself. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/core/pci-msi.h"
#include "hw/core/pci-msix.h"
#include "hw/core/util.h"

#include <string.h>

static PCIBus bus;
static PCIFunction fn;
static MemoryRegion bar, rom;
static uint64_t last_off;

static uint64_t bar_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque;
    (void)size;
    last_off = off;
    return 0xb0000000u | (uint32_t)off;
}

static void bar_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)opaque, (void)off, (void)val, (void)size;
}

static const MemoryRegionOps bar_ops = { bar_read, bar_write, 4, 4 };

static void setup(void)
{
    Machine *m = harness_init();
    pci_bus_init(&bus, m);
    pci_function_init(&fn, 0x1234, 0x5678, 0xff, 0, 0);
    REQUIRE(pci_bus_add(&bus, &fn, PCI_DEVFN(3, 0)) == PCI_DEVFN(3, 0), "slot 3");
}

static uint32_t cfg(unsigned reg) { return pci_config_read(&bus, PCI_DEVFN(3, 0), reg, 4); }
static void cfg_set(unsigned reg, uint32_t v) { pci_config_write(&bus, PCI_DEVFN(3, 0), reg, v, 4); }

TEST(pci, capability_list)
{
    setup();
    CHECK_EQ(cfg(PCI_STATUS - 2) >> 16 & PCI_STATUS_CAP_LIST, 0);
    uint8_t a = pci_add_capability(&fn, PCI_CAP_ID_VNDR, 16);
    uint8_t b = pci_add_capability(&fn, PCI_CAP_ID_MSIX, 12);
    CHECK_EQ(a, 0x40);
    CHECK_EQ(b, 0x50);
    CHECK(cfg(PCI_COMMAND) >> 16 & PCI_STATUS_CAP_LIST);
    /* Newest first: 0x34 -> 0x50 (MSI-X) -> 0x40 (vendor) -> end. */
    CHECK_EQ(cfg(PCI_CAPABILITY_LIST) & 0xff, 0x50);
    CHECK_EQ(cfg(0x50) & 0xffff, 0x4011);
    CHECK_EQ(cfg(0x40) & 0xffff, 0x0009);
    CHECK_EQ(pci_find_capability(&fn, PCI_CAP_ID_VNDR), 0x40);
    CHECK_EQ(pci_find_capability(&fn, PCI_CAP_ID_MSI), 0);
    /* Read-only: the guest cannot relink the list. */
    cfg_set(0x40, 0xffffffff);
    CHECK_EQ(cfg(0x40) & 0xffff, 0x0009);
    /* Config space is finite. */
    int added = 0;
    while (pci_add_capability(&fn, PCI_CAP_ID_VNDR, 20))
        added++;
    CHECK_EQ(added, (256 - 0x5c) / 20);
}

TEST(pci, bar_64bit_prefetchable)
{
    setup();
    mr_init_io(&bar, "bar64", 0x4000, &bar_ops, NULL);
    pci_bar_init_flags(&fn, 2, &bar, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
    CHECK_EQ(cfg(0x18), 0xc);                   /* 64-bit, prefetchable */
    cfg_set(0x18, 0xffffffff);
    cfg_set(0x1c, 0xffffffff);
    CHECK_EQ(cfg(0x18), 0xffffc00c);            /* 16 KiB */
    CHECK_EQ(cfg(0x1c), 0xffffffff);
    cfg_set(0x18, 0xfe004000);
    cfg_set(0x1c, 0);
    CHECK_EQ(pci_bar_address(&fn, 2), 0xfe004000);
    CHECK_EQ(readl(0xfe004010), 0xffffffff);    /* memory decoding off */
    cfg_set(PCI_COMMAND, PCI_COMMAND_MEM);
    CHECK_EQ(readl(0xfe004010), 0xb0000010);
    /* The high half moves it beyond this board's 4 GiB: not decoded. */
    cfg_set(0x1c, 1);
    CHECK_EQ(pci_bar_address(&fn, 2), 0x1fe004000ull);
    CHECK_EQ(readl(0xfe004010), 0xffffffff);
    cfg_set(0x1c, 0);
    CHECK_EQ(readl(0xfe004010), 0xb0000010);
    /* Reset: back to the flags, unmapped. */
    pci_function_reset(&fn);
    CHECK_EQ(cfg(0x18), 0xc);
    CHECK_EQ(readl(0xfe004010), 0xffffffff);
}

TEST(pci, expansion_rom_bar)
{
    setup();
    mr_init_rom(&rom, "rom", 0x10000);
    memcpy(rom.host, "\x55\xaaROM", 5);
    pci_rom_init(&fn, &rom);
    CHECK_EQ(cfg(PCI_ROM_ADDRESS), 0);
    cfg_set(PCI_ROM_ADDRESS, 0xfffffffe);
    CHECK_EQ(cfg(PCI_ROM_ADDRESS), 0xffff0000); /* 64 KiB, not enabled */
    cfg_set(PCI_ROM_ADDRESS, 0xfe100000);
    cfg_set(PCI_COMMAND, PCI_COMMAND_MEM);
    CHECK_EQ(readl(0xfe100000), 0xffffffff);    /* its enable bit is off */
    cfg_set(PCI_ROM_ADDRESS, 0xfe100000 | PCI_ROM_ENABLE);
    CHECK_EQ(readl(0xfe100000), 0x4f52aa55);
    writel(0xfe100000, 0);                      /* ROM: writes are ignored */
    CHECK_EQ(readl(0xfe100000), 0x4f52aa55);
    cfg_set(PCI_COMMAND, 0);
    CHECK_EQ(readl(0xfe100000), 0xffffffff);
    mr_free(&rom);
}

static PCIMsix msix;

static void msix_setup(void)
{
    setup();
    REQUIRE(msix_init(&msix, &fn, 3, 1) == 0, "msix_init");
    cfg_set(0x14, 0xfe200000);
    cfg_set(PCI_COMMAND, PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
    msi_clear();
}

static void entry(unsigned v, uint32_t addr, uint32_t data)
{
    writel(0xfe200000 + 16 * v, addr);
    writel(0xfe200004 + 16 * v, 0);
    writel(0xfe200008 + 16 * v, data);
}

TEST(pci, msix_capability_and_table)
{
    msix_setup();
    uint8_t cap = pci_find_capability(&fn, PCI_CAP_ID_MSIX);
    CHECK(cap);
    CHECK_EQ(cfg(cap) >> 16, 2);                /* table size - 1, disabled */
    CHECK_EQ(cfg(cap + 4), 1);                  /* table at 0 in BAR 1 */
    CHECK_EQ(cfg(cap + 8), 0x801);              /* PBA at 0x800 */
    cfg_set(0x14, 0xffffffff);
    CHECK_EQ(cfg(0x14), 0xfffff000);            /* a 4 KiB BAR */
    cfg_set(0x14, 0xfe200000);
    CHECK_EQ(readl(0xfe20000c), 1);             /* vectors start masked */
    entry(1, 0xfee00000, 0x4031);
    CHECK_EQ(readl(0xfe200010), 0xfee00000);
    CHECK_EQ(readl(0xfe200018), 0x4031);
    writel(0xfe20001c, 0xfffffffe);             /* reserved bits stay 0 */
    CHECK_EQ(readl(0xfe20001c), 0);
    writel(0xfe200800, 0xffffffff);             /* the PBA is read-only */
    CHECK_EQ(readl(0xfe200800), 0);
    CHECK_EQ(readl(0xfe200030 + 16), 0);        /* beyond the table */
}

TEST(pci, msix_masks_and_pending)
{
    msix_setup();
    uint8_t cap = pci_find_capability(&fn, PCI_CAP_ID_MSIX);
    entry(0, 0xfee00000, 0x4030);
    entry(2, 0xfee01000, 0x4032);
    msix_notify(&msix, 0);                      /* MSI-X disabled: nothing */
    CHECK_EQ(msi_count(), 0);
    CHECK(!msix_pending(&msix, 0));
    cfg_set(cap, (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL) << 16);
    writel(0xfe20000c, 0);                      /* vector 0 unmasked */
    msix_notify(&msix, 0);                      /* the function mask holds it */
    CHECK_EQ(msi_count(), 0);
    CHECK(msix_pending(&msix, 0));
    CHECK_EQ(readl(0xfe200800), 1);
    cfg_set(cap, MSIX_CTRL_ENABLE << 16);       /* function unmasked: sent */
    CHECK_EQ(msi_count(), 1);
    CHECK_EQ(msi_last_addr(), 0xfee00000);
    CHECK_EQ(msi_last_data(), 0x4030);
    CHECK_EQ(readl(0xfe200800), 0);
    msix_notify(&msix, 2);                      /* its own mask holds it */
    CHECK_EQ(msi_count(), 1);
    CHECK_EQ(readl(0xfe200800), 4);
    writel(0xfe20002c, 0);
    CHECK_EQ(msi_count(), 2);
    CHECK_EQ(msi_last_addr(), 0xfee01000);
    msix_notify(&msix, 3);                      /* no such vector */
    msix_notify(&msix, 0xffff);
    CHECK_EQ(msi_count(), 2);
    /* Without bus mastering a message cannot be sent. */
    cfg_set(PCI_COMMAND, PCI_COMMAND_MEM);
    msix_notify(&msix, 0);
    CHECK_EQ(msi_count(), 2);
    /* Reset: disabled, all masked, nothing pending. */
    cfg_set(PCI_COMMAND, PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
    pci_function_reset(&fn);
    CHECK_EQ(cfg(cap) >> 16, 2);
    CHECK(!msix_pending(&msix, 0));
    msix_free(&msix);
}

TEST(pci, msi_outside_the_apic_range_is_a_memory_write)
{
    msix_setup();
    uint8_t cap = pci_find_capability(&fn, PCI_CAP_ID_MSIX);
    entry(0, 0x8000, 0x12345678);               /* RAM: written like DMA */
    entry(1, 0xfe200000, 0);                    /* its own table: dropped */
    cfg_set(cap, MSIX_CTRL_ENABLE << 16);
    writel(0xfe20000c, 0);
    writel(0xfe20001c, 0);
    msix_notify(&msix, 0);
    msix_notify(&msix, 1);
    CHECK_EQ(msi_count(), 0);
    CHECK_EQ(readl(0x8000), 0x12345678);
    CHECK_EQ(readl(0xfe200000), 0x8000);
    msix_free(&msix);
}

TEST(pci, plain_msi)
{
    static PCIMsi msi;
    setup();
    REQUIRE(msi_init(&msi, &fn, 4) == 0, "msi_init");
    CHECK_EQ(msi_init(&(PCIMsi){ 0 }, &fn, 3), -1);             /* not a power of two */
    uint8_t cap = pci_find_capability(&fn, PCI_CAP_ID_MSI);
    CHECK_EQ(cfg(cap) >> 16, 0x84);                  /* 64-bit, 4 vectors asked */
    cfg_set(PCI_COMMAND, PCI_COMMAND_MASTER);
    cfg_set(cap + 4, 0xfee00003);                    /* low bits read-only */
    cfg_set(cap + 8, 0);
    cfg_set(cap + 12, 0x4040);
    CHECK_EQ(cfg(cap + 4), 0xfee00000);
    msi_clear();
    msi_notify(&msi, 0);                             /* not enabled */
    CHECK_EQ(msi_count(), 0);
    cfg_set(cap, (0x20 | MSI_CTRL_ENABLE) << 16);    /* 4 vectors enabled */
    msi_notify(&msi, 3);
    CHECK_EQ(msi_count(), 1);
    CHECK_EQ(msi_last_addr(), 0xfee00000);
    CHECK_EQ(msi_last_data(), 0x4043);
    msi_notify(&msi, 4);                             /* beyond what was enabled */
    CHECK_EQ(msi_count(), 1);
    pci_function_reset(&fn);                         /* device reset: off */
    CHECK(!msi_enabled(&msi));
    CHECK_EQ(cfg(cap + 4), 0);
}
