/* e1000 transmit: the ring from TDH up to TDT holds legacy descriptors,
 * or context descriptors (the offload parameters) and data descriptors
 * (8254x manual 3.3).  Data is gathered into one frame until EOP; with
 * TSE the payload is cut into MSS-sized TCP/UDP segments, each with a
 * copy of the header whose lengths, IP ID, TCP sequence and flags the
 * device fixes; checksums are inserted where the context says. */
#include "hw/net/e1000-int.h"
#include "hw/core/net-checksum.h"
#include "hw/core/dma.h"
#include "hw/core/util.h"

#include <string.h>

#define MIN_FRAME 60

static void tx_continue(void *opaque)
{
    e1000_tx_kick(opaque);
}

void e1000_tx_init(E1000 *s)
{
    timer_init(&s->tx_timer, tx_continue, s);
}

void e1000_tx_reset(E1000 *s)
{
    timer_del(&s->tx_timer);
    memset(&s->tx.ctx, 0, sizeof(s->tx.ctx));
    s->tx.size = 0;
    s->tx.first = true;
    s->tx.oversize = false;
}

/* Sum [start, end] (inclusive; end 0: to the frame's end) into the
 * 16-bit field at off, plus extra (the TSO pseudo-header length). */
static void insert_csum(uint8_t *p, size_t len, unsigned start, unsigned end, unsigned off,
                        uint32_t extra)
{
    size_t stop = end ? MIN((size_t)end + 1, len) : len;
    if (start >= stop || off + 2 > len)
        return;                 /* offsets outside the frame: nothing to do */
    uint32_t sum = net_csum_add(extra, p + start, stop - start);
    net_put16(p + off, net_csum_finish(sum));
}

static void ip_csum(uint8_t *p, size_t len, const E1000TxContext *c)
{
    if ((size_t)c->ipcso + 2 > len)
        return;
    net_put16(p + c->ipcso, 0);
    insert_csum(p, len, c->ipcss, c->ipcse, c->ipcso, 0);
}

static void tx_emit(E1000 *s, uint8_t *p, size_t len)
{
    static uint8_t tagged[NET_MAX_FRAME + 4];
    if (len < 14)
        return;
    if (s->tx.vle && (E1000_REG(s, E1000_CTRL) & E1000_CTRL_VME) && len + 4 <= sizeof(tagged)) {
        memcpy(tagged, p, 12);
        net_put16(tagged + 12, (uint16_t)E1000_REG(s, E1000_VET));
        net_put16(tagged + 14, s->tx.vlan);
        memcpy(tagged + 16, p + 12, len - 12);
        p = tagged;
        len += 4;
    }
    if (len < MIN_FRAME && (E1000_REG(s, E1000_TCTL) & E1000_TCTL_PSP)) {
        memset(p + len, 0, MIN_FRAME - len);    /* buf has room: pad */
        len = MIN_FRAME;
    }
    e1000_stat_add(s, E1000_GPTC, 1);
    e1000_stat_add(s, E1000_TPT, 1);
    e1000_stat_add(s, E1000_GOTCL, len + 4);
    e1000_stat_add(s, E1000_TOTL, len + 4);
    net_send(s->nc, p, len);
}

/* A whole (not segmented) frame: the offloads its descriptors asked for. */
static void tx_frame(E1000 *s)
{
    E1000Tx *t = &s->tx;
    const E1000TxContext *c = &t->ctx;
    if (t->legacy_ic)
        insert_csum(t->buf, t->size, t->css, 0, t->cso, 0);
    if (t->popts & E1000_TXD_POPTS_IXSM)
        ip_csum(t->buf, t->size, c);
    if (t->popts & E1000_TXD_POPTS_TXSM)
        insert_csum(t->buf, t->size, c->tucss, c->tucse, c->tucso, 0);
    tx_emit(s, t->buf, t->size);
}

