/* piix3-usb-uhci: the PIIX3's USB 1.1 host controller (8086:7020, class
 * 0c0300), the UHCI that QEMU's pc machine has for -usb and that every
 * Linux and Windows drives.  BAR 4 is 32 bytes of I/O registers (Design
 * Guide 2.1): command, status, interrupt enable, frame number, frame list
 * base, SOF modify and two root-hub port status/control registers.  While
 * Run/Stop is set a 1 ms virtual-time timer runs one frame of the
 * schedule (uhci-schedule.c) and advances FRNUM; stopped (the guest
 * suspends an idle bus) it costs nothing. */
#include "hw/usb/uhci-int.h"
#include "hw/core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_NS 1000000LL
#define MAX_CATCH_UP 8         /* frames run at once after a late timer */
#define LEGSUP 0xc0            /* legacy support register (config) */

/* PORTSC */
#define PORT_CCS  0x0001
#define PORT_CSC  0x0002
#define PORT_PE   0x0004
#define PORT_PEC  0x0008
#define PORT_DPLUS 0x0010      /* line state: D+ high, a full-speed J */
#define PORT_RD   0x0040
#define PORT_ONE  0x0080       /* reserved, reads 1 */
#define PORT_PR   0x0200
#define PORT_SUSP 0x1000
#define PORT_RW   (PORT_PE | PORT_RD | PORT_PR | PORT_SUSP)

void uhci_update_irq(Uhci *s)
{
    uint16_t mask = STS_HSE | STS_HCPE;
    if (s->intr & (INTR_IOC | INTR_SP))
        mask |= STS_USBINT;
    if (s->intr & INTR_TIMEOUT)
        mask |= STS_ERROR;
    if (s->intr & INTR_RESUME)
        mask |= STS_RD;
    pci_set_irq(&s->fn, (s->sts & mask) != 0);
}

static void stop(Uhci *s)
{
    s->cmd &= (uint16_t)~CMD_RS;
    s->sts |= STS_HCH;
    timer_del(&s->frame_timer);
}

void uhci_halt_error(Uhci *s, uint16_t sts_bit)
{
    s->sts |= sts_bit;
    stop(s);
    uhci_update_irq(s);
}

static void frame_tick(void *opaque)
{
    Uhci *s = opaque;
    int64_t now = clock_ns();
    for (int n = 0; n < MAX_CATCH_UP && s->frame_due <= now && (s->cmd & CMD_RS); n++) {
        if (pci_bus_master(&s->fn))
            uhci_run_frame(s);
        s->frnum = (s->frnum + 1) & 0x7ff;
        s->frame_due += FRAME_NS;
    }
    if (s->frame_due <= now)
        s->frame_due = now + FRAME_NS;   /* far behind: do not try to catch up */
    if (s->cmd & CMD_RS)
        timer_mod(&s->frame_timer, s->frame_due);
}

static uint16_t port_status(const Uhci *s, int i)
{
    uint16_t v = s->portsc[i] | PORT_ONE;
    if (s->port[i].dev && !(v & PORT_SUSP))
        v |= PORT_DPLUS;
    return v;
}

/* A device arrived or left: connect status and its change bit. */
static void port_attach(USBPort *p)
{
    Uhci *s = p->opaque;
    int i = p->index - 1;
    s->portsc[i] = p->dev ? PORT_CCS | PORT_CSC : PORT_CSC;
    if (s->cmd & CMD_EGSM) {            /* a suspended bus resumes */
        s->sts |= STS_RD;
        uhci_update_irq(s);
    }
}

static void reset_ports(Uhci *s)
{
    for (int i = 0; i < UHCI_PORTS; i++) {
        s->portsc[i] = s->port[i].dev ? PORT_CCS | PORT_CSC : 0;
        if (s->port[i].dev)
            usb_device_reset(s->port[i].dev);
    }
}

