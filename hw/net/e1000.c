/* e1000: the Intel 82540EM Gigabit Ethernet controller (8086:100e), the
 * NIC QEMU's pc machine gives by default.  Memory BAR 0 holds the
 * registers (128 KiB), I/O BAR 1 reaches them indirectly (IOADDR at 0,
 * IODATA at 4).  This file: PCI, the register file, interrupts, the
 * Microwire EEPROM (bit-banged through EECD, or read through EERD) and
 * the PHY behind MDIC; receive and transmit are e1000-rx.c and
 * e1000-tx.c. */
#include "hw/net/e1000-int.h"
#include "hw/core/error.h"
#include "hw/core/log.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IO_SIZE 0x40

/* -- interrupts --------------------------------------------------------- */

/* ITR (8254x manual 13.4.18) spaces interrupts at least ITR x 256 ns
 * apart: an assertion that comes sooner waits for the interval's end;
 * deassertion is immediate. */
static void update_irq(E1000 *s)
{
    bool level = (E1000_REG(s, E1000_ICR) & E1000_REG(s, E1000_IMS)) != 0;
    uint32_t itr = E1000_REG(s, E1000_ITR) & 0xffff;
    if (level && !s->irq_level && itr) {
        int64_t now = clock_ns();
        if (now < s->itr_next) {
            if (!timer_pending(&s->itr_timer))
                timer_mod(&s->itr_timer, s->itr_next);
            return;
        }
        s->itr_next = now + (int64_t)itr * 256;
    }
    s->irq_level = level;
    pci_set_irq(&s->fn, level);
}

static void itr_expired(void *opaque)
{
    update_irq(opaque);
}

void e1000_raise(E1000 *s, uint32_t causes)
{
    E1000_REG(s, E1000_ICR) |= causes & E1000_ICR_MASK;
    update_irq(s);
}

