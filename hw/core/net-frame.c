/* A received frame written into guest memory in one copy (net-frame.h). */
#include "hw/core/net-frame.h"
#include "hw/core/dma.h"
#include "hw/core/net-checksum.h"
#include "hw/core/util.h"

#include <string.h>

void net_rx_frame_init(NetRxFrame *f, const uint8_t *data, size_t len, bool fcs)
{
    f->data = data;
    f->len = len;
    f->pad = len < NET_MIN_FRAME ? NET_MIN_FRAME - len : 0;
    f->fcs = fcs;
    f->total = len + f->pad + (fcs ? 4 : 0);
    memset(f->tail, 0, f->pad);
}

void net_rx_frame_fcs(NetRxFrame *f)
{
    if (!f->fcs)
        return;
    uint32_t crc = net_crc32_more(net_crc32(f->data, f->len), f->tail, f->pad);
    memcpy(f->tail + f->pad, &crc, 4);      /* little-endian, as it is sent */
}

bool net_rx_frame_write(AddressSpace *as, uint64_t addr, const NetRxFrame *f, size_t off,
                        size_t n)
{
    size_t from_data = off < f->len ? MIN(n, f->len - off) : 0;
    if (from_data && !dma_write(as, addr, f->data + off, from_data))
        return false;
    off += from_data;
    return n == from_data || dma_write(as, addr + from_data, f->tail + (off - f->len),
                                       n - from_data);
}
