/* The UHCI schedule walk (Design Guide 3.4): each frame, the frame list
 * entry for FRNUM leads through transfer descriptors (TDs) and queue heads
 * (QHs) the guest built in its memory; each active TD is one transaction
 * with a device.
 *
 * The guest owns all of it, so nothing read from it is trusted: every TD
 * and QH is read and written through the DMA helpers (a pointer outside
 * RAM stops the controller with Host System Error, as a master abort
 * would), lengths over the spec's 1280 bytes are a Host Controller
 * Process Error, and the walk is bounded: at most MAX_LINKS steps a frame,
 * and it ends at the first QH seen twice (Linux links its last QH back to
 * an earlier one on purpose, for bandwidth reclamation; a hostile guest
 * may link anything to anything). */
#include "hw/usb/uhci-int.h"
#include "hw/core/dma.h"

#include <string.h>

#define MAX_LINKS 512          /* TDs and QHs visited per frame */
#define MAX_QHS   64           /* QHs remembered per frame for loops */
#define MAX_PACKET 1280        /* MaxLen's largest legal value + 1 */

enum { TD_DONE, TD_INACTIVE, TD_SHORT, TD_STOP, TD_FAULT };

typedef struct Walk {
    Uhci *s;
    int budget;
    int nqh;
    uint32_t qh[MAX_QHS];
} Walk;

static bool read32(Uhci *s, uint32_t addr, uint32_t *v)
{
    uint8_t b[4];
    if (!dma_read(&s->m->mem, addr, b, 4)) {
        uhci_halt_error(s, STS_HSE);
        return false;
    }
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static bool write32(Uhci *s, uint32_t addr, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    if (!dma_write(&s->m->mem, addr, b, 4)) {
        uhci_halt_error(s, STS_HSE);
        return false;
    }
    return true;
}

/* The device at a USB address on an enabled, running port. */
static USBDevice *find_device(Uhci *s, int addr)
{
    for (int i = 0; i < UHCI_PORTS; i++) {
        USBDevice *d = s->port[i].dev;
        if (d && (s->portsc[i] & 0x1204) == 0x0004 && d->addr == addr)
            return d;             /* enabled, not in reset or suspend */
    }
    return NULL;
}

static void td_error(Uhci *s, uint32_t *ctrl, uint32_t bit)
{
    *ctrl = (*ctrl & ~(TD_ACTIVE | TD_CERR)) | bit;
    s->sts |= STS_ERROR;
}

/* Do the transaction; returns a USB result and fills ctrl's status. */
static int transact(Uhci *s, uint32_t *ctrl, uint32_t token, uint32_t buf, int *fault)
{
    int pid = token & 0xff, maxlen = (int)((token >> 21) + 1) & 0x7ff;
    uint8_t data[MAX_PACKET];
    if (maxlen > MAX_PACKET ||
        (pid != USB_TOKEN_IN && pid != USB_TOKEN_OUT && pid != USB_TOKEN_SETUP)) {
        uhci_halt_error(s, STS_HCPE);
        *fault = 1;
        return USB_RET_STALL;
    }
    USBDevice *d = find_device(s, (token >> 8) & 0x7f);
    if (!d) {
        td_error(s, ctrl, TD_TIMEOUT);          /* nobody answered */
        return USB_RET_STALL;
    }
    if (pid != USB_TOKEN_IN && maxlen && !dma_read(&s->m->mem, buf, data, (uint64_t)maxlen)) {
        uhci_halt_error(s, STS_HSE);
        *fault = 1;
        return USB_RET_STALL;
    }
    int r = usb_handle_packet(d, pid, (token >> 15) & 0xf, data, maxlen);
    if (r > 0 && pid == USB_TOKEN_IN && !dma_write(&s->m->mem, buf, data, (uint64_t)r)) {
        uhci_halt_error(s, STS_HSE);
        *fault = 1;
        return USB_RET_STALL;
    }
    return r;
}

/* Run the TD at addr (if active).  *link gets its link pointer. */
static int run_td(Uhci *s, uint32_t addr, uint32_t *link)
{
    uint32_t ctrl, token, buf;
    int fault = 0;
    if (!read32(s, addr, link) || !read32(s, addr + 4, &ctrl) || !read32(s, addr + 8, &token) ||
        !read32(s, addr + 12, &buf))
        return TD_FAULT;
    if (!(ctrl & TD_ACTIVE))
        return TD_INACTIVE;
    int maxlen = (int)((token >> 21) + 1) & 0x7ff;
    int r = transact(s, &ctrl, token, buf, &fault);
    if (fault)
        return TD_FAULT;
    if (r == USB_RET_NAK) {
        ctrl |= TD_NAK;
        return write32(s, addr + 4, ctrl) ? TD_STOP : TD_FAULT;
    }
    if (r == USB_RET_STALL) {
        if (ctrl & TD_ACTIVE)
            td_error(s, &ctrl, TD_STALLED);
        return write32(s, addr + 4, ctrl) ? TD_STOP : TD_FAULT;
    }
    ctrl = (ctrl & ~(TD_ACTIVE | TD_NAK | TD_ACTLEN)) | ((uint32_t)(r - 1) & TD_ACTLEN);
    if (ctrl & TD_IOC)
        s->sts |= STS_USBINT;
    bool shrt = (token & 0xff) == USB_TOKEN_IN && r < maxlen && (ctrl & TD_SPD);
    if (shrt && (s->intr & INTR_SP))
        s->sts |= STS_USBINT;
    if (!write32(s, addr + 4, ctrl))
        return TD_FAULT;
    return shrt ? TD_SHORT : TD_DONE;
}

static bool seen_qh(Walk *w, uint32_t addr)
{
    for (int i = 0; i < w->nqh; i++) {
        if (w->qh[i] == addr)
            return true;
    }
    if (w->nqh < MAX_QHS)
        w->qh[w->nqh++] = addr;
    return false;
}

/* Run the queue of the QH at addr: TDs in order while they complete,
 * advancing its element pointer past each one.  Returns false on a fault;
 * *next gets the QH's horizontal link. */
static bool run_qh(Walk *w, uint32_t addr, uint32_t *next)
{
    uint32_t elem, link;
    if (!read32(w->s, addr, next) || !read32(w->s, addr + 4, &elem))
        return false;
    while (!(elem & (LINK_T | LINK_Q)) && w->budget-- > 0) {
        int r = run_td(w->s, elem & LINK_ADDR, &link);
        if (r == TD_FAULT)
            return false;
        if (r != TD_DONE)
            return true;             /* inactive, NAK, error or short: the
                                        queue waits for the driver */
        elem = link;
        if (!write32(w->s, addr + 4, elem))
            return false;
        if (!(link & LINK_VF))
            return true;             /* breadth first: on to the next QH */
    }
    return true;
}

void uhci_run_frame(Uhci *s)
{
    Walk w = { .s = s, .budget = MAX_LINKS };
    uint32_t link;
    if (!read32(s, (s->flbase & ~0xfffu) + (s->frnum & 0x3ffu) * 4, &link))
        return;
    while (!(link & LINK_T) && w.budget-- > 0) {
        uint32_t addr = link & LINK_ADDR;
        if (link & LINK_Q) {
            if (seen_qh(&w, addr) || !run_qh(&w, addr, &link))
                break;
        } else if (run_td(s, addr, &link) == TD_FAULT) {   /* a lone TD */
            break;
        }
    }
    uhci_update_irq(s);
}
