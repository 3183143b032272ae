/* The e1000 (82540EM) device state shared by its files: e1000.c (PCI,
 * registers, interrupts, EEPROM, PHY), e1000-rx.c, e1000-rxcsum.c,
 * e1000-tx.c and e1000-delay.c (the interrupt delay timers). */
#ifndef KEMU_E1000_INT_H
#define KEMU_E1000_INT_H

#include "hw/core/clock.h"
#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "hw/core/pci.h"
#include "hw/net/e1000-regs.h"
#include "hw/net/eeprom93.h"
#include "hw/core/net.h"
#include "hw/core/net-boot.h"

/* The offload context a context descriptor sets (8254x manual 3.3.6). */
typedef struct E1000TxContext {
    uint8_t ipcss, ipcso, tucss, tucso, hdr_len;
    uint16_t ipcse, tucse, mss;
    uint32_t paylen;
    bool tcp, ipv4, tse;
} E1000TxContext;

/* The frame being gathered from data descriptors. */
typedef struct E1000Tx {
    E1000TxContext ctx;
    uint8_t buf[NET_MAX_FRAME];
    size_t size;
    bool oversize;          /* more than buf: the frame is dropped */
    bool first;             /* next descriptor starts a frame */
    bool tse;               /* this frame is segmented */
    uint8_t popts;
    uint8_t cso, css;       /* legacy insert-checksum offsets */
    bool legacy_ic;
    bool vle;
    uint16_t vlan;
    uint8_t hdr[256];       /* TSO: the header as the driver wrote it */
    bool hdr_saved;
    uint32_t sent;          /* TSO: payload bytes already sent */
    uint16_t segs;
} E1000Tx;

typedef struct E1000 {
    Device dev;
    PCIFunction fn;
    MemoryRegion mmio, io;
    Machine *m;
    NetClient *nc;
    char *netdev, *mac_str, *addr;
    NetBoot boot;               /* romfile=, rombar=, bootindex= */
    uint8_t mac[6];
    uint32_t reg[E1000_MMIO_SIZE / 4];
    uint16_t eeprom[E1000_EEPROM_WORDS];
    uint16_t phy[PHY_REGS];
    Eeprom93 ee;
    uint32_t ioaddr;
    E1000Tx tx;
    Timer tx_timer;             /* a long ring continues from the event loop */
    Timer itr_timer;            /* a throttled interrupt's delayed assertion */
    int64_t itr_next;           /* virtual ns before which ITR holds it back */
    bool irq_level;
    Timer rdtr_timer, radv_timer;   /* RXT0's delay timers (e1000-delay.c) */
    Timer tidv_timer, tadv_timer;   /* TXDW's */
} E1000;

#define E1000_REG(s, r) ((s)->reg[(r) >> 2])

/* e1000.c */
void e1000_raise(E1000 *s, uint32_t causes);
void e1000_stat_add(E1000 *s, uint32_t reg, uint64_t n);
/* e1000-rx.c */
bool e1000_receive(NetClient *nc, const uint8_t *buf, size_t len);
/* e1000-rxcsum.c: status and error bits for a received frame's checksums. */
void e1000_rx_csum(const E1000 *s, const uint8_t *f, size_t len, uint8_t *status,
                   uint8_t *errors);
/* e1000-delay.c: RXT0 / TXDW through the delay timers. */
void e1000_rx_delayed(E1000 *s);
void e1000_tx_delayed(E1000 *s);
void e1000_delay_written(E1000 *s, uint32_t off, uint32_t val);
void e1000_delay_init(E1000 *s);
void e1000_delay_reset(E1000 *s);
/* e1000-tx.c: TDT was written (or TCTL enabled): send what the ring holds. */
void e1000_tx_kick(E1000 *s);
void e1000_tx_init(E1000 *s);
void e1000_tx_reset(E1000 *s);

#endif
