/* libFuzzer target: a device set (a profile) on the CPU-less test board
 * (tests/unit/harness.h), driven by a program the input bytes spell: port
 * and MMIO reads and writes into the regions the devices decode, PCI
 * configuration writes, guest-RAM writes (so descriptors, PRD tables and
 * rings can be planted for DMA) and virtual time.  Sanitizers judge.
 *
 * FUZZ_PROFILE=name picks the profile (see profiles[] below; adding one is
 * one entry).  The board is built once; each input starts from a machine
 * reset, zeroed RAM and the drives' initial contents, with the PCI BARs
 * placed as firmware would (I/O from 0xc000, memory from 0xe0000000) and
 * I/O, memory and bus mastering enabled.  Build and run: make fuzz-dev. */
#include "tests/unit/harness.h"
#include "tests/unit/memdisk.h"
#include "hw/core/net.h"
#include "hw/core/pci.h"
#include "hw/core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define MAX_DEVICES 6
#define MAX_DRIVES 3
#define MAX_REGIONS 24
#define RAM_SIZE (1u << 20)
#define DISK_SIZE (256u << 10)

typedef struct Range {
    uint64_t base, size;
    bool io;
} Range;

typedef struct Profile {
    const char *name;
    const char *devices[MAX_DEVICES];      /* "type" or "type,props" */
    const char *drives[MAX_DRIVES];        /* in-memory drives; "cd..." are removable */
    Range fixed[4];                         /* ISA ports besides the BARs */
    struct { uint8_t reg; uint32_t val; } setup[4]; /* firmware's config writes */
    bool wire;      /* a NIC profile: netdev "wire" delivers frames the input spells */
} Profile;

static const Profile profiles[] = {
    { "ide", { "i440FX-pcihost", "piix3-ide", "ide-hd,drive=d0,bus=0,unit=0",
               "ide-hd,drive=d1,bus=0,unit=1" }, { "d0", "d1" },
      { { 0x1f0, 8, true }, { 0x3f6, 1, true }, { 0x170, 8, true }, { 0x376, 1, true } } },
    { "ide-cd", { "i440FX-pcihost", "piix3-ide", "ide-cd,drive=cd0,bus=1,unit=0",
                  "ide-hd,drive=d0,bus=0,unit=0" }, { "cd0", "d0" },
      { { 0x1f0, 8, true }, { 0x3f6, 1, true }, { 0x170, 8, true }, { 0x376, 1, true } } },
    { "virtio-blk", { "i440FX-pcihost", "virtio-blk-pci,drive=d0,serial=fuzz" }, { "d0" },
      { { 0 } } },
    { "virtio-blk-modern", { "i440FX-pcihost", "virtio-blk-pci,drive=d0,disable-legacy=on" },
      { "d0" }, { { 0 } } },
    /* The floppy controller with the 8237s: FIFO, DOR/DSR/CCR, DMA. */
    { "floppy", { "i8257", "isa-fdc", "floppy,drive=fd0,unit=0" }, { "fd0" },
      { { 0x3f0, 8, true }, { 0x00, 16, true }, { 0x80, 16, true }, { 0xc0, 32, true } } },
    /* PIIX4 PM: the PM block where SeaBIOS puts it, and the SMBus host. */
    { "piix4-pm", { "i440FX-pcihost", "PIIX4_PM" }, { 0 },
      { { 0x600, 64, true }, { 0xb100, 16, true } },
      { { 0x40, 0x601 }, { 0x80, 1 }, { 0x90, 0xb101 }, { 0xd0, 0x10000 } } },
    /* fw_cfg: selector/data and the DMA address register. */
    { "fw_cfg", { "fw_cfg" }, { 0 }, { { 0x510, 2, true }, { 0x514, 8, true } } },
    /* The std VGA: its ports, the legacy window, Bochs VBE (LFB in BAR 0). */
    { "vga", { "i440FX-pcihost", "VGA" }, { 0 },
      { { 0x3c0, 32, true }, { 0x3b4, 7, true }, { 0x1ce, 4, true }, { 0xa0000, 0x20000 } } },
    { "e1000", { "i440FX-pcihost", "e1000,netdev=wire,romfile=" }, { 0 }, { { 0 } }, .wire = true },
    { "rtl8139", { "i440FX-pcihost", "rtl8139,netdev=wire,romfile=" }, { 0 }, { { 0 } }, .wire = true },
    { "virtio-net", { "i440FX-pcihost", "virtio-net-pci,netdev=wire,romfile=" }, { 0 },
      { { 0 } }, .wire = true },
    { "virtio-net-modern", { "i440FX-pcihost",
                             "virtio-net-pci,netdev=wire,romfile=,disable-legacy=on" },
      { 0 }, { { 0 } }, .wire = true },
    { "uhci", { "i440FX-pcihost", "piix3-usb-uhci", "usb-tablet" }, { 0 }, { { 0 } } },
};