/* Statistics saturate rather than wrap (8254x manual 13.7). */
void e1000_stat_add(E1000 *s, uint32_t reg, uint64_t n)
{
    uint64_t v = E1000_REG(s, reg) + n;
    E1000_REG(s, reg) = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* -- EEPROM ------------------------------------------------------------- */

/* Our own image: the MAC address, the PCI identity words the driver
 * compares, and the checksum word that makes the sum 0xBABA. */
static void eeprom_build(E1000 *s)
{
    uint16_t *w = s->eeprom;
    memset(w, 0, sizeof(s->eeprom));
    for (int i = 0; i < 3; i++)
        w[i] = (uint16_t)(s->mac[2 * i] | s->mac[2 * i + 1] << 8);
    w[0x0b] = 0x001e;           /* subsystem ID */
    w[0x0c] = 0x8086;           /* subsystem vendor */
    w[0x0d] = 0x100e;           /* device ID */
    w[0x0e] = 0x8086;           /* vendor ID */
    uint16_t sum = 0;
    for (int i = 0; i < E1000_EEPROM_WORDS - 1; i++)
        sum = (uint16_t)(sum + w[i]);
    w[E1000_EEPROM_WORDS - 1] = (uint16_t)(E1000_EEPROM_SUM - sum);
}

static void eecd_write(E1000 *s, uint32_t val)
{
    eeprom93_pins(&s->ee, val & E1000_EECD_CS, val & E1000_EECD_SK, val & E1000_EECD_DI);
    uint32_t keep = E1000_EECD_SK | E1000_EECD_CS | E1000_EECD_DI | E1000_EECD_REQ | 0x30;
    E1000_REG(s, E1000_EECD) = (val & keep) | E1000_EECD_PRES;
}

static uint32_t eecd_read(E1000 *s)
{
    uint32_t v = E1000_REG(s, E1000_EECD) & ~(E1000_EECD_DO | E1000_EECD_GNT);
    if (v & E1000_EECD_REQ)
        v |= E1000_EECD_GNT;
    if (s->ee.dout)
        v |= E1000_EECD_DO;
    return v;
}

static void eerd_write(E1000 *s, uint32_t val)
{
    unsigned addr = (val >> 8) & 0xff;
    if (!(val & E1000_EERD_START)) {
        E1000_REG(s, E1000_EERD) = val;
        return;
    }
    uint16_t data = addr < E1000_EEPROM_WORDS ? s->eeprom[addr] : 0;
    E1000_REG(s, E1000_EERD) = (uint32_t)data << 16 | addr << 8 | E1000_EERD_DONE;
}

/* -- PHY ---------------------------------------------------------------- */

static void phy_reset(E1000 *s)
{
    static const struct { uint8_t reg; uint16_t val; } init[] = {
        { PHY_CTRL, 0x1140 }, { PHY_STATUS, 0x796d }, { PHY_ID1, 0x0141 },
        { PHY_ID2, 0x0c20 }, { PHY_AUTONEG_ADV, 0x0de1 }, { PHY_LP_ABILITY, 0x45e1 },
        { PHY_AUTONEG_EXP, 0x0001 }, { PHY_1000T_CTRL, 0x0e00 },
        { PHY_1000T_STATUS, 0x3c00 }, { PHY_EXT_STATUS, 0x3000 },
        { M88_PHY_SPEC_CTRL, 0x0068 }, { M88_PHY_SPEC_STATUS, 0xac00 },
        { M88_EXT_PHY_SPEC_CTRL, 0x0d60 },
    };
    memset(s->phy, 0, sizeof(s->phy));
    for (size_t i = 0; i < ARRAY_SIZE(init); i++)
        s->phy[init[i].reg] = init[i].val;
}

/* Link state as the PHY and STATUS show it (set_link, reset). */
static void set_link_bits(E1000 *s)
{
    bool up = !s->nc || !s->nc->link_down;
    uint16_t link = MII_SR_LINK_STATUS | MII_SR_AUTONEG_DONE;
    s->phy[PHY_STATUS] = up ? (s->phy[PHY_STATUS] | link) : (s->phy[PHY_STATUS] & ~link);
    s->phy[M88_PHY_SPEC_STATUS] = up ? 0xac00 : 0x0000;
    if (up)
        E1000_REG(s, E1000_STATUS) |= E1000_STATUS_LU;
    else
        E1000_REG(s, E1000_STATUS) &= ~E1000_STATUS_LU;
}

static void phy_write(E1000 *s, unsigned reg, uint16_t val)
{
    switch (reg) {
    case PHY_CTRL:
        if (val & MII_CR_RESET) {
            phy_reset(s);
            set_link_bits(s);
            return;
        }
        s->phy[PHY_CTRL] = val & ~(MII_CR_RESTART_AUTONEG | MII_CR_RESET);
        if (val & MII_CR_RESTART_AUTONEG)
            set_link_bits(s);   /* autonegotiation completes at once */
        return;
    case PHY_AUTONEG_ADV: case PHY_1000T_CTRL: case M88_PHY_SPEC_CTRL:
    case M88_EXT_PHY_SPEC_CTRL:
        s->phy[reg] = val;
        return;
    default:
        return;                 /* read-only */
    }
}

static void mdic_write(E1000 *s, uint32_t val)
{
    unsigned reg = (val >> E1000_MDIC_REG_SHIFT) & 0x1f;
    unsigned phy = (val >> E1000_MDIC_PHY_SHIFT) & 0x1f;
    uint32_t out = val & ~(E1000_MDIC_READY | E1000_MDIC_ERROR);
    if (phy != E1000_PHY_ADDR) {
        out |= E1000_MDIC_ERROR;
    } else if (val & E1000_MDIC_OP_READ) {
        out = (out & ~E1000_MDIC_DATA) | s->phy[reg];
    } else if (val & E1000_MDIC_OP_WRITE) {
        phy_write(s, reg, (uint16_t)val);
    }
    E1000_REG(s, E1000_MDIC) = out | E1000_MDIC_READY;
    if (val & E1000_MDIC_INT_EN)
        e1000_raise(s, E1000_ICR_MDAC);
}

/* -- the register file -------------------------------------------------- */

static void e1000_reset_regs(E1000 *s);

static void ctrl_write(E1000 *s, uint32_t val)
{
    if (val & E1000_CTRL_RST) {
        e1000_reset_regs(s);
        return;
    }
    if (val & E1000_CTRL_PHY_RST)
        phy_reset(s);
    E1000_REG(s, E1000_CTRL) = val & ~(E1000_CTRL_RST | E1000_CTRL_PHY_RST);
    set_link_bits(s);
}

static uint32_t icr_read(E1000 *s)
{
    uint32_t v = E1000_REG(s, E1000_ICR);
    E1000_REG(s, E1000_ICR) = 0;     /* the 82540 clears ICR on every read */
    update_irq(s);
    return v;
}

/* 64-bit statistics clear when their high half is read, the others on
 * every read. */
static uint32_t stat_read(E1000 *s, uint32_t off)
{
    uint32_t v = E1000_REG(s, off);
    bool low_of_pair = off == E1000_GORCL || off == E1000_GOTCL || off == E1000_TORL ||
                       off == E1000_TOTL;
    if (!low_of_pair)
        E1000_REG(s, off) = 0;
    if (off == E1000_GORCH || off == E1000_GOTCH || off == E1000_TORH || off == E1000_TOTH)
        E1000_REG(s, off - 4) = 0;
    return v;
}

static uint32_t reg_read(E1000 *s, uint32_t off)
{
    if (off >= E1000_STATS && off < E1000_STATS_END)
        return stat_read(s, off);
    switch (off) {
    case E1000_ICR: return icr_read(s);
    case E1000_EECD: return eecd_read(s);
    case E1000_IMC: case E1000_ICS: return 0;       /* write-only */
    default: return E1000_REG(s, off);
    }
}

static void rx_ring_written(E1000 *s, uint32_t off, uint32_t val)
{
    E1000_REG(s, off) = off == E1000_RDLEN ? (val & 0xfff80) : (off == E1000_RDH ||
                                                               off == E1000_RDT) ? (val & 0xffff) : val;
    if (s->nc && (off == E1000_RDT || off == E1000_RCTL))
        net_flush_queue(s->nc);
}

static void tx_ring_written(E1000 *s, uint32_t off, uint32_t val)
{
    E1000_REG(s, off) = off == E1000_TDLEN ? (val & 0xfff80) : (off == E1000_TDH ||
                                                               off == E1000_TDT) ? (val & 0xffff) : val;
    if (off == E1000_TDT || off == E1000_TCTL)
        e1000_tx_kick(s);
}

static void reg_write(E1000 *s, uint32_t off, uint32_t val)
{
    if (off >= E1000_STATS && off < E1000_STATS_END)
        return;                 /* statistics are read-only */
    switch (off) {
    case E1000_CTRL: ctrl_write(s, val); return;
    case E1000_STATUS: return;
    case E1000_EECD: eecd_write(s, val); return;
    case E1000_EERD: eerd_write(s, val); return;
    case E1000_MDIC: mdic_write(s, val); return;
    case E1000_ICR: E1000_REG(s, off) &= ~val; update_irq(s); return;
    case E1000_ICS: e1000_raise(s, val); return;
    case E1000_IMS: E1000_REG(s, E1000_IMS) |= val & E1000_ICR_MASK; update_irq(s); return;
    case E1000_IMC: E1000_REG(s, E1000_IMS) &= ~val; update_irq(s); return;
    case E1000_RCTL: case E1000_RDLEN: case E1000_RDH: case E1000_RDT:
        rx_ring_written(s, off, val);
        return;
    case E1000_TCTL: case E1000_TDLEN: case E1000_TDH: case E1000_TDT:
        tx_ring_written(s, off, val);
        return;
    case E1000_RDTR: case E1000_RADV: case E1000_TIDV: case E1000_TADV:
        e1000_delay_written(s, off, val);
        return;
    default:
        E1000_REG(s, off) = val;
        return;
    }
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return reg_read(opaque, (uint32_t)off & ~3u);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)size;
    reg_write(opaque, (uint32_t)off & ~3u, (uint32_t)val);
}

