/* `-device help` and `-device NAME,help`, from the device registry. */
#include "ui/device-help.h"
#include "hw/core/device.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void list_one(const DeviceClass *cls, void *opaque)
{
    if (!cls->user_creatable)
        return;
    /* QEMU's bus type names: ISA, PCI, IDE in capitals, floppy-bus as is. */
    char bus[16] = "System";
    if (cls->bus && *cls->bus) {
        size_t i;
        bool upper = strlen(cls->bus) <= 3;
        for (i = 0; cls->bus[i] && i < sizeof(bus) - 1; i++)
            bus[i] = upper ? (char)toupper((unsigned char)cls->bus[i]) : cls->bus[i];
        bus[i] = '\0';
    }
    printf("name \"%s\", bus %s", cls->name, bus);
    if (cls->desc)
        printf(", desc \"%s\"", cls->desc);
    printf("\n");
}

static const char *type_name(PropType t)
{
    switch (t) {
    case PROP_U32: return "uint32";
    case PROP_U64: return "uint64";
    case PROP_BOOL: return "bool";
    case PROP_STR: return "str";
    case PROP_CHARDEV: return "str";
    }
    return "?";
}

static void list_props(const DeviceClass *cls)
{
    printf("%s options:\n", cls->name);
    for (const Property *p = cls->props; p && p->name; p++) {
        char left[64];
        snprintf(left, sizeof(left), "%s=<%s>", p->name, type_name(p->type));
        printf("  %-22s -", left);
        if (p->type == PROP_U32 || p->type == PROP_U64)
            printf("  (default: %" PRIu64 ")", p->def);
        else if (p->type == PROP_BOOL)
            printf("  (default: %s)", p->def ? "true" : "false");
        else if (p->type == PROP_STR && p->def_str)
            printf("  (default: \"%s\")", p->def_str);
        printf("\n");
    }
}

/* QEMU models users name for disks that kemu has no counterpart for. */
static const struct {
    const char *names, *what;
} missing[] = {
    { " scsi-hd scsi-cd scsi-disk scsi-generic scsi-block lsi53c895a lsi53c810 lsi megasas "
      "megasas-gen2 mptsas1068 am53c974 dc390 pvscsi virtio-scsi-pci virtio-scsi-device ",
      "SCSI is not supported yet (no SCSI controller or SCSI disk model; "
      "use an IDE or virtio-blk disk)" },
    { " sd-card sdhci-pci sysbus-sdhci ",
      "SD cards are not supported yet (no SD host controller or sd-card model)" },
    { " nvme nvme-ns ahci ich9-ahci usb-storage usb-bot usb-uas ",
      "this storage model is not supported yet (kemu has IDE, virtio-blk and floppy disks)" },
};

void device_report_unknown(const char *spec, const char *name)
{
    char key[136];
    snprintf(key, sizeof(key), " %s ", name);
    for (size_t i = 0; i < ARRAY_SIZE(missing); i++) {
        if (strstr(missing[i].names, key)) {
            error_report("-device %s: %s", spec, missing[i].what);
            return;
        }
    }
    error_report("-device %s: '%s' is not a valid device model name", spec, name);
}

int device_help(const char *spec)
{
    if (!strcmp(spec, "help") || !strcmp(spec, "?")) {
        device_class_foreach(list_one, NULL);
        return 1;
    }
    size_t n = strcspn(spec, ",");
    const char *rest = spec + n;
    if (strcmp(rest, ",help") && strcmp(rest, ",?"))
        return 0;
    char name[128];
    snprintf(name, sizeof(name), "%.*s", (int)MIN(n, sizeof(name) - 1), spec);
    const DeviceClass *cls = device_class_find(name);
    if (!cls) {
        device_report_unknown(spec, name);
        return -1;
    }
    list_props(cls);
    return 1;
}
