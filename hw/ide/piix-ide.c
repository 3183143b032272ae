/* "piix3-ide": the PIIX3's IDE function as the PC's two legacy channels --
 * primary at 0x1f0-0x1f7/0x3f6 on IRQ 14, secondary at 0x170-0x177/0x376
 * on IRQ 15 (the compatibility-mode decode firmware and Linux find without
 * PCI).  Drives are attached to it by the ide-hd and ide-cd devices. */
#include "hw/ide/ide-int.h"
#include "hw/core/machine.h"

#include <stdio.h>

typedef struct PiixIde {
    Device dev;
    IdeChannel ch[2];
    MemoryRegion cmd_io[2], ctl_io[2];
} PiixIde;

static const struct { uint16_t cmd, ctl; int irq; } legacy[2] = {
    { 0x1f0, 0x3f6, 14 }, { 0x170, 0x376, 15 },
};

IdeChannel *piix_ide_channel(Device *dev, int bus)
{
    return bus >= 0 && bus < 2 ? &((PiixIde *)dev)->ch[bus] : NULL;
}

static int piix_ide_realize(Device *dev, Machine *m)
{
    PiixIde *s = (PiixIde *)dev;
    for (int i = 0; i < 2; i++) {
        ide_channel_init(&s->ch[i], &m->gsi[legacy[i].irq]);
        mr_init_io(&s->cmd_io[i], i ? "ide1-cmd" : "ide0-cmd", 8, &ide_cmd_ops, &s->ch[i]);
        mr_init_io(&s->ctl_io[i], i ? "ide1-ctl" : "ide0-ctl", 1, &ide_ctl_ops, &s->ch[i]);
        as_map(&m->io, &s->cmd_io[i], legacy[i].cmd, 0);
        as_map(&m->io, &s->ctl_io[i], legacy[i].ctl, 0);
    }
    return 0;
}

static void piix_ide_reset(Device *dev)
{
    PiixIde *s = (PiixIde *)dev;
    for (int i = 0; i < 2; i++) {
        s->ch[i].ctrl = 0;
        ide_channel_reset(&s->ch[i]);
    }
}

static void piix_ide_unrealize(Device *dev)
{
    PiixIde *s = (PiixIde *)dev;
    for (int i = 0; i < 2; i++) {
        as_unmap(s->cmd_io[i].as, &s->cmd_io[i]);
        as_unmap(s->ctl_io[i].as, &s->ctl_io[i]);
        ide_channel_free(&s->ch[i]);
    }
}

static void piix_ide_info(Device *dev, char *buf, size_t len)
{
    PiixIde *s = (PiixIde *)dev;
    snprintf(buf, len, "ide0 status=0x%02x ide1 status=0x%02x", s->ch[0].status,
             s->ch[1].status);
}

static DeviceClass piix_ide_class = {
    .name = "piix3-ide",
    .desc = "PIIX3 IDE controller (two legacy ATA channels)",
    .bus = "pci",
    .size = sizeof(PiixIde),
    .realize = piix_ide_realize,
    .reset = piix_ide_reset,
    .unrealize = piix_ide_unrealize,
    .info = piix_ide_info,
};
DEVICE_REGISTER(piix_ide_class)
