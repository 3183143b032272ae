/* Split virtqueues (virtio 1.0, 2.4): descriptor chains with indirect
 * tables, the available and used rings, and event-index interrupt
 * suppression.  Every index, length and address the driver wrote is
 * checked before use: ring reads go through DMA, which reaches only RAM. */
#include "hw/virtio/virtio-int.h"
#include "hw/core/dma.h"
#include "hw/core/log.h"

#include <string.h>

static bool ld16(AddressSpace *as, uint64_t a, uint16_t *v)
{
    uint8_t b[2];
    if (!dma_read(as, a, b, 2))
        return false;
    *v = (uint16_t)(b[0] | b[1] << 8);
    return true;
}

static bool st16(AddressSpace *as, uint64_t a, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    return dma_write(as, a, b, 2);
}

typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} Desc;

static bool load_desc(AddressSpace *as, uint64_t table, uint16_t i, Desc *d)
{
    uint8_t b[16];
    if (!dma_read(as, table + 16ull * i, b, 16))
        return false;
    d->addr = 0;
    for (int k = 7; k >= 0; k--)
        d->addr = d->addr << 8 | b[k];
    d->len = (uint32_t)(b[8] | b[9] << 8 | b[10] << 16 | (uint32_t)b[11] << 24);
    d->flags = (uint16_t)(b[12] | b[13] << 8);
    d->next = (uint16_t)(b[14] | b[15] << 8);
    return true;
}

static int broken(VirtQueue *vq, const char *why)
{
    if (log_enabled(LOG_GUEST_ERROR))
        log_printf("virtio: malformed descriptor chain: %s\n", why);
    vq->broken = true;
    return -1;
}

static int add_seg(VirtQueue *vq, VirtElem *e, AddressSpace *as, const Desc *d)
{
    bool write = d->flags & VIRTQ_DESC_F_WRITE;
    if (e->nseg >= VIRTQ_MAX_SIZE)
        return broken(vq, "too many buffers");
    if (!write && e->nseg && e->seg[e->nseg - 1].write)
        return broken(vq, "readable buffer after a writable one");
    if (d->len && !dma_range_ok(as, d->addr, d->len, write))
        return broken(vq, "buffer outside guest RAM");
    e->seg[e->nseg++] = (VirtSeg){ d->addr, d->len, write };
    return 0;
}

/* Walk a chain in table (of n entries) from index i. */
static int walk(AddressSpace *as, VirtQueue *vq, VirtElem *e, uint64_t table, uint32_t n,
                uint16_t i, bool indirect_ok)
{
    for (uint32_t steps = 0;; steps++) {
        Desc d;
        if (i >= n || steps >= n)
            return broken(vq, i >= n ? "index out of the table" : "loop");
        if (!load_desc(as, table, i, &d))
            return broken(vq, "descriptor table outside guest RAM");
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            if (!indirect_ok || table != vq->desc || (d.flags & VIRTQ_DESC_F_NEXT))
                return broken(vq, "indirect table not allowed here");
            if (!d.len || d.len % 16 || d.len / 16 > VIRTQ_MAX_SIZE)
                return broken(vq, "indirect table length");
            return walk(as, vq, e, d.addr, d.len / 16, 0, false);
        }
        if (add_seg(vq, e, as, &d))
            return -1;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        i = d.next;
    }
}

int virtq_pop(AddressSpace *as, VirtQueue *vq, bool indirect, bool event_idx, VirtElem *e)
{
    uint16_t avail_idx, head;
    if (!vq->num || vq->broken)
        return 0;
    if (!ld16(as, vq->avail + 2, &avail_idx))
        return broken(vq, "available ring outside guest RAM");
    if (avail_idx == vq->last_avail)
        return 0;
    if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
        return broken(vq, "available index ran ahead of the ring");
    if (!ld16(as, vq->avail + 4 + 2ull * (vq->last_avail % vq->num), &head))
        return broken(vq, "available ring outside guest RAM");
    vq->last_avail++;
    if (event_idx && !vq->quiet) /* avail_event: tell us about every new buffer */
        st16(as, vq->used + 4 + 8ull * vq->num, vq->last_avail);
    e->head = head;
    e->nseg = 0;
    if (walk(as, vq, e, vq->desc, vq->num, head, indirect))
        return -1;
    return 1;
}

void virtq_unpop(VirtQueue *vq, uint16_t n)
{
    vq->last_avail = (uint16_t)(vq->last_avail - n);
}

bool virtq_push(AddressSpace *as, VirtQueue *vq, uint16_t head, uint32_t len, bool event_idx)
{
    if (!vq->num)
        return false;
    uint8_t el[8] = { (uint8_t)head, (uint8_t)(head >> 8), 0, 0, (uint8_t)len,
                      (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24) };
    uint16_t old = vq->used_idx;
    if (!dma_write(as, vq->used + 4 + 8ull * (old % vq->num), el, 8)) {
        broken(vq, "used ring outside guest RAM");
        return false;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);     /* the element before the index */
    vq->used_idx = (uint16_t)(old + 1);
    st16(as, vq->used + 2, vq->used_idx);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (event_idx) {
        uint16_t ev;
        if (!ld16(as, vq->avail + 4 + 2ull * vq->num, &ev))
            return true;
        /* Notify if used_event lies in (old, new]: virtio 1.0, 2.4.7.2. */
        return (uint16_t)(vq->used_idx - ev - 1) < (uint16_t)(vq->used_idx - old);
    }
    uint16_t flags;
    return !ld16(as, vq->avail, &flags) || !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

static uint64_t copy(AddressSpace *as, const VirtElem *e, uint64_t off, uint8_t *buf,
                     uint64_t len, bool to_guest)
{
    uint64_t done = 0;
    for (unsigned i = 0; i < e->nseg && done < len; i++) {
        const VirtSeg *s = &e->seg[i];
        if (s->write != to_guest)
            continue;
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint64_t n = s->len - off < len - done ? s->len - off : len - done;
        bool ok = to_guest ? dma_write(as, s->addr + off, buf + done, n)
                           : dma_read(as, s->addr + off, buf + done, n);
        if (!ok)
            break;
        done += n;
        off = 0;
    }
    return done;
}

uint64_t virtq_copy_from(AddressSpace *as, const VirtElem *e, uint64_t off, void *buf,
                         uint64_t len)
{
    return copy(as, e, off, buf, len, false);
}

uint64_t virtq_copy_to(AddressSpace *as, const VirtElem *e, uint64_t off, const void *buf,
                       uint64_t len)
{
    return copy(as, e, off, (uint8_t *)buf, len, true);
}

uint64_t virtq_len(const VirtElem *e, bool write)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < e->nseg; i++) {
        if (e->seg[i].write == write)
            n += e->seg[i].len;
    }
    return n;
}

void virtq_set_notification(AddressSpace *as, VirtQueue *vq, bool on, bool event_idx)
{
    if (!vq->num || vq->broken)
        return;
    vq->quiet = !on;
    if (event_idx) {
        if (on)
            st16(as, vq->used + 4 + 8ull * vq->num, vq->last_avail);
    } else {
        st16(as, vq->used, on ? 0 : VIRTQ_USED_F_NO_NOTIFY);
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);     /* the flag before the next look */
}

bool virtq_has_avail(AddressSpace *as, VirtQueue *vq)
{
    uint16_t avail_idx;
    return vq->num && !vq->broken && ld16(as, vq->avail + 2, &avail_idx) &&
           avail_idx != vq->last_avail;
}