static void reset_regs(Uhci *s)
{
    timer_del(&s->frame_timer);
    s->cmd = 0;
    s->sts = STS_HCH;
    s->intr = 0;
    s->frnum = 0;
    s->flbase = 0;
    s->sof = 64;
    reset_ports(s);
    uhci_update_irq(s);
}

static void write_cmd(Uhci *s, uint16_t val)
{
    if (val & (CMD_HCRESET | CMD_GRESET)) {
        reset_regs(s);                  /* the reset bit clears when done */
        s->cmd = val & CMD_GRESET;
        return;
    }
    uint16_t old = s->cmd;
    s->cmd = val & 0xff;
    if ((val & CMD_RS) && !(old & CMD_RS)) {
        s->sts &= (uint16_t)~STS_HCH;
        s->frame_due = clock_ns() + FRAME_NS;
        timer_mod(&s->frame_timer, s->frame_due);
    } else if (!(val & CMD_RS)) {
        stop(s);
    }
}

static void write_port(Uhci *s, int i, uint16_t val)
{
    uint16_t old = s->portsc[i];
    uint16_t v = (uint16_t)((old & ~PORT_RW & ~(val & (PORT_CSC | PORT_PEC))) | (val & PORT_RW));
    if ((val & PORT_PR) && !(old & PORT_PR) && s->port[i].dev)
        usb_device_reset(s->port[i].dev);
    if (val & PORT_PR)
        v &= (uint16_t)~PORT_PE;        /* reset disables the port */
    if (!(v & PORT_CCS))
        v &= (uint16_t)~PORT_PE;        /* nothing there to enable */
    s->portsc[i] = v;
}

static void write16(Uhci *s, unsigned off, uint16_t val)
{
    switch (off) {
    case 0x00: write_cmd(s, val); break;
    case 0x02: s->sts &= (uint16_t)~(val & 0x1f); break;
    case 0x04: s->intr = val & 0xf; break;
    case 0x06: if (s->sts & STS_HCH) s->frnum = val & 0x7ff; break;
    case 0x08: s->flbase = (s->flbase & 0xffff0000u) | (val & 0xf000u); break;
    case 0x0a: s->flbase = (s->flbase & 0xffffu) | (uint32_t)val << 16; break;
    case 0x0c: s->sof = val & 0x7f; break;
    case 0x10: case 0x12: write_port(s, (int)(off - 0x10) / 2, val); break;
    }
    uhci_update_irq(s);
}

static uint16_t read16(Uhci *s, unsigned off)
{
    switch (off) {
    case 0x00: return s->cmd;
    case 0x02: return s->sts;
    case 0x04: return s->intr;
    case 0x06: return s->frnum;
    case 0x08: return (uint16_t)s->flbase;
    case 0x0a: return (uint16_t)(s->flbase >> 16);
    case 0x0c: return s->sof;
    case 0x10: case 0x12: return port_status(s, (int)(off - 0x10) / 2);
    }
    return 0;
}

/* The registers as 16-bit words; wider accesses are split, a byte write
 * keeps the other byte of a plain register (but never writes 1 to a
 * write-1-to-clear bit it did not name). */
static uint64_t io_read(void *opaque, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (unsigned)off + i;
        v |= (uint64_t)((read16(opaque, o & ~1u) >> (8 * (o & 1))) & 0xff) << (8 * i);
    }
    return v;
}

static void io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Uhci *s = opaque;
    if (size == 1) {
        unsigned o = (unsigned)off & ~1u, sh = 8 * ((unsigned)off & 1);
        uint16_t other = (uint16_t)~(0xff << sh), keep;
        if (o == 0x02)                          /* status: write-1-to-clear */
            keep = 0;
        else if (o == 0x10 || o == 0x12)        /* ports: only the plain bits */
            keep = s->portsc[(o - 0x10) / 2] & PORT_RW & other;
        else
            keep = read16(s, o) & other;
        write16(s, o, (uint16_t)(keep | (val & 0xff) << sh));
        return;
    }
    for (unsigned i = 0; i < size; i += 2)
        write16(s, (unsigned)off + i, (uint16_t)(val >> (8 * i)));
}

