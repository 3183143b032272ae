/* rtl8139: the Realtek RTL8139C+ Fast Ethernet controller (10ec:8139,
 * revision 0x20: Linux drives it with 8139cp in C+ mode, older systems
 * with the normal mode's ring buffer).  Its 256 registers are reached
 * through I/O BAR 0 and memory BAR 1.  This file: PCI, the register file
 * at byte granularity (the driver's widths vary), the 93C46 EEPROM, the
 * PHY registers and interrupts; receive and transmit are in
 * rtl8139-rxtx.c. */
#include "hw/net/rtl8139-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <string.h>

#define EE_CS 0x08
#define EE_SK 0x04
#define EE_DI 0x02
#define EE_DO 0x01
#define EE_MODE_PROGRAM 0x80
#define TCR_C_PLUS_ID 0x74800000u   /* the C+ hardware version bits */
#define TCR_C_ID      0x74000000u   /* the RTL8139C's */
#define REV_C_PLUS    0x20          /* PCI revisions from here on are C+ chips */
#define MSR_LINKB 0x04             /* link fail */
#define BMSR_LINK 0x0004
#define BMSR_ANEG_DONE 0x0020

static void update_irq(Rtl8139 *s)
{
    pci_set_irq(&s->fn, (rtl_r16(s, RTL_ISR) & rtl_r16(s, RTL_IMR)) != 0);
}

void rtl8139_raise(Rtl8139 *s, uint16_t causes)
{
    rtl_w16(s, RTL_ISR, rtl_r16(s, RTL_ISR) | causes);
    update_irq(s);
}

static void set_link_bits(Rtl8139 *s)
{
    bool up = !s->nc || !s->nc->link_down;
    uint16_t bmsr = rtl_r16(s, RTL_BMSR) & ~(BMSR_LINK | BMSR_ANEG_DONE);
    rtl_w16(s, RTL_BMSR, bmsr | (up ? BMSR_LINK | BMSR_ANEG_DONE : 0));
    s->reg[RTL_MSR] = (uint8_t)((s->reg[RTL_MSR] & ~MSR_LINKB) | (up ? 0 : MSR_LINKB));
}

static void eeprom_build(Rtl8139 *s)
{
    memset(s->eeprom, 0, sizeof(s->eeprom));
    s->eeprom[0] = 0x8129;          /* the signature drivers look for */
    s->eeprom[1] = 0x10ec;
    s->eeprom[2] = 0x8139;
    s->eeprom[3] = 0x10ec;
    s->eeprom[4] = 0x8139;
    for (int i = 0; i < 3; i++)
        s->eeprom[7 + i] = (uint16_t)(s->mac[2 * i] | s->mac[2 * i + 1] << 8);
}

static void regs_reset(Rtl8139 *s)
{
    memset(s->reg, 0, sizeof(s->reg));
    memcpy(s->reg + RTL_IDR0, s->mac, 6);
    rtl_w32(s, RTL_TCR, s->revision >= REV_C_PLUS ? TCR_C_PLUS_ID : TCR_C_ID);
    rtl_w16(s, RTL_CAPR, 0xfff0);
    s->reg[RTL_CONFIG1] = 0x0d;
    rtl_w16(s, RTL_BMCR, 0x3100);   /* 100 Mb/s, autonegotiation, full duplex */
    rtl_w16(s, RTL_BMSR, 0x7809);
    rtl_w16(s, RTL_ANAR, 0x05e1);
    rtl_w16(s, RTL_ANLPAR, 0x05e1);
    rtl_w16(s, RTL_ANER, 0x0001);
    rtl_w16(s, RTL_MTPS, 0x3f);
    eeprom93_init(&s->ee, s->eeprom, 64, 6);
    s->cp_tx = s->cp_rx = 0;
    s->tx_len = 0;
    set_link_bits(s);
    update_irq(s);
}

/* -- reads ---------------------------------------------------------------- */

/* TSAD: the four slots' OWN, TABT, TUN and TOK bits side by side. */
static uint16_t tsad_summary(const Rtl8139 *s)
{
    uint16_t v = 0;
    for (unsigned n = 0; n < 4; n++) {
        uint32_t tsd = rtl_r32(s, RTL_TSD0 + 4 * n);
        v |= (uint16_t)(((tsd >> 13) & 1) << n | ((tsd >> 30) & 1) << (4 + n) |
                        ((tsd >> 14) & 1) << (8 + n) | ((tsd >> 15) & 1) << (12 + n));
    }
    return v;
}

/* Above 0x80 the RTL8139C+ has only its C+ registers (TPPoll, C+ command,
 * interrupt mitigation, RX descriptor address, early TX threshold) and the
 * RTL8139C none; the rest reads 0 and ignores writes.  Drivers probe
 * there: iPXE tells an RTL8169 by its RX maximum size register at 0xda
 * reading back, and a C+ chip by its C+ command register doing so. */