/* One TSO segment: buf holds the header and up to MSS bytes of payload. */
static void tso_segment(E1000 *s, bool last)
{
    E1000Tx *t = &s->tx;
    const E1000TxContext *c = &t->ctx;
    uint8_t *p = t->buf;
    size_t len = t->size;
    if (c->ipv4 && (size_t)c->ipcss + 6 <= len) {
        net_put16(p + c->ipcss + 2, (uint16_t)(len - c->ipcss));
        net_put16(p + c->ipcss + 4, (uint16_t)(net_get16(t->hdr + c->ipcss + 4) + t->segs));
    } else if (!c->ipv4 && (size_t)c->ipcss + 6 <= len) {
        net_put16(p + c->ipcss + 4, (uint16_t)(len - c->ipcss - 40));
    }
    if (c->tcp && (size_t)c->tucss + 14 <= len) {
        net_put32(p + c->tucss + 4, net_get32(t->hdr + c->tucss + 4) + t->sent);
        if (!last)
            p[c->tucss + 13] &= (uint8_t)~0x09;     /* FIN and PSH on the last only */
    } else if (!c->tcp && (size_t)c->tucss + 6 <= len) {
        net_put16(p + c->tucss + 4, (uint16_t)(len - c->tucss));
    }
    if (t->popts & E1000_TXD_POPTS_IXSM)
        ip_csum(p, len, c);
    if (t->popts & E1000_TXD_POPTS_TXSM && len > c->tucss)
        insert_csum(p, len, c->tucss, c->tucse, c->tucso, (uint32_t)(len - c->tucss));
    tx_emit(s, p, len);
    t->sent += (uint32_t)(len - c->hdr_len);
    t->segs++;
    memcpy(p, t->hdr, c->hdr_len);
    t->size = c->hdr_len;
}

/* Append data; a TSO frame is cut into header + MSS pieces. */
static void tx_append(E1000 *s, const uint8_t *data, size_t len)
{
    E1000Tx *t = &s->tx;
    const E1000TxContext *c = &t->ctx;
    while (len) {
        /* A full segment goes out once more data shows it is not the last. */
        if (t->tse && t->hdr_saved && t->size == (size_t)c->hdr_len + c->mss)
            tso_segment(s, false);
        size_t cap = sizeof(t->buf) - t->size;
        if (t->tse && t->size >= c->hdr_len)
            cap = MIN(cap, (size_t)c->hdr_len + c->mss - t->size);
        size_t n = MIN(len, cap);
        if (!n) {
            t->oversize = true;         /* the rest of the frame is dropped */
            return;
        }
        memcpy(t->buf + t->size, data, n);
        if (t->tse && !t->hdr_saved && t->size < c->hdr_len && t->size + n >= c->hdr_len) {
            memcpy(t->hdr, t->buf, c->hdr_len);
            t->hdr_saved = true;
        }
        t->size += n;
        data += n;
        len -= n;
    }
}

static void tx_context(E1000 *s, const uint8_t *d, uint32_t lower, uint32_t upper)
{
    E1000TxContext *c = &s->tx.ctx;
    c->ipcss = d[0];
    c->ipcso = d[1];
    c->ipcse = (uint16_t)(d[2] | d[3] << 8);
    c->tucss = d[4];
    c->tucso = d[5];
    c->tucse = (uint16_t)(d[6] | d[7] << 8);
    c->paylen = lower & 0xfffff;
    c->tcp = lower & E1000_TXD_CMD_TCP;
    c->ipv4 = lower & E1000_TXD_CMD_IP;
    c->tse = lower & E1000_TXD_CMD_TSE;
    c->hdr_len = (uint8_t)(upper >> 8);
    c->mss = (uint16_t)(upper >> 16);
}

/* The first descriptor of a frame sets how it is sent. */
static void tx_start(E1000 *s, uint32_t lower, uint32_t upper, bool data)
{
    E1000Tx *t = &s->tx;
    t->first = false;
    t->size = 0;
    t->oversize = false;
    t->sent = 0;
    t->segs = 0;
    t->hdr_saved = false;
    t->legacy_ic = !data && (lower & E1000_TXD_CMD_IC);
    t->cso = (uint8_t)(lower >> 16);
    t->css = (uint8_t)(upper >> 8);
    /* TSO needs a sane context: a header, an MSS, room for both. */
    t->tse = data && (lower & E1000_TXD_CMD_TSE) && t->ctx.mss && t->ctx.hdr_len &&
             (size_t)t->ctx.hdr_len + t->ctx.mss <= sizeof(t->buf);
    t->popts = data ? (uint8_t)(upper >> 8) : 0;
}

