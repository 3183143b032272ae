/* The device registry.  Each device file defines one DeviceClass and
 * registers it with DEVICE_REGISTER at the bottom; nothing else in the tree
 * lists devices.  -device NAME,prop=val..., `-device help`, `info qtree` and
 * reset all work from the registry. */
#ifndef KEMU_DEVICE_H
#define KEMU_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct Machine;
struct Chardev;

typedef enum {
    PROP_U32,
    PROP_U64,       /* also accepts size suffixes */
    PROP_BOOL,
    PROP_STR,       /* char * owned by the device (xstrdup'd) */
    PROP_CHARDEV,   /* name of a chardev, resolved to struct Chardev * */
} PropType;

typedef struct Property {
    const char *name;
    PropType type;
    size_t offset;          /* into the device's state struct */
    uint64_t def;           /* default for numbers/bools */
    const char *def_str;    /* default for strings */
} Property;

#define PROP_END { .name = NULL }
#define DEFINE_PROP(n, st, field, t, d) \
    { .name = (n), .type = (t), .offset = offsetof(st, field), .def = (d) }
#define DEFINE_PROP_STR(n, st, field, d) \
    { .name = (n), .type = PROP_STR, .offset = offsetof(st, field), .def_str = (d) }

typedef struct Device Device;

typedef struct DeviceClass {
    const char *name;
    const char *desc;
    const char *bus;        /* "isa", "pci", "sys": shown by -device help */
    size_t size;            /* of the state struct, which starts with Device */
    const Property *props;
    bool user_creatable;    /* may be named by -device */
    /* Map regions, wire IRQs. Returns 0, or -1 after error_report(). */
    int (*realize)(Device *dev, struct Machine *m);
    void (*reset)(Device *dev);
    void (*unrealize)(Device *dev);
    /* One line of state for `info qtree` (may be NULL). */
    void (*info)(Device *dev, char *buf, size_t len);
    /* The buses this device provides, for `info qtree`: child_buses of
     * them, named child_bus_name.N, holding the devices whose .bus is
     * child_bus_type ("PCI" holds "pci" devices: compared ignoring case). */
    const char *child_bus_type, *child_bus_name;
    int child_buses;
    /* Which of its parent's buses a device is on (NULL: the first). */
    int (*bus_index)(Device *dev);
    struct DeviceClass *next;
} DeviceClass;

struct Device {
    const DeviceClass *cls;
    char *id;
    struct Machine *machine;
    Device *next;           /* in the machine's device list */
};

void device_class_register(DeviceClass *cls);
#define DEVICE_REGISTER(cls) \
    static void __attribute__((constructor)) register_##cls(void) \
    { device_class_register(&(cls)); }

const DeviceClass *device_class_find(const char *name);
/* Iterate registered classes in name order (for -device help). */
void device_class_foreach(void (*fn)(const DeviceClass *cls, void *opaque), void *opaque);

/* Create a device: allocate, apply defaults, then the properties given as a
 * QEMU option string ("iobase=0xf4,iosize=4", may be NULL).  Does not
 * realize.  Returns NULL after error_report() on an unknown property or a
 * bad value. */
Device *device_create(const char *name, const char *props);
/* Set one property from a string. Returns 0 or -1 after error_report(). */
int device_set_prop(Device *dev, const char *name, const char *value);
/* Realize and append to the machine's list; -1 on failure (dev is freed). */
int device_realize(Device *dev, struct Machine *m);
/* create + realize, fatal on error: for devices the board always has. */
Device *device_create_fatal(struct Machine *m, const char *name, const char *props);

#endif
