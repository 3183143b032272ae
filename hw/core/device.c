#include "hw/core/device.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/opts.h"
#include "hw/core/util.h"
#include "hw/core/chardev.h"

#include <stdlib.h>
#include <string.h>

static DeviceClass *classes;

void device_class_register(DeviceClass *cls)
{
    /* Keep the list sorted by name so `-device help` needs no sorting. */
    DeviceClass **p = &classes;
    while (*p && strcmp((*p)->name, cls->name) < 0)
        p = &(*p)->next;
    cls->next = *p;
    *p = cls;
}

const DeviceClass *device_class_find(const char *name)
{
    for (DeviceClass *c = classes; c; c = c->next) {
        if (!strcmp(c->name, name))
            return c;
    }
    return NULL;
}

void device_class_foreach(void (*fn)(const DeviceClass *cls, void *opaque), void *opaque)
{
    for (DeviceClass *c = classes; c; c = c->next)
        fn(c, opaque);
}

static const Property *find_prop(const DeviceClass *cls, const char *name)
{
    for (const Property *p = cls->props; p && p->name; p++) {
        if (!strcmp(p->name, name))
            return p;
    }
    return NULL;
}

static int set_prop(Device *dev, const Property *p, const char *value)
{
    void *field = (char *)dev + p->offset;
    uint64_t v;
    bool b;
    switch (p->type) {
    case PROP_U32:
        if (parse_uint(value, &v) || v > UINT32_MAX)
            goto bad;
        *(uint32_t *)field = (uint32_t)v;
        return 0;
    case PROP_U64:
        if (parse_size(value, 'B', &v))
            goto bad;
        *(uint64_t *)field = v;
        return 0;
    case PROP_BOOL:
        if (parse_bool(value, &b))
            goto bad;
        *(bool *)field = b;
        return 0;
    case PROP_STR:
        free(*(char **)field);
        *(char **)field = xstrdup(value);
        return 0;
    case PROP_CHARDEV: {
        Chardev *chr = chr_find(value);
        if (!chr) {
            error_report("-device %s: property '%s': chardev '%s' not found",
                         dev->cls->name, p->name, value);
            return -1;
        }
        *(Chardev **)field = chr;
        return 0;
    }
    }
bad:
    error_report("-device %s: property '%s': invalid value '%s'", dev->cls->name, p->name, value);
    return -1;
}

int device_set_prop(Device *dev, const char *name, const char *value)
{
    if (!strcmp(name, "id")) {
        free(dev->id);
        dev->id = xstrdup(value);
        return 0;
    }
    const Property *p = find_prop(dev->cls, name);
    if (!p) {
        error_report("-device %s: property '%s' not found", dev->cls->name, name);
        return -1;
    }
    return set_prop(dev, p, value);
}

static void apply_defaults(Device *dev)
{
    for (const Property *p = dev->cls->props; p && p->name; p++) {
        void *field = (char *)dev + p->offset;
        switch (p->type) {
        case PROP_U32: *(uint32_t *)field = (uint32_t)p->def; break;
        case PROP_U64: *(uint64_t *)field = p->def; break;
        case PROP_BOOL: *(bool *)field = p->def != 0; break;
        case PROP_STR: *(char **)field = p->def_str ? xstrdup(p->def_str) : NULL; break;
        case PROP_CHARDEV: *(Chardev **)field = NULL; break;
        }
    }
}

static void device_free(Device *dev)
{
    for (const Property *p = dev->cls->props; p && p->name; p++) {
        if (p->type == PROP_STR)
            free(*(char **)((char *)dev + p->offset));
    }
    free(dev->id);
    free(dev);
}

Device *device_create(const char *name, const char *props)
{
    const DeviceClass *cls = device_class_find(name);
    if (!cls) {
        error_report("-device %s: unknown device (see -device help)", name);
        return NULL;
    }
    if (cls->size < sizeof(Device))
        KEMU_BUG("device state smaller than Device");
    Device *dev = xzalloc(cls->size);
    dev->cls = cls;
    apply_defaults(dev);
    if (props && *props) {
        Opts o;
        const char *err;
        if (opts_parse(&o, props, NULL, &err)) {
            error_report("-device %s: %s", name, err);
            device_free(dev);
            return NULL;
        }
        for (size_t i = 0; i < o.n; i++) {
            if (device_set_prop(dev, o.v[i].key, o.v[i].val)) {
                opts_free(&o);
                device_free(dev);
                return NULL;
            }
        }
        opts_free(&o);
    }
    return dev;
}

int device_realize(Device *dev, Machine *m)
{
    dev->machine = m;
    if (dev->cls->realize && dev->cls->realize(dev, m)) {
        device_free(dev);
        return -1;
    }
    Device **p = &m->devices;
    while (*p)
        p = &(*p)->next;
    *p = dev;
    if (dev->cls->reset)
        dev->cls->reset(dev);
    return 0;
}

Device *device_create_fatal(Machine *m, const char *name, const char *props)
{
    Device *dev = device_create(name, props);
    if (!dev || device_realize(dev, m))
        exit(1);
    return dev;
}
