/* The fw_cfg device: see fw_cfg.h.  Items live in a small table searched by
 * key; the data port and DMA read from the selected item at its offset. */
#include "hw/pc/fw_cfg.h"
#include "hw/core/dma.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct FwCfgItem {
    uint16_t key;
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

typedef struct FwCfg {
    Device dev;
    uint32_t iobase, dma_base;
    MemoryRegion io, dma;
    FwCfgItem *items;
    size_t nitems;
    uint32_t nfiles;
    uint16_t cur_key;
    FwCfgItem *cur;           /* selected item, NULL if none */
    uint32_t cur_off;
    uint8_t dma_addr[8];      /* big-endian DMA address register */
} FwCfg;

#define FWCFG(d) ((FwCfg *)(d))

/* "QEMU CFG": what a read of the DMA register returns. */
static const uint8_t dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

static FwCfgItem *find_item(FwCfg *s, uint16_t key)
{
    for (size_t i = 0; i < s->nitems; i++) {
        if (s->items[i].key == key)
            return &s->items[i];
    }
    return NULL;
}

void fw_cfg_add_bytes_owned(Device *fw, uint16_t key, void *data, size_t len)
{
    FwCfg *s = FWCFG(fw);
    if (len > UINT32_MAX)
        KEMU_BUG("fw_cfg item larger than 4 GiB");
    FwCfgItem *it = find_item(s, key);
    if (!it) {
        s->items = xrealloc(s->items, (s->nitems + 1) * sizeof(*s->items));
        it = &s->items[s->nitems++];
        it->data = NULL;
        s->cur = NULL;          /* the table may have moved */
    }
    free(it->data);
    it->key = key;
    it->data = data;
    it->len = (uint32_t)len;
    if (s->cur_key == key || !s->cur)
        s->cur = find_item(s, s->cur_key);
}

void fw_cfg_add_bytes(Device *fw, uint16_t key, const void *data, size_t len)
{
    uint8_t *copy = xmalloc(len ? len : 1);
    if (len)
        memcpy(copy, data, len);
    fw_cfg_add_bytes_owned(fw, key, copy, len);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void fw_cfg_add_i16(Device *fw, uint16_t key, uint16_t v)
{
    uint8_t b[2];
    put_le(b, v, 2);
    fw_cfg_add_bytes(fw, key, b, 2);
}

void fw_cfg_add_i32(Device *fw, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    put_le(b, v, 4);
    fw_cfg_add_bytes(fw, key, b, 4);
}

void fw_cfg_add_i64(Device *fw, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    put_le(b, v, 8);
    fw_cfg_add_bytes(fw, key, b, 8);
}

void fw_cfg_add_string(Device *fw, uint16_t key, const char *str)
{
    fw_cfg_add_bytes(fw, key, str, strlen(str) + 1);
}

/* Directory: be32 count, then per file be32 size, be16 key, be16 0, name[56]. */
int fw_cfg_add_file(Device *fw, const char *name, const void *data, size_t len)
{
    FwCfg *s = FWCFG(fw);
    if (strlen(name) >= FW_CFG_FILE_NAME) {
        error_report("fw_cfg: file name '%s' too long", name);
        return -1;
    }
    if (s->nfiles >= FW_CFG_MAX_FILES) {
        error_report("fw_cfg: too many files (adding '%s')", name);
        return -1;
    }
    FwCfgItem *dir = find_item(s, FW_CFG_FILE_DIR);
    size_t dlen = 4 + (size_t)(s->nfiles + 1) * 64;
    uint8_t *d = xzalloc(dlen);
    if (dir && dir->len)
        memcpy(d, dir->data, dir->len);
    uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + s->nfiles);
    uint8_t *e = d + 4 + (size_t)s->nfiles * 64;
    for (int i = 0; i < 4; i++)
        e[i] = (uint8_t)(len >> (24 - 8 * i));
    e[4] = (uint8_t)(key >> 8);
    e[5] = (uint8_t)key;
    memcpy(e + 8, name, strlen(name));
    s->nfiles++;
    for (int i = 0; i < 4; i++)
        d[i] = (uint8_t)(s->nfiles >> (24 - 8 * i));
    fw_cfg_add_bytes(fw, key, data, len);
    fw_cfg_add_bytes_owned(fw, FW_CFG_FILE_DIR, d, dlen);
    return key;
}

int fw_cfg_set_file(Device *fw, const char *name, const void *data, size_t len)
{
    FwCfg *s = FWCFG(fw);
    FwCfgItem *dir = find_item(s, FW_CFG_FILE_DIR);
    for (uint32_t i = 0; dir && i < s->nfiles; i++) {
        uint8_t *e = dir->data + 4 + (size_t)i * 64;
        if (strncmp((const char *)e + 8, name, FW_CFG_FILE_NAME))
            continue;
        for (int k = 0; k < 4; k++)
            e[k] = (uint8_t)(len >> (24 - 8 * k));
        uint16_t key = (uint16_t)(e[4] << 8 | e[5]);
        fw_cfg_add_bytes(fw, key, data, len);
        return key;
    }
    return fw_cfg_add_file(fw, name, data, len);
}

static void select_key(FwCfg *s, uint16_t key)
{
    s->cur_key = key;
    s->cur_off = 0;
    /* Writes through the selector (bit 14) have no writable items here. */
    s->cur = (key & FW_CFG_WRITE_CHANNEL) ? NULL : find_item(s, key);
}

static int data_byte(FwCfg *s)
{
    if (!s->cur || s->cur_off >= s->cur->len)
        return 0;
    return s->cur->data[s->cur_off++];
}