static const Profile *profile;
static MemDisk *disks[MAX_DRIVES];
static uint8_t *disk_init[MAX_DRIVES];
static uint64_t disk_size[MAX_DRIVES];
static Range regions[MAX_REGIONS];
static int nregions;
static int pci_devs[256], npci;       /* devfns of the functions */

/* harness.c reports set-up failures through the unit-test runner's hook. */
void unit_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static uint32_t cfg_read(int devfn, unsigned reg)
{
    outl(0xcf8, 0x80000000u | (unsigned)devfn << 8 | reg);
    return inl(0xcfc);
}

static void cfg_write(int devfn, unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (unsigned)devfn << 8 | reg);
    outl(0xcfc, v);
}

static void add_region(uint64_t base, uint64_t size, bool io)
{
    if (nregions < MAX_REGIONS)
        regions[nregions++] = (Range){ base, size, io };
}

/* Size one BAR and place it; returns how many BAR slots it took. */
static int place_bar(int dev, int n, uint64_t *io_next, uint64_t *mem_next)
{
    unsigned reg = 0x10 + 4 * (unsigned)n;
    cfg_write(dev, reg, 0xffffffff);
    uint32_t v = cfg_read(dev, reg);
    if (!v || v == 0xffffffff)
        return 1;
    bool io = v & 1, wide = !io && (v & 6) == 4;
    uint64_t size = io ? (uint64_t)(~(v & ~3u) + 1) & 0xffff : (uint64_t)(~(v & ~15u) + 1);
    uint64_t *next = io ? io_next : mem_next;
    uint64_t base = (*next + size - 1) & ~(size - 1);
    *next = base + size;
    cfg_write(dev, reg, (uint32_t)base);
    if (wide)
        cfg_write(dev, reg + 4, 0);
    add_region(base, size, io);
    return wide ? 2 : 1;
}

/* What firmware does: every function's BARs placed, decoding and bus
 * mastering on. */
static void place_all_bars(void)
{
    uint64_t io_next = 0xc000, mem_next = 0xe0000000;
    for (int i = 0; i < npci; i++) {
        for (int n = 0; n < 6;)
            n += place_bar(pci_devs[i], n, &io_next, &mem_next);
        cfg_write(pci_devs[i], 0x04, 0x7);
        for (int k = 0; k < 4 && profile->setup[k].reg; k++)
            cfg_write(pci_devs[i], profile->setup[k].reg, profile->setup[k].val);
    }
}

/* The far end of a NIC profile's wire: what the card sends is dropped. */
static bool wire_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    (void)nc, (void)buf, (void)len;
    return true;
}

static const NetClientOps wire_ops = { .kind = NET_SOCKET, .receive = wire_receive };
static NetClient *wire;

