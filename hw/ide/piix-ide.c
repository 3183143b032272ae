/* "piix3-ide": the PIIX3's IDE function, PCI 00:01.1 (8086:7010), in
 * compatibility mode: primary channel at 0x1f0-0x1f7/0x3f6 on IRQ 14,
 * secondary at 0x170-0x177/0x376 on IRQ 15, plus the bus-master DMA
 * registers in BAR4 (Intel 82371 datasheet, "Bus Master IDE").  Drives
 * are attached to it by the ide-hd and ide-cd devices.
 *
 * Bus master DMA walks the guest's physical region descriptor table
 * (address, byte count with 0 = 64 KiB, end-of-table in bit 31): every
 * descriptor and buffer must be guest RAM (hw/core/dma.c), anything else
 * ends the transfer with the error bit, as a master abort would. */
#include "hw/ide/ide-int.h"
#include "hw/core/dma.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/pci.h"

#include <stdio.h>

#define BM_CMD_START  0x01
#define BM_CMD_TO_MEM 0x08
#define BM_ST_ACTIVE  0x01
#define BM_ST_ERROR   0x02
#define BM_ST_IRQ     0x04

typedef struct Bmdma {
    uint8_t cmd, status;
    uint32_t prd_table;
    /* Where the transfer stands: next descriptor, bytes left in the
     * current one and its address. */
    uint32_t prd_next, cur_addr, cur_left;
    bool eot;
    struct PiixIde *s;
    IdeChannel *ch;
} Bmdma;

typedef struct PiixIde {
    Device dev;
    PCIFunction fn;
    IdeChannel ch[2];
    Bmdma bm[2];
    MemoryRegion cmd_io[2], ctl_io[2], bm_io;
} PiixIde;

/* Load the next descriptor; false at the end of the table or if it is not
 * in RAM. */
static bool next_prd(Bmdma *bm, AddressSpace *as, bool *bad)
{
    if (bm->eot)
        return false;
    uint8_t prd[8];
    if (!dma_read(as, bm->prd_next, prd, sizeof(prd))) {
        *bad = true;
        return false;
    }
    bm->cur_addr = (uint32_t)(prd[0] | prd[1] << 8 | prd[2] << 16 | (uint32_t)prd[3] << 24) & ~1u;
    uint32_t count = (uint32_t)(prd[4] | prd[5] << 8) & ~1u;
    bm->cur_left = count ? count : 0x10000;
    bm->eot = prd[7] & 0x80;
    bm->prd_next += 8;
    return true;
}

static int64_t bm_rw(void *opaque, uint8_t *buf, uint64_t len, bool to_guest)
{
    Bmdma *bm = opaque;
    Machine *m = bm->s->dev.machine;
    bool bad = false;
    uint64_t done = 0;
    if (!pci_bus_master(&bm->s->fn) || !(bm->cmd & BM_CMD_START) ||
        !!(bm->cmd & BM_CMD_TO_MEM) != to_guest)
        return -1;
    while (done < len) {
        if (!bm->cur_left && !next_prd(bm, &m->mem, &bad))
            break;
        uint32_t n = (uint32_t)(len - done < bm->cur_left ? len - done : bm->cur_left);
        bool ok = to_guest ? dma_write(&m->mem, bm->cur_addr, buf + done, n)
                           : dma_read(&m->mem, bm->cur_addr, buf + done, n);
        if (!ok)
            return -1;
        bm->cur_addr += n;
        bm->cur_left -= n;
        done += n;
    }
    return bad ? -1 : (int64_t)done;
}

/* The same walk as bm_rw, mapping instead of copying; any surprise
 * restores the engine's position and leaves the chunk to bm_rw. */
static bool bm_map(void *opaque, uint64_t len, bool to_guest, DmaSg *sg)
{
    Bmdma *bm = opaque, saved = *bm;
    Machine *m = bm->s->dev.machine;
    bool bad = false;
    uint64_t done = 0;
    if (!pci_bus_master(&bm->s->fn) || !(bm->cmd & BM_CMD_START) ||
        !!(bm->cmd & BM_CMD_TO_MEM) != to_guest)
        return false;
    dma_sg_init(sg, &m->mem);
    while (done < len) {
        if (!bm->cur_left && !next_prd(bm, &m->mem, &bad))
            break;
        uint32_t n = (uint32_t)(len - done < bm->cur_left ? len - done : bm->cur_left);
        if (!dma_sg_add(sg, bm->cur_addr, n, to_guest, IDE_SG_MAX))
            break;
        bm->cur_addr += n;
        bm->cur_left -= n;
        done += n;
    }
    if (done < len) {
        *bm = saved;
        return false;
    }
    return true;
}

static void bm_done(void *opaque, bool error)
{
    Bmdma *bm = opaque;
    bm->status &= ~BM_ST_ACTIVE;
    bm->status |= BM_ST_IRQ | (error ? BM_ST_ERROR : 0);
}

static bool bm_active(void *opaque)
{
    Bmdma *bm = opaque;
    return bm->cmd & BM_CMD_START;
}

/* The interrupt bit follows the IDE interrupt line (82371 datasheet,
 * BMISX bit 2): drivers look at it to tell their DMA command's end, an
 * error reported before any data moved included. */
static void bm_irq(void *opaque)
{
    Bmdma *bm = opaque;
    bm->status |= BM_ST_IRQ;
}

static const IdeDmaOps bm_ops = { bm_rw, bm_map, bm_done, bm_active, bm_irq };

