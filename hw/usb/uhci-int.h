/* The UHCI controller's state, shared by its register file (uhci.c) and
 * its schedule walker (uhci-schedule.c).  Register and data structure
 * layouts from the Universal Host Controller Interface Design Guide,
 * revision 1.1 (Intel, 1996), sections 2 and 3. */
#ifndef KEMU_UHCI_INT_H
#define KEMU_UHCI_INT_H

#include "hw/core/clock.h"
#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "hw/core/memory.h"
#include "hw/core/pci.h"
#include "hw/usb/usb.h"

#define UHCI_PORTS 2

/* USBCMD */
#define CMD_RS      0x0001
#define CMD_HCRESET 0x0002
#define CMD_GRESET  0x0004
#define CMD_EGSM    0x0008
#define CMD_FGR     0x0010
/* USBSTS (write 1 to clear) */
#define STS_USBINT  0x0001
#define STS_ERROR   0x0002
#define STS_RD      0x0004
#define STS_HSE     0x0008
#define STS_HCPE    0x0010
#define STS_HCH     0x0020
/* USBINTR */
#define INTR_TIMEOUT 0x0001
#define INTR_RESUME  0x0002
#define INTR_IOC     0x0004
#define INTR_SP      0x0008

/* Link pointers (frame list entries, TD and QH links) */
#define LINK_T  0x1            /* terminate */
#define LINK_Q  0x2            /* points at a QH, not a TD */
#define LINK_VF 0x4            /* TD: depth first */
#define LINK_ADDR 0xfffffff0u

/* TD control and status */
#define TD_ACTLEN   0x000007ffu
#define TD_BITSTUFF (1u << 17)
#define TD_TIMEOUT  (1u << 18)
#define TD_NAK      (1u << 19)
#define TD_BABBLE   (1u << 20)
#define TD_DBUF     (1u << 21)
#define TD_STALLED  (1u << 22)
#define TD_ACTIVE   (1u << 23)
#define TD_IOC      (1u << 24)
#define TD_CERR     (3u << 27)
#define TD_SPD      (1u << 29)

typedef struct Uhci {
    Device dev;
    Machine *m;
    PCIFunction fn;
    MemoryRegion io;
    char *addr;                /* -device ...,addr=SLOT[.FN] */
    uint16_t cmd, sts, intr, frnum;
    uint32_t flbase;
    uint8_t sof;
    uint16_t portsc[UHCI_PORTS];
    USBPort port[UHCI_PORTS];
    Timer frame_timer;
    int64_t frame_due;         /* virtual time the next frame starts */
} Uhci;

/* One 1 ms frame: walk the schedule of frame frnum. */
void uhci_run_frame(Uhci *s);
/* Status bits changed: drive INTx. */
void uhci_update_irq(Uhci *s);
/* A fatal schedule fault (bad address): status bit, stop. */
void uhci_halt_error(Uhci *s, uint16_t sts_bit);

#endif