static const MemoryRegionOps uhci_io_ops = { io_read, io_write, 1, 4 };

/* "SLOT" or "SLOT.FN" (hex, as QEMU's addr=), or -1 for the first free. */
static int parse_addr(const char *a)
{
    if (!a || !*a)
        return -1;
    char *end;
    unsigned long slot = strtoul(a, &end, 16), fn = 0;
    if (*end == '.')
        fn = strtoul(end + 1, &end, 16);
    if (*end || slot > 31 || fn > 7)
        return -2;
    return PCI_DEVFN(slot, fn);
}

static void setup_config(Uhci *s)
{
    pci_function_init(&s->fn, 0x8086, 0x7020, 0x0c, 0x03, 0x01);  /* prog-if 0: UHCI */
    s->fn.config[PCI_INTERRUPT_PIN] = 4;                          /* INTD#, as PIIX3 */
    s->fn.config[0x60] = 0x10;                                    /* USB 1.0 (SBRN) */
    s->fn.config[LEGSUP + 1] = 0x20;                              /* PIRQ enabled */
    s->fn.wmask[LEGSUP] = 0xbf;
    s->fn.wmask[LEGSUP + 1] = 0x20;
}

static int uhci_realize(Device *dev, Machine *m)
{
    Uhci *s = (Uhci *)dev;
    int devfn = parse_addr(s->addr);
    if (!m->pci) {
        error_report("-device piix3-usb-uhci: the machine has no PCI bus");
        return -1;
    }
    if (devfn == -2) {
        error_report("-device piix3-usb-uhci,addr=%s: expected SLOT or SLOT.FUNCTION", s->addr);
        return -1;
    }
    s->m = m;
    setup_config(s);
    mr_init_io(&s->io, "uhci", 0x20, &uhci_io_ops, s);
    pci_bar_init(&s->fn, 4, &s->io, true);
    if (pci_bus_add(m->pci, &s->fn, devfn) < 0) {
        error_report("-device piix3-usb-uhci: PCI address %s is taken",
                     s->addr ? s->addr : "(any free slot)");
        return -1;
    }
    timer_init(&s->frame_timer, frame_tick, s);
    static int buses;
    for (int i = 0; i < UHCI_PORTS; i++) {
        s->port[i] = (USBPort){ .index = i + 1, .bus = buses, .attach = port_attach, .opaque = s };
        usb_port_register(&s->port[i]);
    }
    buses++;
    reset_regs(s);
    return 0;
}

static void uhci_reset(Device *dev)
{
    Uhci *s = (Uhci *)dev;
    pci_function_reset(&s->fn);
    reset_regs(s);
}

static void uhci_unrealize(Device *dev)
{
    Uhci *s = (Uhci *)dev;
    timer_del(&s->frame_timer);
    for (int i = 0; i < UHCI_PORTS; i++)
        usb_port_unregister(&s->port[i]);
    if (s->fn.bus)
        pci_bus_remove(s->fn.bus, &s->fn);
    mr_free(&s->io);
}

static void uhci_info(Device *dev, char *buf, size_t len)
{
    Uhci *s = (Uhci *)dev;
    snprintf(buf, len, "devfn 0x%02x cmd 0x%04x sts 0x%04x frnum %u ports 0x%04x 0x%04x",
             s->fn.devfn, s->cmd, s->sts, s->frnum, port_status(s, 0), port_status(s, 1));
}

static const Property uhci_props[] = {
    DEFINE_PROP_STR("addr", Uhci, addr, NULL),
    PROP_END,
};

static DeviceClass uhci_class = {
    .name = "piix3-usb-uhci",
    .desc = "PIIX3 USB UHCI host controller (8086:7020), two ports",
    .bus = "pci",
    .size = sizeof(Uhci),
    .props = uhci_props,
    .user_creatable = true,
    .realize = uhci_realize,
    .reset = uhci_reset,
    .unrealize = uhci_unrealize,
    .info = uhci_info,
};
DEVICE_REGISTER(uhci_class)
