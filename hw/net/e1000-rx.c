/* e1000 receive: address filtering (RAL/RAH, the multicast table,
 * promiscuous and broadcast modes, the VLAN filter table), the VLAN tag
 * stripped into the descriptor when CTRL.VME is on, then the frame is
 * written into the buffers of the legacy receive ring from RDH up to RDT,
 * one frame over as many descriptors as it needs (8254x manual 3.2),
 * straight from the backend's buffer: one copy, into guest memory. */
#include "hw/net/e1000-int.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net-frame.h"
#include "hw/core/dma.h"
#include "hw/core/util.h"

#include <string.h>

#define MAX_STD_FRAME 1522          /* with a VLAN tag */
#define MAX_LONG_FRAME 16384

static bool rx_address_match(const E1000 *s, const uint8_t *dst)
{
    for (int i = 0; i < 16; i++) {
        uint32_t lo = s->reg[(E1000_RA >> 2) + 2 * i], hi = s->reg[(E1000_RA >> 2) + 2 * i + 1];
        uint8_t ra[6] = { (uint8_t)lo, (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
                          (uint8_t)(lo >> 24), (uint8_t)hi, (uint8_t)(hi >> 8) };
        if ((hi & E1000_RAH_AV) && !memcmp(ra, dst, 6))
            return true;
    }
    return false;
}

/* The multicast table: 12 bits of the address picked by RCTL.MO. */
static bool rx_mta_match(const E1000 *s, const uint8_t *dst)
{
    static const int shift[4] = { 4, 3, 2, 0 };
    unsigned mo = (E1000_REG(s, E1000_RCTL) >> E1000_RCTL_MO_SHIFT) & 3;
    unsigned hash = ((unsigned)dst[4] >> shift[mo] | (unsigned)dst[5] << (8 - shift[mo])) &
                    0xfff;
    return (s->reg[(E1000_MTA >> 2) + (hash >> 5)] >> (hash & 31)) & 1;
}

static bool rx_accept(E1000 *s, const uint8_t *buf)
{
    uint32_t rctl = E1000_REG(s, E1000_RCTL);
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    if (!memcmp(buf, bcast, 6)) {
        if (!(rctl & E1000_RCTL_BAM))
            return false;
        e1000_stat_add(s, E1000_BPRC, 1);
        return true;
    }
    if (buf[0] & 1) {
        if (!(rctl & E1000_RCTL_MPE) && !rx_mta_match(s, buf) && !rx_address_match(s, buf))
            return false;
        e1000_stat_add(s, E1000_MPRC, 1);
        return true;
    }
    return (rctl & E1000_RCTL_UPE) || rx_address_match(s, buf);
}

static unsigned rx_buf_size(const E1000 *s)
{
    uint32_t rctl = E1000_REG(s, E1000_RCTL);
    unsigned code = (rctl >> E1000_RCTL_BSIZE_SHIFT) & 3;
    if (rctl & E1000_RCTL_BSEX)
        return code ? 32768u >> code : 2048;
    return 2048u >> code;
}

/* Descriptors the driver gave us: RDH up to RDT; none while the ring's
 * registers are inconsistent. */
static unsigned rx_free(const E1000 *s, unsigned n)
{
    unsigned h = E1000_REG(s, E1000_RDH), t = E1000_REG(s, E1000_RDT);
    if (!n || h >= n || t >= n)
        return 0;
    return (t + n - h) % n;
}

static uint64_t rx_ring_base(const E1000 *s)
{
    return (uint64_t)E1000_REG(s, E1000_RDBAH) << 32 | (E1000_REG(s, E1000_RDBAL) & ~0xfu);
}

/* What the EOP descriptor reports beside DD and EOP: checksums, VLAN. */
typedef struct RxStatus {
    uint8_t status, errors;
    int vlan;                   /* stripped tag, or -1 */
} RxStatus;

/* One descriptor: its buffer gets n bytes of the frame from off; write
 * the descriptor back. */
static void rx_fill_desc(E1000 *s, uint64_t da, const NetRxFrame *f, size_t off, unsigned len,
                         bool eop, const RxStatus *rs)
{
    AddressSpace *as = &s->m->mem;
    uint8_t d[16];
    if (!dma_read(as, da, d, 16))
        return;
    uint64_t addr;
    memcpy(&addr, d, 8);
    int vlan = rs->vlan;
    uint8_t status = E1000_RXD_STAT_DD | (eop ? E1000_RXD_STAT_EOP | rs->status
                                              : E1000_RXD_STAT_IXSM) |
                     (eop && vlan >= 0 ? E1000_RXD_STAT_VP : 0);
    uint8_t errors = eop ? rs->errors : 0;
    if (addr && !net_rx_frame_write(as, addr, f, off, len))
        errors = 0x80;      /* RXE: the buffer is not memory we can write */
    d[8] = (uint8_t)len;
    d[9] = (uint8_t)(len >> 8);
    d[10] = d[11] = 0;
    d[12] = status;
    d[13] = errors;
    d[14] = (uint8_t)(eop && vlan >= 0 ? vlan : 0);
    d[15] = (uint8_t)(eop && vlan >= 0 ? vlan >> 8 : 0);
    dma_write(as, da + 8, d + 8, 8);    /* the buffer address stays */
}

static void rx_write(E1000 *s, const NetRxFrame *f, unsigned n, const RxStatus *rs)
{
    unsigned bsize = rx_buf_size(s);
    uint64_t base = rx_ring_base(s);
    size_t done = 0;
    while (done < f->total) {
        unsigned h = E1000_REG(s, E1000_RDH);
        unsigned chunk = (unsigned)MIN(bsize, f->total - done);
        rx_fill_desc(s, base + 16ull * h, f, done, chunk, done + chunk == f->total, rs);
        done += chunk;
        E1000_REG(s, E1000_RDH) = (h + 1) % n;
    }
}

static bool rx_too_long(const E1000 *s, size_t len)
{
    size_t max = (E1000_REG(s, E1000_RCTL) & E1000_RCTL_LPE) ? MAX_LONG_FRAME : MAX_STD_FRAME;
    return len > max;
}

static bool rx_tagged(const E1000 *s, const uint8_t *buf, size_t len)
{
    return len >= 18 && net_get16(buf + 12) == (uint16_t)E1000_REG(s, E1000_VET);
}

/* With VLAN filtering on, a tagged frame needs its VLAN's VFTA bit. */
static bool rx_vlan_ok(const E1000 *s, const uint8_t *buf, size_t len)
{
    if (!(E1000_REG(s, E1000_RCTL) & E1000_RCTL_VFE) || !rx_tagged(s, buf, len))
        return true;
    unsigned vid = net_get16(buf + 14) & 0xfff;
    return (s->reg[(E1000_VFTA >> 2) + (vid >> 5)] >> (vid & 31)) & 1;
}

bool e1000_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    E1000 *s = nc->opaque;
    if (!(E1000_REG(s, E1000_RCTL) & E1000_RCTL_EN) || !pci_bus_master(&s->fn) || len < 14)
        return true;            /* the receiver is off: the frame is lost */
    if (rx_too_long(s, len)) {
        e1000_stat_add(s, E1000_ROC, 1);
        return true;
    }
    if (!rx_accept(s, buf) || !rx_vlan_ok(s, buf, len))
        return true;
    static uint8_t stripped[MAX_LONG_FRAME];
    const uint8_t *data = buf;
    int vlan = -1;
    if ((E1000_REG(s, E1000_CTRL) & E1000_CTRL_VME) && rx_tagged(s, buf, len)) {
        vlan = net_get16(buf + 14);     /* stripped into the descriptor */
        memcpy(stripped, buf, 12);
        memcpy(stripped + 12, buf + 16, len - 16);
        data = stripped;
        len -= 4;
    }
    NetRxFrame f;
    net_rx_frame_init(&f, data, len, !(E1000_REG(s, E1000_RCTL) & E1000_RCTL_SECRC));
    size_t total = f.total;
    unsigned n = E1000_REG(s, E1000_RDLEN) / 16;
    unsigned need = (unsigned)((total + rx_buf_size(s) - 1) / rx_buf_size(s));
    if (rx_free(s, n) < need) {
        e1000_stat_add(s, E1000_RNBC, 1);
        e1000_raise(s, E1000_ICR_RXO);
        return false;           /* held until the driver gives buffers */
    }
    net_rx_frame_fcs(&f);
    RxStatus rs = { .vlan = vlan };
    e1000_rx_csum(s, f.data, len, &rs.status, &rs.errors);
    rx_write(s, &f, n, &rs);
    e1000_stat_add(s, E1000_GPRC, 1);
    e1000_stat_add(s, E1000_TPR, 1);
    e1000_stat_add(s, E1000_GORCL, total);
    e1000_stat_add(s, E1000_TORL, total);
    unsigned rdmts = (E1000_REG(s, E1000_RCTL) >> E1000_RCTL_RDMTS_SHIFT) & 3;
    if (rdmts < 3 && rx_free(s, n) <= n >> (rdmts + 1))
        e1000_raise(s, E1000_ICR_RXDMT0);
    e1000_rx_delayed(s);
    return true;
}
