/* The RTL8139C+ (10ec:8139, revision 0x20) shared by rtl8139.c (PCI,
 * registers, EEPROM, PHY, interrupts) and rtl8139-rxtx.c (the normal
 * mode's receive ring buffer and four transmit slots, and C+ mode's
 * descriptor rings).  Offsets and bits from Realtek's RTL8139C(L)+
 * datasheet. */
#ifndef KEMU_RTL8139_INT_H
#define KEMU_RTL8139_INT_H

#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "hw/core/net.h"
#include "hw/core/net-boot.h"
#include "hw/core/pci.h"
#include "hw/net/eeprom93.h"

enum {
    RTL_IDR0 = 0x00, RTL_MAR0 = 0x08, RTL_TSD0 = 0x10, RTL_TSAD0 = 0x20, RTL_RBSTART = 0x30,
    RTL_CR = 0x37, RTL_CAPR = 0x38, RTL_CBR = 0x3a, RTL_IMR = 0x3c, RTL_ISR = 0x3e,
    RTL_TCR = 0x40, RTL_RCR = 0x44, RTL_TCTR = 0x48, RTL_MPC = 0x4c, RTL_9346CR = 0x50,
    RTL_CONFIG0 = 0x51, RTL_CONFIG1 = 0x52, RTL_MSR = 0x58, RTL_CONFIG3 = 0x59,
    RTL_CONFIG4 = 0x5a, RTL_MULINT = 0x5c, RTL_TSAD = 0x60, RTL_BMCR = 0x62, RTL_BMSR = 0x64,
    RTL_ANAR = 0x66, RTL_ANLPAR = 0x68, RTL_ANER = 0x6a, RTL_TXPOLL = 0xd9,
    RTL_CPCR = 0xe0, RTL_RDSAR = 0xe4, RTL_MTPS = 0xec, RTL_REGS = 0x100,
    /* In C+ mode the transmit ring address overlays TSAD0/TSAD1. */
    RTL_TNPDS = 0x20,
};

#define RTL_CR_BUFE 0x01
#define RTL_CR_TE   0x04
#define RTL_CR_RE   0x08
#define RTL_CR_RST  0x10

/* Interrupt causes (ISR/IMR). */
#define RTL_INT_ROK      0x0001
#define RTL_INT_RER      0x0002
#define RTL_INT_TOK      0x0004
#define RTL_INT_TER      0x0008
#define RTL_INT_RXOVW    0x0010     /* C+: receive descriptor unavailable */
#define RTL_INT_LINKCHG  0x0020
#define RTL_INT_TXEMPTY  0x0080     /* C+: no transmit descriptor */

#define RTL_TSD_SIZE 0x1fff
#define RTL_TSD_OWN  (1u << 13)
#define RTL_TSD_TOK  (1u << 15)

#define RTL_RCR_AAP  0x01
#define RTL_RCR_APM  0x02
#define RTL_RCR_AM   0x04
#define RTL_RCR_AB   0x08
#define RTL_RCR_WRAP 0x80

#define RTL_CPCR_TX  0x0001
#define RTL_CPCR_RX  0x0002
#define RTL_CPCR_RXCSUM 0x0020      /* RxChkSum: receive checksum offload */

/* C+ descriptor opts1 bits. */
#define CP_OWN       (1u << 31)
#define CP_EOR       (1u << 30)
#define CP_FS        (1u << 29)
#define CP_LS        (1u << 28)
#define CP_LGSEN     (1u << 27)
#define CP_IPCS      (1u << 18)
#define CP_UDPCS     (1u << 17)
#define CP_TCPCS     (1u << 16)
#define CP_MSS_SHIFT 16
#define CP_MSS_MASK  0x7ff
#define CP_RX_BAR    (1u << 25)     /* broadcast */
#define CP_RX_PAM    (1u << 24)     /* physical address match */
#define CP_RX_MAR    (1u << 23)     /* multicast */
#define CP_RING_MAX  1024           /* descriptors walked before a ring without EOR wraps */

typedef struct Rtl8139 {
    Device dev;
    PCIFunction fn;
    MemoryRegion io, mmio;
    Machine *m;
    NetClient *nc;
    char *netdev, *mac_str, *addr;
    NetBoot boot;               /* romfile=, rombar=, bootindex= */
    uint32_t revision;          /* PCI revision: 0x20 C+, below it a plain RTL8139C */
    uint8_t mac[6];
    uint8_t reg[RTL_REGS];
    uint16_t eeprom[64];
    Eeprom93 ee;
    unsigned cp_tx, cp_rx;          /* C+ ring positions */
    uint8_t tx[NET_MAX_FRAME];      /* C+: the frame being gathered */
    size_t tx_len;
} Rtl8139;

static inline uint16_t rtl_r16(const Rtl8139 *s, unsigned r) { return (uint16_t)(s->reg[r] | s->reg[r + 1] << 8); }
static inline uint32_t rtl_r32(const Rtl8139 *s, unsigned r) { return rtl_r16(s, r) | (uint32_t)rtl_r16(s, r + 2) << 16; }
static inline void rtl_w16(Rtl8139 *s, unsigned r, uint16_t v) { s->reg[r] = (uint8_t)v; s->reg[r + 1] = (uint8_t)(v >> 8); }
static inline void rtl_w32(Rtl8139 *s, unsigned r, uint32_t v) { rtl_w16(s, r, (uint16_t)v); rtl_w16(s, r + 2, (uint16_t)(v >> 16)); }

/* rtl8139.c */
void rtl8139_raise(Rtl8139 *s, uint16_t causes);
/* rtl8139-rxtx.c */
bool rtl8139_receive(NetClient *nc, const uint8_t *buf, size_t len);
void rtl8139_tx_slot(Rtl8139 *s, unsigned slot);
void rtl8139_cp_tx(Rtl8139 *s);
bool rtl8139_rx_empty(const Rtl8139 *s);
/* C+ receive status bits for a frame: protocol ID and checksum failures
 * (0 with RxChkSum off). */
uint32_t rtl8139_rx_csum(const Rtl8139 *s, const uint8_t *f, size_t len);

#endif