static uint64_t bm_read(void *opaque, uint64_t off, unsigned size)
{
    PiixIde *s = opaque;
    Bmdma *bm = &s->bm[off >= 8];
    switch (off & 7) {
    case 0: return bm->cmd;
    case 2: return bm->status;
    case 4: return size == 4 ? bm->prd_table : bm->prd_table & 0xff;
    case 5: return (bm->prd_table >> 8) & 0xff;
    case 6: return size == 2 ? bm->prd_table >> 16 : (bm->prd_table >> 16) & 0xff;
    case 7: return bm->prd_table >> 24;
    default: return 0;
    }
}

static void bm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PiixIde *s = opaque;
    Bmdma *bm = &s->bm[off >= 8];
    switch (off & 7) {
    case 0: {
        uint8_t old = bm->cmd;
        bm->cmd = (uint8_t)(val & (BM_CMD_START | BM_CMD_TO_MEM));
        if ((val & BM_CMD_START) && !(old & BM_CMD_START)) {
            bm->prd_next = bm->prd_table;
            bm->cur_left = 0;
            bm->eot = false;
            bm->status |= BM_ST_ACTIVE;
            ide_dma_kick(bm->ch);
        } else if (!(val & BM_CMD_START)) {
            bm->status &= ~BM_ST_ACTIVE;
        }
        break;
    }
    case 2:
        bm->status = (uint8_t)((bm->status & ~(BM_ST_ERROR | BM_ST_IRQ) & ~0x60) |
                               (bm->status & ~val & (BM_ST_ERROR | BM_ST_IRQ)) | (val & 0x60));
        break;
    case 4: case 5: case 6: case 7: {
        unsigned shift = 8 * (unsigned)((off & 7) - 4);
        uint64_t mask = (size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1) << shift;
        bm->prd_table = (uint32_t)((bm->prd_table & ~mask) | ((val << shift) & mask)) & ~3u;
        break;
    }
    }
}

static const MemoryRegionOps bm_io_ops = { bm_read, bm_write, 1, 4 };

static const struct { uint16_t cmd, ctl; int irq; } legacy[2] = {
    { 0x1f0, 0x3f6, 14 }, { 0x170, 0x376, 15 },
};

IdeChannel *piix_ide_channel(Device *dev, int bus)
{
    return bus >= 0 && bus < 2 ? &((PiixIde *)dev)->ch[bus] : NULL;
}

static int piix_ide_realize(Device *dev, Machine *m)
{
    PiixIde *s = (PiixIde *)dev;
    if (!m->pci) {
        error_report("piix3-ide: the machine has no PCI bus");
        return -1;
    }
    pci_function_init(&s->fn, 0x8086, 0x7010, 0x01, 0x01, 0x00);
    s->fn.config[PCI_CLASS_REV + 1] = 0x80;         /* prog-if: bus master, legacy */
    for (int r = 0x40; r < 0x48; r++)
        s->fn.wmask[r] = 0xff;                      /* IDETIM, SIDETIM, UDMA control */
    mr_init_io(&s->bm_io, "piix-bmdma", 16, &bm_io_ops, s);
    pci_bar_init(&s->fn, 4, &s->bm_io, true);
    if (pci_bus_add(m->pci, &s->fn, PCI_DEVFN(1, 1)) < 0) {
        error_report("piix3-ide: 00:01.1 is taken");
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        s->bm[i].s = s;
        s->bm[i].ch = &s->ch[i];
        ide_channel_init(&s->ch[i], &m->gsi[legacy[i].irq]);
        mr_init_io(&s->cmd_io[i], i ? "ide1-cmd" : "ide0-cmd", 8, &ide_cmd_ops, &s->ch[i]);
        mr_init_io(&s->ctl_io[i], i ? "ide1-ctl" : "ide0-ctl", 1, &ide_ctl_ops, &s->ch[i]);
        as_map(&m->io, &s->cmd_io[i], legacy[i].cmd, 0);
        as_map(&m->io, &s->ctl_io[i], legacy[i].ctl, 0);
        s->ch[i].dma_ops = &bm_ops;
        s->ch[i].dma_opaque = &s->bm[i];
    }
    return 0;
}

static void piix_ide_reset(Device *dev)
{
    PiixIde *s = (PiixIde *)dev;
    pci_function_reset(&s->fn);
    for (int i = 0; i < 2; i++) {
        s->bm[i].cmd = s->bm[i].status = 0;
        s->bm[i].prd_table = 0;
        s->ch[i].ctrl = 0;
        ide_channel_reset(&s->ch[i]);
    }
}

static void piix_ide_unrealize(Device *dev)
{
    PiixIde *s = (PiixIde *)dev;
    if (s->fn.bus)
        pci_bus_remove(s->fn.bus, &s->fn);
    for (int i = 0; i < 2; i++) {
        as_unmap(s->cmd_io[i].as, &s->cmd_io[i]);
        as_unmap(s->ctl_io[i].as, &s->ctl_io[i]);
        ide_channel_free(&s->ch[i]);
    }
}

static void piix_ide_info(Device *dev, char *buf, size_t len)
{
    PiixIde *s = (PiixIde *)dev;
    snprintf(buf, len, "ide0 status=0x%02x ide1 status=0x%02x", s->ch[0].status,
             s->ch[1].status);
}

static DeviceClass piix_ide_class = {
    .name = "piix3-ide",
    .desc = "PIIX3 IDE controller (two legacy ATA channels)",
    .bus = "pci",
    .size = sizeof(PiixIde),
    .realize = piix_ide_realize,
    .reset = piix_ide_reset,
    .unrealize = piix_ide_unrealize,
    .info = piix_ide_info,
    .child_bus_type = "IDE",
    .child_bus_name = "ide",
    .child_buses = 2,
};
DEVICE_REGISTER(piix_ide_class)