/* Port 0x510 (16-bit selector) and 0x511 (8-bit data) share one region. */
static uint64_t io_read(void *opaque, uint64_t off, unsigned size)
{
    FwCfg *s = opaque;
    if (off == 1 && size == 1)
        return (uint64_t)data_byte(s);
    return 0;
}

static void io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FwCfg *s = opaque;
    if (off == 0)
        select_key(s, (uint16_t)val);
    /* Data-port writes are obsolete (QEMU ignores them too). */
}

static const MemoryRegionOps io_ops = { io_read, io_write, 1, 2 };

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Copy len bytes of the selected item (zeros past its end) to guest addr. */
static bool dma_read_item(FwCfg *s, AddressSpace *as, uint64_t addr, uint32_t len)
{
    uint8_t zeros[512];
    memset(zeros, 0, sizeof(zeros));
    while (len) {
        uint32_t avail = s->cur && s->cur_off < s->cur->len ? s->cur->len - s->cur_off : 0;
        const uint8_t *src = avail ? s->cur->data + s->cur_off : zeros;
        uint32_t n = MIN(len, avail ? avail : (uint32_t)sizeof(zeros));
        if (!dma_write(as, addr, src, n))
            return false;
        if (avail)
            s->cur_off += n;
        addr += n;
        len -= n;
    }
    return true;
}

static void dma_skip(FwCfg *s, uint32_t len)
{
    if (!s->cur)
        return;
    uint32_t room = s->cur_off < s->cur->len ? s->cur->len - s->cur_off : 0;
    s->cur_off += MIN(len, room);
}

/* Run one FWCfgDmaAccess { be32 control; be32 length; be64 address; } at
 * desc.  Everything comes from the guest: unreadable descriptors are
 * ignored, failed copies end with the error bit. */
static void dma_run(FwCfg *s, uint64_t desc)
{
    AddressSpace *as = &s->dev.machine->mem;
    uint8_t d[16];
    if (!dma_read(as, desc, d, sizeof(d)))
        return;
    uint32_t control = be32(d), len = be32(d + 4);
    uint64_t addr = (uint64_t)be32(d + 8) << 32 | be32(d + 12);
    bool ok = true;
    if (control & FW_CFG_DMA_SELECT)
        select_key(s, (uint16_t)(control >> 16));
    if (control & FW_CFG_DMA_READ)
        ok = dma_read_item(s, as, addr, len);
    else if (control & FW_CFG_DMA_WRITE)
        ok = false;             /* no writable items */
    else if (control & FW_CFG_DMA_SKIP)
        dma_skip(s, len);
    uint8_t status[4] = { 0, 0, 0, ok ? 0 : FW_CFG_DMA_ERROR };
    dma_write(as, desc, status, sizeof(status));
}

static uint64_t dma_reg_read(void *opaque, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && off + i < 8; i++)
        v |= (uint64_t)dma_signature[off + i] << (8 * i);
    return v;
}

/* The register is big-endian: the guest stores the address's bytes most
 * significant first, so port bytes land in memory order.  A write that
 * reaches the last byte (the low half at 0x518) starts the transfer. */
static void dma_reg_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FwCfg *s = opaque;
    for (unsigned i = 0; i < size && off + i < 8; i++)
        s->dma_addr[off + i] = (uint8_t)(val >> (8 * i));
    if (off + size < 8)
        return;
    uint64_t desc = (uint64_t)be32(s->dma_addr) << 32 | be32(s->dma_addr + 4);
    memset(s->dma_addr, 0, sizeof(s->dma_addr));
    dma_run(s, desc);
}

static const MemoryRegionOps dma_ops = { dma_reg_read, dma_reg_write, 1, 4 };

static int fw_cfg_realize(Device *dev, Machine *m)
{
    FwCfg *s = FWCFG(dev);
    mr_init_io(&s->io, "fw_cfg", 2, &io_ops, s);
    mr_init_io(&s->dma, "fw_cfg.dma", 8, &dma_ops, s);
    as_map(&m->io, &s->io, s->iobase, 0);
    as_map(&m->io, &s->dma, s->dma_base, 0);
    static const uint8_t sig[4] = { 'Q', 'E', 'M', 'U' };
    fw_cfg_add_bytes(dev, FW_CFG_SIGNATURE, sig, sizeof(sig));
    fw_cfg_add_i32(dev, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    return 0;
}

static void fw_cfg_reset(Device *dev)
{
    FwCfg *s = FWCFG(dev);
    select_key(s, FW_CFG_SIGNATURE);
    memset(s->dma_addr, 0, sizeof(s->dma_addr));
}

static void fw_cfg_unrealize(Device *dev)
{
    FwCfg *s = FWCFG(dev);
    for (size_t i = 0; i < s->nitems; i++)
        free(s->items[i].data);
    free(s->items);
    mr_free(&s->io);
    mr_free(&s->dma);
}

static void fw_cfg_info(Device *dev, char *buf, size_t len)
{
    FwCfg *s = FWCFG(dev);
    snprintf(buf, len, "items %zu, files %u, selected 0x%x", s->nitems, s->nfiles, s->cur_key);
}

static const Property fw_cfg_props[] = {
    DEFINE_PROP("iobase", FwCfg, iobase, PROP_U32, FW_CFG_IO_BASE),
    DEFINE_PROP("dma_iobase", FwCfg, dma_base, PROP_U32, FW_CFG_DMA_BASE),
    PROP_END,
};

static DeviceClass fw_cfg_class = {
    .name = "fw_cfg",
    .desc = "QEMU firmware configuration interface",
    .bus = "sys",
    .size = sizeof(FwCfg),
    .props = fw_cfg_props,
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
    .unrealize = fw_cfg_unrealize,
    .info = fw_cfg_info,
};
DEVICE_REGISTER(fw_cfg_class)
