/* "PIIX3": the PCI-to-ISA bridge, function 00:01.0 (8086:7000).  Its
 * header says multi-function, so firmware and Linux look for the IDE
 * function at 00:01.1; its PIRQ route control registers (0x60-0x63) steer
 * the four PCI interrupt lines to ISA IRQs (bit 7 set: not routed), the
 * way SeaBIOS programs them and Linux reads them back. */
#include "hw/core/machine.h"
#include "hw/core/error.h"
#include "hw/core/pci.h"

#include <stdio.h>
#include <string.h>

#define PIRQRC 0x60

typedef struct Piix3 {
    Device dev;
    PCIFunction fn;
    int pirq_level[4];
} Piix3;

/* An ISA IRQ is asserted while any PIRQ routed to it is. */
static void update_irq(Piix3 *s, int isa_irq)
{
    int level = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t r = s->fn.config[PIRQRC + i];
        if (!(r & 0x80) && (r & 0x0f) == isa_irq && s->pirq_level[i])
            level = 1;
    }
    irq_set(&s->dev.machine->gsi[isa_irq], level);
}

static void route(void *opaque, int pirq, int level)
{
    Piix3 *s = opaque;
    s->pirq_level[pirq] = level;
    uint8_t r = s->fn.config[PIRQRC + pirq];
    if (!(r & 0x80) && (r & 0x0f) > 2)
        update_irq(s, r & 0x0f);
}

static int piix3_realize(Device *dev, Machine *m)
{
    Piix3 *s = (Piix3 *)dev;
    if (!m->pci) {
        error_report("PIIX3: the machine has no PCI bus");
        return -1;
    }
    pci_function_init(&s->fn, 0x8086, 0x7000, 0x06, 0x01, 0x00);
    s->fn.config[PCI_HEADER_TYPE] = 0x80;           /* multi-function */
    memset(s->fn.wmask + PIRQRC, 0x8f, 4);
    if (pci_bus_add(m->pci, &s->fn, PCI_DEVFN(1, 0)) < 0) {
        error_report("PIIX3: slot 1 of PCI bus 0 is taken");
        return -1;
    }
    pci_bus_set_router(m->pci, route, s);
    return 0;
}

static void piix3_reset(Device *dev)
{
    Piix3 *s = (Piix3 *)dev;
    pci_function_reset(&s->fn);
    for (int i = 0; i < 4; i++) {
        uint8_t r = s->fn.config[PIRQRC + i];
        s->fn.config[PIRQRC + i] = 0x80;
        if (!(r & 0x80) && (r & 0x0f) > 2)
            update_irq(s, r & 0x0f);
    }
}

static void piix3_unrealize(Device *dev)
{
    Piix3 *s = (Piix3 *)dev;
    if (s->fn.bus) {
        pci_bus_set_router(s->fn.bus, NULL, NULL);
        pci_bus_remove(s->fn.bus, &s->fn);
    }
}

static void piix3_info(Device *dev, char *buf, size_t len)
{
    Piix3 *s = (Piix3 *)dev;
    const uint8_t *r = s->fn.config + PIRQRC;
    snprintf(buf, len, "pirq routes %02x %02x %02x %02x", r[0], r[1], r[2], r[3]);
}

static DeviceClass piix3_class = {
    .name = "PIIX3",
    .desc = "PIIX3 PCI-to-ISA bridge with the PCI interrupt router",
    .bus = "pci",
    .size = sizeof(Piix3),
    .realize = piix3_realize,
    .reset = piix3_reset,
    .unrealize = piix3_unrealize,
    .info = piix3_info,
    .child_bus_type = "ISA",
    .child_bus_name = "isa",
    .child_buses = 1,
};
DEVICE_REGISTER(piix3_class)