static bool absent(const Rtl8139 *s, unsigned off)
{
    if (off < 0x80)
        return false;
    if (s->revision < REV_C_PLUS)
        return true;
    return off != RTL_TXPOLL && !(off >= RTL_CPCR && off <= RTL_MTPS);
}

static uint8_t read_byte(Rtl8139 *s, unsigned off)
{
    if (absent(s, off))
        return 0;
    switch (off) {
    case RTL_CR:
        return (uint8_t)((s->reg[RTL_CR] & (RTL_CR_RE | RTL_CR_TE)) |
                         (rtl8139_rx_empty(s) ? RTL_CR_BUFE : 0));
    case RTL_9346CR:
        return (uint8_t)((s->reg[RTL_9346CR] & ~EE_DO) | (s->ee.dout ? EE_DO : 0));
    case RTL_TSAD: case RTL_TSAD + 1:
        return (uint8_t)(tsad_summary(s) >> (8 * (off - RTL_TSAD)));
    default:
        return s->reg[off];
    }
}

static uint64_t reg_read(void *opaque, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && off + i < RTL_REGS; i++)
        v |= (uint64_t)read_byte(opaque, (unsigned)off + i) << (8 * i);
    return v;
}

/* -- writes --------------------------------------------------------------- */

static bool read_only(unsigned off)
{
    return off == RTL_CBR || off == RTL_CBR + 1 || off == RTL_MSR || off == RTL_BMSR ||
           off == RTL_BMSR + 1 || off == RTL_TSAD || off == RTL_TSAD + 1 ||
           (off >= RTL_MPC && off < RTL_MPC + 4);
}

static bool touches(unsigned off, unsigned size, unsigned reg, unsigned len)
{
    return off < reg + len && reg < off + size;
}

static void cr_written(Rtl8139 *s, uint8_t old)
{
    uint8_t cr = s->reg[RTL_CR];
    if (cr & RTL_CR_RST) {
        uint8_t mac[6];
        memcpy(mac, s->reg + RTL_IDR0, 6);
        regs_reset(s);
        memcpy(s->reg + RTL_IDR0, mac, 6);
        return;
    }
    /* Turning a direction on restarts its C+ ring at the first descriptor. */
    if ((cr & RTL_CR_RE) && !(old & RTL_CR_RE))
        s->cp_rx = 0;
    if ((cr & RTL_CR_TE) && !(old & RTL_CR_TE))
        s->cp_tx = 0;
    s->reg[RTL_CR] = cr & (RTL_CR_RE | RTL_CR_TE);
}

static void eeprom_written(Rtl8139 *s)
{
    uint8_t v = s->reg[RTL_9346CR];
    if ((v & 0xc0) == EE_MODE_PROGRAM)
        eeprom93_pins(&s->ee, v & EE_CS, v & EE_SK, v & EE_DI);
    else
        eeprom93_pins(&s->ee, false, false, false);
}

static void after_write(Rtl8139 *s, unsigned off, unsigned size, uint8_t old_cr)
{
    if (touches(off, size, RTL_CR, 1))
        cr_written(s, old_cr);
    for (unsigned n = 0; n < 4; n++) {
        if (touches(off, size, RTL_TSD0 + 4 * n, 4) && !(s->reg[RTL_CPCR] & RTL_CPCR_TX))
            rtl8139_tx_slot(s, n);
    }
    if (touches(off, size, RTL_TXPOLL, 1) && (s->reg[RTL_TXPOLL] & 0x40))
        rtl8139_cp_tx(s);
    if (touches(off, size, RTL_9346CR, 1))
        eeprom_written(s);
    if (touches(off, size, RTL_BMCR, 2))
        rtl_w16(s, RTL_BMCR, rtl_r16(s, RTL_BMCR) & ~0x8200);   /* self-clearing */
    if (touches(off, size, RTL_IMR, 4))
        update_irq(s);
    /* The driver took frames (CAPR) or finished a poll (ISR/IMR): there
     * may be room for what waits. */
    if (touches(off, size, RTL_CAPR, 2) || touches(off, size, RTL_IMR, 4))
        net_flush_queue(s->nc);
}

static void reg_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Rtl8139 *s = opaque;
    uint8_t old_cr = s->reg[RTL_CR];
    for (unsigned i = 0; i < size && off + i < RTL_REGS; i++) {
        unsigned o = (unsigned)off + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (o == RTL_ISR || o == RTL_ISR + 1)
            s->reg[o] &= (uint8_t)~b;           /* write one to clear */
        else if (o >= RTL_MPC && o < RTL_MPC + 4)
            s->reg[o] = 0;                      /* any write clears the count */
        else if (!read_only(o) && !absent(s, o))
            s->reg[o] = b;
    }
    after_write(s, (unsigned)off, size, old_cr);
}

static const MemoryRegionOps reg_ops = { reg_read, reg_write, 1, 4 };

/* -- the device ----------------------------------------------------------- */