/* The I/O BAR: IOADDR selects a register, IODATA reaches it. */
static uint64_t io_read(void *opaque, uint64_t off, unsigned size)
{
    E1000 *s = opaque;
    (void)size;
    if (off == 0)
        return s->ioaddr;
    if (off == 4 && s->ioaddr < E1000_MMIO_SIZE)
        return reg_read(s, s->ioaddr & ~3u);
    return 0;
}

static void io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    E1000 *s = opaque;
    (void)size;
    if (off == 0)
        s->ioaddr = (uint32_t)val & 0x1fffc;
    else if (off == 4 && s->ioaddr < E1000_MMIO_SIZE)
        reg_write(s, s->ioaddr & ~3u, (uint32_t)val);
}

static const MemoryRegionOps mmio_ops = { mmio_read, mmio_write, 4, 4 };
static const MemoryRegionOps io_ops = { io_read, io_write, 4, 4 };

static void e1000_reset_regs(E1000 *s)
{
    memset(s->reg, 0, sizeof(s->reg));
    eeprom93_init(&s->ee, s->eeprom, E1000_EEPROM_WORDS, 6);
    E1000_REG(s, E1000_CTRL) = E1000_CTRL_SLU | E1000_CTRL_FD | E1000_CTRL_SPD_1000;
    E1000_REG(s, E1000_STATUS) = E1000_STATUS_FD | E1000_STATUS_SPEED_1000 |
                                 E1000_STATUS_ASDV_1000;
    E1000_REG(s, E1000_EECD) = E1000_EECD_PRES;
    E1000_REG(s, E1000_PBA) = 0x00100030;
    E1000_REG(s, E1000_LEDCTL) = 0x07068302;
    E1000_REG(s, E1000_VET) = 0x8100;
    E1000_REG(s, E1000_RA) = (uint32_t)s->mac[0] | s->mac[1] << 8 | s->mac[2] << 16 |
                             (uint32_t)s->mac[3] << 24;
    E1000_REG(s, E1000_RA + 4) = (uint32_t)s->mac[4] | s->mac[5] << 8 | E1000_RAH_AV;
    phy_reset(s);
    set_link_bits(s);
    e1000_tx_reset(s);
    E1000_REG(s, E1000_RXCSUM) = E1000_RXCSUM_IPOFL | E1000_RXCSUM_TUOFL;
    e1000_delay_reset(s);
    timer_del(&s->itr_timer);
    s->itr_next = 0;
    update_irq(s);
}

