/* "i8257": the PC's two cascaded 8237A DMA controllers (QEMU's name for
 * them).  The first serves the 8-bit channels 0-3 at ports 0x00-0x0f, the
 * second the 16-bit channels 4-7 at 0xc0-0xdf (every other port, word
 * counts); page registers at 0x81-0x8f give address bits 16-23.
 *
 * A device holding DREQ on an unmasked channel gets its handler called
 * (hw/core/isa-dma.h), which moves data through this controller: every
 * access is clipped to the block the guest programmed (count + 1 units)
 * and goes to guest RAM only, with the address wrapping inside its 64 KiB
 * (128 KiB) page as the 8237's 16-bit counter does.  Reaching the end
 * sets the channel's terminal-count status and, without auto-initialize,
 * its mask bit. */
#include "hw/core/isa-dma.h"
#include "hw/core/dma.h"
#include "hw/core/machine.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <string.h>

enum { MODE_VERIFY = 0, MODE_WRITE = 1, MODE_READ = 2 };
#define MODE_TYPE(m)    (((m) >> 2) & 3)
#define MODE_AUTOINIT   0x10
#define MODE_DECREMENT  0x20

typedef struct DmaChannel {
    uint16_t base_addr, base_count;
    uint8_t page, mode;
    bool masked, dreq;
    int pos;                    /* bytes moved since programmed */
    IsaDmaHandler *handler;
    void *opaque;
} DmaChannel;

typedef struct I8257 {
    Device dev;
    MemoryRegion io[2], page_io;
    DmaChannel ch[ISA_DMA_CHANNELS];
    uint8_t command[2], status[2];
    bool flip_flop[2];
    uint8_t pages[16];          /* 0x80-0x8f as written */
    bool running, rerun;
} I8257;

#define I8257_OF(d) ((I8257 *)(d))

static int dshift(int chan) { return chan >= 4; }

static int block_size(const DmaChannel *c, int chan)
{
    return ((int)c->base_count + 1) << dshift(chan);
}

static bool channel_ready(const I8257 *s, int i)
{
    const DmaChannel *c = &s->ch[i];
    return c->dreq && !c->masked && c->handler && !(s->command[i >> 2] & 4);
}

/* One offer to the channel's device; whether to offer again now (it
 * moved something and the block is not done). */
static bool service(I8257 *s, int i)
{
    DmaChannel *c = &s->ch[i];
    int size = block_size(c, i), old = c->pos;
    int pos = c->handler(c->opaque, i, c->pos, size);
    c->pos = pos < old ? old : MIN(pos, size);
    if (c->pos < size)
        return c->pos > old;
    s->status[i >> 2] |= (uint8_t)(1u << (i & 3));
    if (c->mode & MODE_AUTOINIT)
        c->pos = 0;                 /* the next block waits for the next event */
    else
        c->masked = true;
    return false;
}

/* Offer every unmasked channel with DREQ held to its device, again while
 * some device makes progress (it may move its data in pieces). */
static void run_channels(I8257 *s)
{
    if (s->running) {
        s->rerun = true;
        return;
    }
    s->running = true;
    bool again;
    do {
        s->rerun = false;
        again = false;
        for (int i = 0; i < ISA_DMA_CHANNELS; i++) {
            if (channel_ready(s, i) && service(s, i))
                again = true;
        }
    } while (s->rerun || again);
    s->running = false;
}

/* Guest address of byte pos of the block: the counter wraps in its page. */
static uint64_t byte_addr(const DmaChannel *c, int chan, int pos)
{
    if (chan >= 4) {
        uint32_t a = ((uint32_t)c->base_addr << 1) + (c->mode & MODE_DECREMENT ? -pos : pos);
        return ((uint64_t)(c->page & 0xfe) << 16) | (a & 0x1ffff);
    }
    uint32_t a = c->base_addr + (uint32_t)(c->mode & MODE_DECREMENT ? -pos : pos);
    return ((uint64_t)c->page << 16) | (a & 0xffff);
}

/* Bytes of [pos, pos+len) inside the block, 0 if none. */
static int clip(const DmaChannel *c, int chan, int pos, int len)
{
    int size = block_size(c, chan);
    if (pos < 0 || len <= 0 || pos >= size)
        return 0;
    return MIN(len, size - pos);
}

