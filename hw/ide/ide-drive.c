/* "ide-hd" and "ide-cd": a drive (-drive ...,id=ID) on a channel of the
 * board's IDE controller, bus=0|1 and unit=0 (master) or 1 (slave). */
#include "hw/ide/ide-int.h"
#include "hw/core/bootdev.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"

#include <stdio.h>


typedef struct IdeDriveDev {
    Device dev;
    char *drive, *serial;
    uint32_t bus, unit, bootindex;
    IdeDrive *slot;
} IdeDriveDev;

static const Property ide_drive_props[] = {
    DEFINE_PROP_STR("drive", IdeDriveDev, drive, NULL),
    DEFINE_PROP_STR("serial", IdeDriveDev, serial, NULL),
    DEFINE_PROP("bus", IdeDriveDev, bus, PROP_U32, 0),
    DEFINE_PROP("unit", IdeDriveDev, unit, PROP_U32, 0),
    DEFINE_PROP("bootindex", IdeDriveDev, bootindex, PROP_U32, BOOTINDEX_NONE),
    PROP_END,
};

static void media_changed(void *opaque, bool loaded)
{
    IdeDrive *d = opaque;
    if (d->atapi)
        ide_atapi_media_changed(d, loaded);
}

static int ide_drive_realize(Device *dev, Machine *m, bool cd)
{
    IdeDriveDev *s = (IdeDriveDev *)dev;
    const char *name = dev->cls->name;
    Device *ctrl = machine_find_device(m, "piix3-ide");
    IdeChannel *ch = ctrl ? piix_ide_channel(ctrl, (int)s->bus) : NULL;
    if (!ch || s->unit > 1) {
        error_report("%s: no IDE bus %u unit %u on this machine", name, s->bus, s->unit);
        return -1;
    }
    if (ch->drive[s->unit].bd) {
        error_report("%s: IDE bus %u unit %u is in use", name, s->bus, s->unit);
        return -1;
    }
    BlockDev *bd = blockdev_attach(s->drive, name);
    if (!bd)
        return -1;
    if (!cd && !bd->inserted) {
        error_report("%s: Device needs media, but drive is empty", name);
        bd->attached = false;
        return -1;
    }
    bd->removable = cd;
    if (cd)
        bd->read_only = true;
    s->slot = &ch->drive[s->unit];
    ide_attach(ch, (int)s->unit, bd, cd, s->serial);
    bd->media_changed = media_changed;
    bd->media_opaque = s->slot;
    /* The controller is 00:01.1; SeaBIOS names drives by channel and unit. */
    char path[64];
    snprintf(path, sizeof(path), "/pci@i0cf8/ide@1,1/drive@%u/disk@%u", s->bus, s->unit);
    bootdev_register(s->bootindex, path);
    return 0;
}

static int ide_hd_realize(Device *dev, Machine *m) { return ide_drive_realize(dev, m, false); }
static int ide_cd_realize(Device *dev, Machine *m) { return ide_drive_realize(dev, m, true); }

static int ide_drive_bus(Device *dev)
{
    return (int)((IdeDriveDev *)dev)->bus;
}

static void ide_drive_info(Device *dev, char *buf, size_t len)
{
    IdeDriveDev *s = (IdeDriveDev *)dev;
    snprintf(buf, len, "drive=%s bus=%u unit=%u", s->drive ? s->drive : "", s->bus, s->unit);
}

static DeviceClass ide_hd_class = {
    .name = "ide-hd",
    .desc = "virtual IDE disk",
    .bus = "IDE",
    .size = sizeof(IdeDriveDev),
    .props = ide_drive_props,
    .user_creatable = true,
    .realize = ide_hd_realize,
    .info = ide_drive_info,
    .bus_index = ide_drive_bus,
};
DEVICE_REGISTER(ide_hd_class)

static DeviceClass ide_cd_class = {
    .name = "ide-cd",
    .desc = "virtual IDE CD-ROM",
    .bus = "IDE",
    .size = sizeof(IdeDriveDev),
    .props = ide_drive_props,
    .user_creatable = true,
    .realize = ide_cd_realize,
    .info = ide_drive_info,
    .bus_index = ide_drive_bus,
};
DEVICE_REGISTER(ide_cd_class)