/* -- the device --------------------------------------------------------- */

static void link_changed(NetClient *nc)
{
    E1000 *s = nc->opaque;
    set_link_bits(s);
    e1000_raise(s, E1000_ICR_LSC);
}

static const NetClientOps nic_ops = {
    .kind = NET_NIC, .receive = e1000_receive, .link_changed = link_changed,
};

static const Property e1000_props[] = {
    DEFINE_PROP_STR("netdev", E1000, netdev, NULL),
    DEFINE_PROP_STR("mac", E1000, mac_str, NULL),
    DEFINE_PROP_STR("addr", E1000, addr, NULL),
    NET_BOOT_PROPS(E1000, boot),
    PROP_END,
};

static int e1000_realize(Device *dev, Machine *m)
{
    E1000 *s = (E1000 *)dev;
    int devfn = -1;
    if (!m->pci) {
        error_report("e1000: the machine has no PCI bus");
        return -1;
    }
    if (s->addr && (devfn = net_parse_pci_addr(s->addr)) < 0) {
        error_report("e1000: Property 'e1000.addr' doesn't take value '%s'", s->addr);
        return -1;
    }
    s->m = m;
    s->nc = net_nic_new(&nic_ops, "e1000", dev->id, s->netdev, s->mac_str, s->mac, s);
    if (!s->nc)
        return -1;
    pci_function_init(&s->fn, 0x8086, 0x100e, 0x02, 0x00, 0x03);
    s->fn.config[PCI_SUBSYSTEM_VENDOR_ID] = 0x86;
    s->fn.config[PCI_SUBSYSTEM_VENDOR_ID + 1] = 0x80;
    s->fn.config[PCI_SUBSYSTEM_ID] = 0x1e;
    s->fn.config[PCI_INTERRUPT_PIN] = 1;
    mr_init_io(&s->mmio, "e1000-mmio", E1000_MMIO_SIZE, &mmio_ops, s);
    mr_init_io(&s->io, "e1000-io", IO_SIZE, &io_ops, s);
    pci_bar_init(&s->fn, 0, &s->mmio, false);
    pci_bar_init(&s->fn, 1, &s->io, true);
    if (pci_bus_add(m->pci, &s->fn, devfn) < 0) {
        error_report("e1000: PCI address %s is taken or the bus is full",
                     s->addr ? s->addr : "(any)");
        net_client_free(s->nc);
        s->nc = NULL;
        return -1;
    }
    if (net_boot_init(&s->boot, &s->fn, "e1000", "efi-e1000.rom") < 0) {
        pci_bus_remove(m->pci, &s->fn);
        net_client_free(s->nc);
        s->nc = NULL;
        return -1;
    }
    eeprom_build(s);
    timer_init(&s->itr_timer, itr_expired, s);
    e1000_delay_init(s);
    e1000_tx_init(s);
    e1000_reset_regs(s);
    return 0;
}

static void e1000_dev_reset(Device *dev)
{
    E1000 *s = (E1000 *)dev;
    pci_function_reset(&s->fn);
    e1000_reset_regs(s);
}

static void e1000_unrealize(Device *dev)
{
    E1000 *s = (E1000 *)dev;
    if (s->fn.bus)
        pci_bus_remove(s->fn.bus, &s->fn);
    timer_del(&s->itr_timer);
    timer_del(&s->tx_timer);
    e1000_delay_reset(s);
    net_client_free(s->nc);
    net_boot_free(&s->boot);
    mr_free(&s->mmio);
    mr_free(&s->io);
}

static void e1000_info(Device *dev, char *buf, size_t len)
{
    E1000 *s = (E1000 *)dev;
    char mac[20];
    net_format_mac(s->mac, mac, sizeof(mac));
    snprintf(buf, len, "mac=%s netdev=%s devfn 0x%02x", mac, s->netdev ? s->netdev : "",
             s->fn.devfn);
}

static DeviceClass e1000_class = {
    .name = "e1000",
    .desc = "Intel Gigabit Ethernet (82540EM)",
    .bus = "pci",
    .size = sizeof(E1000),
    .props = e1000_props,
    .user_creatable = true,
    .realize = e1000_realize,
    .reset = e1000_dev_reset,
    .unrealize = e1000_unrealize,
    .info = e1000_info,
};
DEVICE_REGISTER(e1000_class)
