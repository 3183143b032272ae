/* A received frame as a NIC writes it into guest memory: the bytes the
 * backend handed over (written from its buffer, not copied first), zero
 * padding up to the minimum Ethernet frame, and the FCS, the last two
 * kept apart in a small tail. */
#ifndef KEMU_NET_FRAME_H
#define KEMU_NET_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/memory.h"

#define NET_MIN_FRAME 60            /* without the FCS */

typedef struct NetRxFrame {
    const uint8_t *data;
    size_t len;                     /* data bytes */
    size_t total;                   /* with padding and FCS */
    size_t pad;
    bool fcs;
    uint8_t tail[NET_MIN_FRAME + 4];
} NetRxFrame;

/* data/len padded to the minimum, plus room for the FCS when fcs: sets
 * total; the FCS itself is computed by net_rx_frame_fcs. */
void net_rx_frame_init(NetRxFrame *f, const uint8_t *data, size_t len, bool fcs);
/* Compute the FCS into the tail (only when the frame will be written). */
void net_rx_frame_fcs(NetRxFrame *f);
/* Bytes [off, off + n) of the frame (off + n <= total) into guest memory
 * at addr through DMA; false if that is not all RAM. */
bool net_rx_frame_write(AddressSpace *as, uint64_t addr, const NetRxFrame *f, size_t off,
                        size_t n);

#endif