static void tx_end(E1000 *s)
{
    E1000Tx *t = &s->tx;
    if (!t->oversize) {
        if (t->tse && t->hdr_saved && t->size > t->ctx.hdr_len)
            tso_segment(s, true);
        else if (!t->tse)
            tx_frame(s);
    }
    t->first = true;
    t->size = 0;
}

static void tx_descriptor(E1000 *s, uint8_t d[16])
{
    uint64_t addr;
    uint32_t lower, upper;
    memcpy(&addr, d, 8);
    memcpy(&lower, d + 8, 4);
    memcpy(&upper, d + 12, 4);
    bool ext = lower & E1000_TXD_CMD_DEXT;
    if (ext && (lower & E1000_TXD_DTYP_MASK) == 0) {
        tx_context(s, d, lower, upper);
        return;
    }
    bool data = ext && (lower & E1000_TXD_DTYP_MASK) == E1000_TXD_DTYP_D;
    size_t len = data ? (lower & 0xfffff) : (lower & 0xffff);
    if (s->tx.first)
        tx_start(s, lower, upper, data);
    if (lower & E1000_TXD_CMD_VLE) {
        s->tx.vle = true;
        s->tx.vlan = (uint16_t)(upper >> 16);
    }
    static uint8_t chunk[NET_MAX_FRAME];
    while (len && !s->tx.oversize) {       /* a dropped frame's rest is not read */
        size_t n = MIN(len, sizeof(chunk));
        if (!dma_read(&s->m->mem, addr, chunk, n)) {
            s->tx.oversize = true;      /* a buffer outside RAM: drop the frame */
            break;
        }
        tx_append(s, chunk, n);
        addr += n;
        len -= n;
    }
    if (lower & E1000_TXD_CMD_EOP) {
        tx_end(s);
        s->tx.vle = false;
    }
}

static uint64_t tx_ring_base(const E1000 *s)
{
    return (uint64_t)E1000_REG(s, E1000_TDBAH) << 32 | (E1000_REG(s, E1000_TDBAL) & ~0xfu);
}

/* Process TDH up to TDT.  A kick does at most TX_BUDGET descriptors (a
 * guest's ring of 65536 one-megabyte buffers would hold the machine lock
 * for minutes); the rest continues from the event loop. */
#define TX_BUDGET 512
void e1000_tx_kick(E1000 *s)
{
    unsigned n = E1000_REG(s, E1000_TDLEN) / 16;
    if (!(E1000_REG(s, E1000_TCTL) & E1000_TCTL_EN) || !pci_bus_master(&s->fn) || !n)
        return;
    uint64_t base = tx_ring_base(s);
    uint32_t causes = 0;
    bool delayed = false, stalled = false;
    for (unsigned i = 0; i < TX_BUDGET; i++) {
        unsigned h = E1000_REG(s, E1000_TDH), t = E1000_REG(s, E1000_TDT);
        if (h == t || h >= n || t >= n)
            break;
        uint8_t d[16];
        uint64_t da = base + 16ull * h;
        if (!dma_read(&s->m->mem, da, d, 16)) {
            stalled = true;     /* the ring is not in RAM: the unit stalls */
            break;
        }
        tx_descriptor(s, d);
        uint32_t lower;
        memcpy(&lower, d + 8, 4);
        if (lower & (E1000_TXD_CMD_RS | E1000_TXD_CMD_RPS)) {
            d[12] |= E1000_TXD_STAT_DD;
            dma_write(&s->m->mem, da + 12, d + 12, 1);
            if (lower & E1000_TXD_CMD_IDE)
                delayed = true;
            else
                causes |= E1000_ICR_TXDW;
        }
        E1000_REG(s, E1000_TDH) = (h + 1) % n;
    }
    if (E1000_REG(s, E1000_TDH) == E1000_REG(s, E1000_TDT))
        causes |= E1000_ICR_TXQE;
    else if (!stalled && E1000_REG(s, E1000_TDH) < n && E1000_REG(s, E1000_TDT) < n)
        timer_mod(&s->tx_timer, clock_ns());    /* more to do: later */
    /* A stalled unit waits for the guest's next TDT write: retrying at
     * once would spin the host forever on a ring that is not in RAM. */
    if (causes)
        e1000_raise(s, causes);
    if (delayed && !(causes & E1000_ICR_TXDW))
        e1000_tx_delayed(s);
}