/* Move n bytes one contiguous run at a time (a byte at a time downwards). */
static int transfer(I8257 *s, int chan, uint8_t *buf, int pos, int n, bool to_mem)
{
    DmaChannel *c = &s->ch[chan];
    AddressSpace *as = &s->dev.machine->mem;
    int done = 0;
    while (done < n) {
        uint64_t a = byte_addr(c, chan, pos + done);
        uint64_t page_end = chan >= 4 ? (a | 0x1ffff) + 1 : (a | 0xffff) + 1;
        int run = c->mode & MODE_DECREMENT ? 1 : (int)MIN((uint64_t)(n - done), page_end - a);
        bool ok = to_mem ? dma_write(as, a, buf + done, (uint64_t)run)
                         : dma_read(as, a, buf + done, (uint64_t)run);
        if (!ok)
            break;
        done += run;
    }
    return done;
}

static int read_memory(void *ctl, int chan, void *buf, int pos, int len)
{
    I8257 *s = ctl;
    DmaChannel *c = &s->ch[chan];
    int n = clip(c, chan, pos, len);
    if (MODE_TYPE(c->mode) != MODE_READ) {
        memset(buf, 0, (size_t)n);          /* not a memory-to-device block */
        return n;
    }
    return transfer(s, chan, buf, pos, n, false);
}

static int write_memory(void *ctl, int chan, const void *buf, int pos, int len)
{
    I8257 *s = ctl;
    DmaChannel *c = &s->ch[chan];
    int n = clip(c, chan, pos, len);
    if (MODE_TYPE(c->mode) != MODE_WRITE)
        return n;                           /* verify: the data goes nowhere */
    return transfer(s, chan, (uint8_t *)buf, pos, n, true);
}

static void register_channel(void *ctl, int chan, IsaDmaHandler *fn, void *opaque)
{
    I8257 *s = ctl;
    s->ch[chan].handler = fn;
    s->ch[chan].opaque = opaque;
}

static void hold_dreq(void *ctl, int chan)
{
    I8257 *s = ctl;
    s->ch[chan].dreq = true;
    s->status[chan >> 2] |= (uint8_t)(0x10u << (chan & 3));
    run_channels(s);
}

static void release_dreq(void *ctl, int chan)
{
    I8257 *s = ctl;
    s->ch[chan].dreq = false;
    s->status[chan >> 2] &= (uint8_t)~(0x10u << (chan & 3));
}

static const IsaDmaOps dma_ops = {
    register_channel, hold_dreq, release_dreq, read_memory, write_memory,
};

/* ---- the guest's registers ---- */

/* The current address or count, through the byte flip-flop. */
static uint8_t read_counter(I8257 *s, int ctrl, int reg)
{
    int chan = ctrl * 4 + (reg >> 1);
    DmaChannel *c = &s->ch[chan];
    int units = c->pos >> dshift(chan);
    uint16_t v = reg & 1 ? (uint16_t)(c->base_count - units)
                         : (uint16_t)(c->base_addr + (c->mode & MODE_DECREMENT ? -units : units));
    bool hi = s->flip_flop[ctrl];
    s->flip_flop[ctrl] = !hi;
    return (uint8_t)(hi ? v >> 8 : v);
}

static void write_counter(I8257 *s, int ctrl, int reg, uint8_t v)
{
    DmaChannel *c = &s->ch[ctrl * 4 + (reg >> 1)];
    uint16_t *r = reg & 1 ? &c->base_count : &c->base_addr;
    bool hi = s->flip_flop[ctrl];
    *r = hi ? (uint16_t)((*r & 0x00ff) | v << 8) : (uint16_t)((*r & 0xff00) | v);
    s->flip_flop[ctrl] = !hi;
    c->pos = 0;
}

static uint8_t mask_bits(const I8257 *s, int ctrl)
{
    uint8_t m = 0;
    for (int i = 0; i < 4; i++)
        m |= (uint8_t)(s->ch[ctrl * 4 + i].masked << i);
    return m;
}

static void set_masks(I8257 *s, int ctrl, uint8_t bits)
{
    for (int i = 0; i < 4; i++)
        s->ch[ctrl * 4 + i].masked = bits & (1u << i);
}

static void master_clear(I8257 *s, int ctrl)
{
    s->command[ctrl] = 0;
    s->status[ctrl] &= 0xf0;                /* requests stay as the devices hold them */
    s->flip_flop[ctrl] = false;
    set_masks(s, ctrl, 0x0f);
}

static uint64_t ctrl_read(I8257 *s, int ctrl, int reg)
{
    uint8_t v;
    switch (reg) {
    case 8:
        v = s->status[ctrl];
        s->status[ctrl] &= 0xf0;            /* TC bits clear when read */
        return v;
    case 15:
        return mask_bits(s, ctrl);
    default:
        return reg < 8 ? read_counter(s, ctrl, reg) : 0;  /* 13: temporary register */
    }
}

