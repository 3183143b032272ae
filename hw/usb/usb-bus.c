/* The machine's USB ports and which device sits in each (see usb.h). */
#include "hw/usb/usb.h"

static USBPort *ports;

void usb_port_register(USBPort *p)
{
    USBPort **pp = &ports;
    while (*pp)
        pp = &(*pp)->next;
    p->next = NULL;
    *pp = p;
}

void usb_port_unregister(USBPort *p)
{
    for (USBPort **pp = &ports; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            if (p->dev)
                p->dev->port = NULL;
            p->dev = NULL;
            return;
        }
    }
}

bool usb_bus_present(void)
{
    return ports != NULL;
}

int usb_attach(USBDevice *d)
{
    for (USBPort *p = ports; p; p = p->next) {
        if (p->dev)
            continue;
        p->dev = d;
        d->port = p;
        usb_device_reset(d);
        if (p->attach)
            p->attach(p);
        return 0;
    }
    return -1;
}

void usb_detach(USBDevice *d)
{
    USBPort *p = d->port;
    if (!p)
        return;
    p->dev = NULL;
    d->port = NULL;
    if (p->attach)
        p->attach(p);
}

void usb_foreach_port(void (*fn)(const USBPort *p, void *opaque), void *opaque)
{
    for (USBPort *p = ports; p; p = p->next)
        fn(p, opaque);
}