static void build_board(void)
{
    harness_init();
    if (profile->wire)
        wire = net_client_new(&wire_ops, "wire", "wire", NULL);
    for (int i = 0; i < MAX_DRIVES && profile->drives[i]; i++) {
        /* "fd..." drives are 360K floppies: a size the drive accepts. */
        disk_size[i] = strncmp(profile->drives[i], "fd", 2) ? DISK_SIZE : 360 * 1024;
        disks[i] = memdisk_new(profile->drives[i], disk_size[i], 7);
        disks[i]->bd.removable = !strncmp(profile->drives[i], "cd", 2);
        disk_init[i] = xmalloc(disk_size[i]);
        memcpy(disk_init[i], disks[i]->data, disk_size[i]);
    }
    for (int i = 0; i < MAX_DEVICES && profile->devices[i]; i++) {
        char type[64];
        const char *comma = strchr(profile->devices[i], ',');
        size_t n = comma ? (size_t)(comma - profile->devices[i]) : strlen(profile->devices[i]);
        snprintf(type, sizeof(type), "%.*s", (int)n, profile->devices[i]);
        harness_device(type, comma ? comma + 1 : NULL);
    }
    for (int devfn = 8; devfn < 256; devfn++) {      /* all but the host bridge */
        if (cfg_read(devfn, 0) != 0xffffffff)
            pci_devs[npci++] = devfn;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *want = getenv("FUZZ_PROFILE");
    (void)argc, (void)argv;
    for (size_t i = 0; i < ARRAY_SIZE(profiles) && want; i++) {
        if (!strcmp(profiles[i].name, want))
            profile = &profiles[i];
    }
    if (!profile) {
        fprintf(stderr, "fuzz-device: FUZZ_PROFILE=%s: profiles are", want ? want : "");
        for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
            fprintf(stderr, " %s", profiles[i].name);
        fputc('\n', stderr);
        exit(2);
    }
    build_board();
    return 0;
}

static void fresh_machine(void)
{
    Machine *m = harness_machine();
    machine_reset(m);
    uint8_t *ram = as_ram_ptr(&m->mem, 0, RAM_SIZE, true);
    if (ram)
        memset(ram, 0, RAM_SIZE);
    for (int i = 0; i < MAX_DRIVES && disks[i]; i++) {
        memcpy(disks[i]->data, disk_init[i], disk_size[i]);
        disks[i]->bd.inserted = true;
    }
    nregions = 0;
    for (int i = 0; i < 4 && profile->fixed[i].size; i++)
        add_region(profile->fixed[i].base, profile->fixed[i].size, profile->fixed[i].io);
    place_all_bars();
}

/* The input, consumed from the front; zeros once it runs out. */
typedef struct Input {
    const uint8_t *p;
    size_t left;
} Input;

static uint64_t take(Input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
        v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

static void access_region(Input *in, bool write)
{
    static const unsigned sizes[4] = { 1, 2, 4, 8 };
    if (!nregions)
        return;
    const Range *r = &regions[take(in, 1) % (unsigned)nregions];
    unsigned size = sizes[take(in, 1) & 3];
    uint64_t off = take(in, 2) % r->size;
    uint64_t val = take(in, 4);
    Machine *m = harness_machine();
    AddressSpace *as = r->io ? &m->io : &m->mem;
    if (r->io && size == 8)
        size = 4;
    if (write)
        as_st(as, r->base + off, val, size);
    else
        (void)as_ld(as, r->base + off, size);
}

static void ram_write(Input *in)
{
    uint32_t addr = (uint32_t)take(in, 3) % RAM_SIZE;
    size_t len = (size_t)take(in, 1) + 1;
    uint8_t buf[256] = { 0 };
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)take(in, 1);
    if (len > RAM_SIZE - addr)
        len = RAM_SIZE - addr;
    as_write(&harness_machine()->mem, addr, buf, len);
}

/* A plausible descriptor or PRD: a RAM address, a length, flags, next. */
static void ram_desc(Input *in)
{
    uint32_t at = (uint32_t)take(in, 2) << 4;
    uint8_t d[16];
    uint64_t addr = take(in, 1) & 1 ? take(in, 8) : (take(in, 3) % RAM_SIZE);
    uint32_t len = (uint32_t)take(in, 4);
    uint16_t flags = (uint16_t)take(in, 1), next = (uint16_t)take(in, 2);
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    if (at + 16 <= RAM_SIZE)
        as_write(&harness_machine()->mem, at, d, 16);
}

static void config_write(Input *in)
{
    if (!npci)
        return;
    int dev = pci_devs[take(in, 1) % (unsigned)npci];
    unsigned reg = (unsigned)take(in, 1) & 0xfc;
    uint32_t val = (uint32_t)take(in, 4);
    bool move_bar = (take(in, 1) & 7) == 0;
    /* BARs stay where they are most of the time: moving them is a case,
     * not the rule. */
    if (reg >= 0x10 && reg < 0x28 && !move_bar)
        return;
    cfg_write(dev, reg, val);
    (void)cfg_read(dev, (unsigned)take(in, 1) & 0xfc);
}

/* NIC profiles: a frame arrives, to the card's default MAC, broadcast or
 * whatever the input says, of any length up to a jumbo one. */
static void wire_frame(Input *in)
{
    static uint8_t f[9018];
    size_t len = (size_t)take(in, 2) % sizeof(f);
    unsigned dst = (unsigned)take(in, 1) % 3;
    for (size_t i = 0; i < len; i++)
        f[i] = (uint8_t)take(in, 1);
    if (len >= 6 && dst < 2)
        memcpy(f, dst ? "\xff\xff\xff\xff\xff\xff" : "\x52\x54\x00\x12\x34\x56", 6);
    net_send(wire, f, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in = { data, size };
    fresh_machine();
    for (int ops = 0; in.left && ops < 4096; ops++) {
        switch (take(&in, 1) % 8) {
        case 0: case 1: access_region(&in, true); break;
        case 2: access_region(&in, false); break;
        case 3: ram_write(&in); break;
        case 4: ram_desc(&in); break;
        case 5: config_write(&in); break;
        case 6: clock_advance((int64_t)take(&in, 2) * 1000); break;
        case 7:
            if (wire)
                wire_frame(&in);
            else
                access_region(&in, true);
            break;
        }
    }
    return 0;
}