static void link_changed(NetClient *nc)
{
    Rtl8139 *s = nc->opaque;
    set_link_bits(s);
    rtl8139_raise(s, RTL_INT_LINKCHG);
}

static const NetClientOps nic_ops = {
    .kind = NET_NIC, .receive = rtl8139_receive, .link_changed = link_changed,
};

static const Property rtl_props[] = {
    DEFINE_PROP_STR("netdev", Rtl8139, netdev, NULL),
    DEFINE_PROP_STR("mac", Rtl8139, mac_str, NULL),
    DEFINE_PROP_STR("addr", Rtl8139, addr, NULL),
    NET_BOOT_PROPS(Rtl8139, boot),
    /* Not in QEMU: below 0x20 the card is a plain RTL8139C, which Linux
     * drives with 8139too (8139cp takes only C+ chips, 8139too refuses
     * them). */
    DEFINE_PROP("revision", Rtl8139, revision, PROP_U32, REV_C_PLUS),
    PROP_END,
};

static int rtl_realize(Device *dev, Machine *m)
{
    Rtl8139 *s = (Rtl8139 *)dev;
    int devfn = -1;
    if (!m->pci) {
        error_report("rtl8139: the machine has no PCI bus");
        return -1;
    }
    if (s->addr && (devfn = net_parse_pci_addr(s->addr)) < 0) {
        error_report("rtl8139: Property 'rtl8139.addr' doesn't take value '%s'", s->addr);
        return -1;
    }
    if (s->revision > 0xff) {
        error_report("rtl8139: revision=%u: a PCI revision is one byte (0..255)", s->revision);
        return -1;
    }
    s->m = m;
    s->nc = net_nic_new(&nic_ops, "rtl8139", dev->id, s->netdev, s->mac_str, s->mac, s);
    if (!s->nc)
        return -1;
    pci_function_init(&s->fn, 0x10ec, 0x8139, 0x02, 0x00, (uint8_t)s->revision);
    s->fn.config[PCI_SUBSYSTEM_VENDOR_ID] = 0xec;
    s->fn.config[PCI_SUBSYSTEM_VENDOR_ID + 1] = 0x10;
    s->fn.config[PCI_SUBSYSTEM_ID] = 0x39;
    s->fn.config[PCI_SUBSYSTEM_ID + 1] = 0x81;
    s->fn.config[PCI_INTERRUPT_PIN] = 1;
    /* Cache line size and latency timer: 8139cp turns memory write and
     * invalidate on, which needs the cache line size to stick. */
    s->fn.wmask[0x0c] = s->fn.wmask[0x0d] = 0xff;
    s->fn.wmask[PCI_COMMAND] |= 0x10;
    mr_init_io(&s->io, "rtl8139-io", RTL_REGS, &reg_ops, s);
    mr_init_io(&s->mmio, "rtl8139-mmio", RTL_REGS, &reg_ops, s);
    pci_bar_init(&s->fn, 0, &s->io, true);
    pci_bar_init(&s->fn, 1, &s->mmio, false);
    if (pci_bus_add(m->pci, &s->fn, devfn) < 0) {
        error_report("rtl8139: PCI address %s is taken or the bus is full",
                     s->addr ? s->addr : "(any)");
        net_client_free(s->nc);
        s->nc = NULL;
        return -1;
    }
    if (net_boot_init(&s->boot, &s->fn, "rtl8139", "efi-rtl8139.rom") < 0) {
        pci_bus_remove(m->pci, &s->fn);
        net_client_free(s->nc);
        s->nc = NULL;
        return -1;
    }
    eeprom_build(s);
    regs_reset(s);
    return 0;
}

static void rtl_reset(Device *dev)
{
    Rtl8139 *s = (Rtl8139 *)dev;
    pci_function_reset(&s->fn);
    regs_reset(s);
}

static void rtl_unrealize(Device *dev)
{
    Rtl8139 *s = (Rtl8139 *)dev;
    if (s->fn.bus)
        pci_bus_remove(s->fn.bus, &s->fn);
    net_client_free(s->nc);
    net_boot_free(&s->boot);
    mr_free(&s->io);
    mr_free(&s->mmio);
}

static void rtl_info(Device *dev, char *buf, size_t len)
{
    Rtl8139 *s = (Rtl8139 *)dev;
    char mac[20];
    net_format_mac(s->mac, mac, sizeof(mac));
    snprintf(buf, len, "mac=%s netdev=%s devfn 0x%02x", mac, s->netdev ? s->netdev : "",
             s->fn.devfn);
}

static DeviceClass rtl8139_class = {
    .name = "rtl8139",
    .desc = "Realtek RTL8139C+ Fast Ethernet",
    .bus = "pci",
    .size = sizeof(Rtl8139),
    .props = rtl_props,
    .user_creatable = true,
    .realize = rtl_realize,
    .reset = rtl_reset,
    .unrealize = rtl_unrealize,
    .info = rtl_info,
};
DEVICE_REGISTER(rtl8139_class)
