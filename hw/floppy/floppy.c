/* "floppy": a drive (-fda/-fdb, -drive if=floppy,index=N, or -device
 * floppy,unit=N,drive=ID) on the board's floppy controller.  Its geometry
 * comes from the image size: 360K, 720K, 1.2M, 1.44M or 2.88M, each with
 * the data rate it is read at and the CMOS drive type that holds it.  The
 * monitor's eject/change swap the medium; the drive then reports a disk
 * change (DIR bit 7) until the next step. */
#include "hw/floppy/fdc-int.h"
#include "hw/core/error.h"

#include <stdio.h>

typedef struct Floppy {
    Device dev;
    char *drive;
    uint32_t unit;
    Fdc *fdc;
} Floppy;

/* Rate codes: 0 500 kbit/s, 1 300, 2 250, 3 1 Mbit/s. */
static const FloppyFormat formats[] = {
    { 1474560, 80, 2, 18, 0, 4, "1.44M" },
    { 2949120, 80, 2, 36, 3, 5, "2.88M" },
    { 737280, 80, 2, 9, 2, 3, "720K" },
    { 1228800, 80, 2, 15, 0, 2, "1.2M" },
    { 368640, 40, 2, 9, 2, 1, "360K" },
};

const FloppyFormat *floppy_format_of(uint64_t size)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (formats[i].size == size)
            return &formats[i];
    }
    return NULL;
}

static void media_changed(void *opaque, bool loaded)
{
    Floppy *s = opaque;
    FloppyDrive *d = &s->fdc->drv[s->unit];
    d->fmt = loaded ? floppy_format_of(d->bd->size) : NULL;
    d->changed = true;
}

static int floppy_realize(Device *dev, Machine *m)
{
    Floppy *s = (Floppy *)dev;
    Device *fdc = machine_find_device(m, "isa-fdc");
    if (!fdc || s->unit >= FDC_DRIVES) {
        error_report("floppy: %s", !fdc ? "the machine has no floppy controller"
                                        : "unit must be 0 or 1");
        return -1;
    }
    s->fdc = (Fdc *)fdc;
    FloppyDrive *d = &s->fdc->drv[s->unit];
    if (d->bd) {
        error_report("floppy: unit %u is already in use", s->unit);
        return -1;
    }
    BlockDev *bd = blockdev_attach(s->drive, "floppy");
    if (!bd)
        return -1;
    if (bd->inserted && !floppy_format_of(bd->size)) {
        error_report("floppy: drive %s: image size %llu is not a 360K, 720K, 1.2M, 1.44M or "
                     "2.88M floppy", s->drive, (unsigned long long)bd->size);
        bd->attached = false;
        return -1;
    }
    bd->removable = true;
    bd->media_changed = media_changed;
    bd->media_opaque = s;
    d->bd = bd;
    d->fmt = bd->inserted ? floppy_format_of(bd->size) : NULL;
    d->changed = true;
    return 0;
}

static void floppy_unrealize(Device *dev)
{
    Floppy *s = (Floppy *)dev;
    FloppyDrive *d = &s->fdc->drv[s->unit];
    if (d->bd) {
        d->bd->media_changed = NULL;
        d->bd->attached = false;
    }
    d->bd = NULL;
    d->fmt = NULL;
}

static void floppy_info(Device *dev, char *buf, size_t len)
{
    Floppy *s = (Floppy *)dev;
    const FloppyDrive *d = s->fdc ? &s->fdc->drv[s->unit] : NULL;
    snprintf(buf, len, "medium %s, track %u", d && d->fmt ? d->fmt->name : "none",
             d ? d->track : 0);
}

static const Property floppy_props[] = {
    DEFINE_PROP("unit", Floppy, unit, PROP_U32, 0),
    DEFINE_PROP_STR("drive", Floppy, drive, NULL),
    PROP_END,
};

static DeviceClass floppy_class = {
    .name = "floppy",
    .desc = "floppy drive on the ISA floppy controller",
    .bus = "floppy-bus",
    .size = sizeof(Floppy),
    .props = floppy_props,
    .user_creatable = true,
    .realize = floppy_realize,
    .unrealize = floppy_unrealize,
    .info = floppy_info,
};
DEVICE_REGISTER(floppy_class)