static void ctrl_write(I8257 *s, int ctrl, int reg, uint8_t v)
{
    DmaChannel *c = &s->ch[ctrl * 4 + (v & 3)];
    if (reg < 8) {
        write_counter(s, ctrl, reg, v);
        return;
    }
    switch (reg) {
    case 8: s->command[ctrl] = v; break;
    case 9: break;                          /* software requests: memory-to-memory only */
    case 10: c->masked = v & 4; break;
    case 11: c->mode = v; break;
    case 12: s->flip_flop[ctrl] = false; break;
    case 13: master_clear(s, ctrl); break;
    case 14: set_masks(s, ctrl, 0); break;
    case 15: set_masks(s, ctrl, v & 0x0f); break;
    }
    run_channels(s);
}

static uint64_t dma0_read(void *opaque, uint64_t off, unsigned size)
{
    return ctrl_read(opaque, 0, (int)off);
}

static void dma0_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    ctrl_write(opaque, 0, (int)off, (uint8_t)val);
}

/* The second controller sits on every other port (even addresses). */
static uint64_t dma1_read(void *opaque, uint64_t off, unsigned size)
{
    return off & 1 ? 0xff : ctrl_read(opaque, 1, (int)(off >> 1));
}

static void dma1_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    if (!(off & 1))
        ctrl_write(opaque, 1, (int)(off >> 1), (uint8_t)val);
}

/* Page register port (0x80 + n) of each channel; -1: a spare byte. */
static int page_channel(unsigned port)
{
    static const int chan[16] = { -1, 2, 3, 1, -1, -1, -1, 0, -1, 6, 7, 5, -1, -1, -1, 4 };
    return chan[port & 15];
}

static uint64_t page_read(void *opaque, uint64_t off, unsigned size)
{
    I8257 *s = opaque;
    return s->pages[(off + 1) & 15];
}

static void page_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8257 *s = opaque;
    unsigned port = (unsigned)(off + 1) & 15;
    int chan = page_channel(port);
    s->pages[port] = (uint8_t)val;
    if (chan >= 0)
        s->ch[chan].page = (uint8_t)val;
}

static const MemoryRegionOps dma0_ops = { dma0_read, dma0_write, 1, 1 };
static const MemoryRegionOps dma1_ops = { dma1_read, dma1_write, 1, 1 };
static const MemoryRegionOps page_ops = { page_read, page_write, 1, 1 };

static int i8257_realize(Device *dev, Machine *m)
{
    I8257 *s = I8257_OF(dev);
    mr_init_io(&s->io[0], "dma-chan", 16, &dma0_ops, s);
    mr_init_io(&s->io[1], "dma-cont", 32, &dma1_ops, s);
    mr_init_io(&s->page_io, "dma-page", 15, &page_ops, s);
    as_map(&m->io, &s->io[0], 0x00, 0);
    as_map(&m->io, &s->io[1], 0xc0, 0);
    as_map(&m->io, &s->page_io, 0x81, 0);
    isa_dma_set_controller(m, &dma_ops, s);
    return 0;
}

/* Power-on: everything masked and cleared; the devices' handlers and
 * their DREQ lines stay. */
static void i8257_reset(Device *dev)
{
    I8257 *s = I8257_OF(dev);
    for (int i = 0; i < ISA_DMA_CHANNELS; i++) {
        DmaChannel *c = &s->ch[i];
        c->base_addr = c->base_count = 0;
        c->page = c->mode = 0;
        c->pos = 0;
    }
    memset(s->pages, 0, sizeof(s->pages));
    master_clear(s, 0);
    master_clear(s, 1);
}

static void i8257_unrealize(Device *dev)
{
    I8257 *s = I8257_OF(dev);
    isa_dma_set_controller(dev->machine, NULL, NULL);
    for (int i = 0; i < 2; i++) {
        as_unmap(&dev->machine->io, &s->io[i]);
        mr_free(&s->io[i]);
    }
    as_unmap(&dev->machine->io, &s->page_io);
    mr_free(&s->page_io);
}

static void i8257_info(Device *dev, char *buf, size_t len)
{
    I8257 *s = I8257_OF(dev);
    const DmaChannel *c = &s->ch[2];
    snprintf(buf, len, "masks %x/%x, channel 2: mode 0x%02x page 0x%02x addr 0x%04x "
             "count 0x%04x", mask_bits(s, 0), mask_bits(s, 1), c->mode, c->page,
             c->base_addr, c->base_count);
}

static DeviceClass i8257_class = {
    .name = "i8257",
    .desc = "8237A DMA controller pair (ISA DMA channels 0-7) with page registers",
    .bus = "isa",
    .size = sizeof(I8257),
    .realize = i8257_realize,
    .reset = i8257_reset,
    .unrealize = i8257_unrealize,
    .info = i8257_info,
};
DEVICE_REGISTER(i8257_class)
