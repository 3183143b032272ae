/* The CPU-less test board; see harness.h. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/core/util.h"

typedef struct GsiRecord {
    int level, rises, falls;
    int64_t last_rise;
} GsiRecord;

static Machine *board;
static MemoryRegion ram;
static GsiRecord gsi_rec[NUM_GSI];
static int msi_n;
static uint64_t msi_addr;
static uint32_t msi_data;

static void msi_record(Machine *m, uint64_t addr, uint32_t data)
{
    (void)m;
    msi_n++;
    msi_addr = addr;
    msi_data = data;
}

int msi_count(void) { return msi_n; }
uint64_t msi_last_addr(void) { return msi_addr; }
uint32_t msi_last_data(void) { return msi_data; }
void msi_clear(void) { msi_n = 0; msi_addr = 0; msi_data = 0; }

/* irq_set() has already stored the new level in the line, so edges are
 * found against the level this record saw last. */
static void gsi_record(void *opaque, int n, int level)
{
    GsiRecord *r = &gsi_rec[n];
    (void)opaque;
    level = level != 0;
    if (level && !r->level) {
        r->rises++;
        r->last_rise = clock_ns();
    } else if (!level && r->level) {
        r->falls++;
    }
    r->level = level;
}

Machine *harness_init(void)
{
    clock_reset_for_test();
    board = xzalloc(sizeof(*board));
    board->cfg.type = "test";
    board->cfg.ram_size = MiB;
    board->a20 = true;
    as_init(&board->mem, "memory", 1ULL << 32);
    as_init(&board->io, "io", 0x10000);
    mr_init_ram(&ram, "ram", MiB);
    as_map(&board->mem, &ram, 0, 0);
    board->msi = msi_record;
    msi_clear();
    for (int i = 0; i < NUM_GSI; i++) {
        irq_init(&board->gsi[i], gsi_record, NULL, i);
        gsi_rec[i] = (GsiRecord){ .last_rise = -1 };
    }
    return board;
}

Machine *harness_machine(void)
{
    return board;
}

Device *harness_device(const char *name, const char *props)
{
    if (!board)
        harness_init();
    Device *dev = device_create(name, props);
    if (!dev) {
        unit_fail(__FILE__, __LINE__, "cannot create %s,%s", name, props ? props : "");
        return NULL;
    }
    if (device_realize(dev, board)) {
        unit_fail(__FILE__, __LINE__, "cannot realize %s", name);
        return NULL;
    }
    return dev;
}

uint8_t inb(uint16_t port) { return (uint8_t)as_ld(&board->io, port, 1); }
uint16_t inw(uint16_t port) { return (uint16_t)as_ld(&board->io, port, 2); }
uint32_t inl(uint16_t port) { return (uint32_t)as_ld(&board->io, port, 4); }
void outb(uint16_t port, uint8_t v) { as_st(&board->io, port, v, 1); }
void outw(uint16_t port, uint16_t v) { as_st(&board->io, port, v, 2); }
void outl(uint16_t port, uint32_t v) { as_st(&board->io, port, v, 4); }
uint32_t readl(uint64_t addr) { return (uint32_t)as_ld(&board->mem, addr, 4); }
void writel(uint64_t addr, uint32_t v) { as_st(&board->mem, addr, v, 4); }

uint32_t pci_cfg_readl(int dev, unsigned reg)
{
    outl(0xcf8, 0x80000000u | (unsigned)dev << 11 | reg);
    return inl(0xcfc);
}

void pci_cfg_writel(int dev, unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (unsigned)dev << 11 | reg);
    outl(0xcfc, v);
}

int harness_pci_find(uint32_t id)
{
    for (int d = 1; d < 32; d++) {
        if (pci_cfg_readl(d, 0) == id)
            return d;
    }
    return -1;
}

int gsi_level(int n) { return gsi_rec[n].level; }
int gsi_rises(int n) { return gsi_rec[n].rises; }
int gsi_falls(int n) { return gsi_rec[n].falls; }
int64_t gsi_last_rise(int n) { return gsi_rec[n].last_rise; }

void gsi_clear(void)
{
    for (int i = 0; i < NUM_GSI; i++) {
        gsi_rec[i].rises = gsi_rec[i].falls = 0;
        gsi_rec[i].last_rise = -1;
    }
}
