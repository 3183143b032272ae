/* USB devices and the ports they plug into (USB 2.0 spec, ch. 8 and 9).
 *
 * A host controller offers ports (usb_port_register); a USB device model
 * plugs into the first free one (usb_attach) and from then on sees only
 * packets: the controller hands each transaction it finds in the guest's
 * schedule to usb_handle_packet(), which runs the default control pipe
 * (standard requests, SET_ADDRESS taking effect after the status stage,
 * descriptors) itself and passes class requests and the other endpoints to
 * the device.  Lengths are checked here, so a device model never sees a
 * buffer larger than what the transaction carries. */
#ifndef KEMU_USB_H
#define KEMU_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USB_TOKEN_SETUP 0x2d
#define USB_TOKEN_IN    0x69
#define USB_TOKEN_OUT   0xe1

/* usb_handle_packet results other than a byte count. */
#define USB_RET_NAK   (-1)     /* nothing to send (yet): try again later */
#define USB_RET_STALL (-2)     /* request or endpoint refused */

#define USB_CTL_BUF 256        /* longest control transfer data stage */

typedef struct USBSetup {
    uint8_t type, request;     /* bmRequestType, bRequest */
    uint16_t value, index, length;
} USBSetup;

typedef struct USBDevice USBDevice;

typedef struct USBDeviceOps {
    /* A control request the core does not answer (class and vendor
     * requests, class descriptors).  Device-to-host: fill data (room for
     * setup->length bytes, at most USB_CTL_BUF) and return the byte count;
     * host-to-device: data holds setup->length bytes, return 0.
     * USB_RET_STALL refuses. */
    int (*control)(USBDevice *d, const USBSetup *setup, uint8_t *data);
    /* A transaction on endpoint ep (1-15) of the configured device: an IN
     * fills at most len bytes and returns the count, an OUT takes len. */
    int (*data)(USBDevice *d, int pid, int ep, uint8_t *buf, int len);
    /* Bus reset seen by the device (the core resets its own state). */
    void (*reset)(USBDevice *d);
} USBDeviceOps;

struct USBDevice {
    const USBDeviceOps *ops;
    void *opaque;
    const char *product;       /* `info usb` */
    const char *id;            /* -device id=, may be NULL */
    const uint8_t *dev_desc;   /* 18 bytes */
    const uint8_t *config_desc; /* wTotalLength bytes */
    const char *const *strings; /* index 1..nstrings */
    int nstrings;
    struct USBPort *port;
    /* what the host has set */
    uint8_t addr, config;
    bool remote_wakeup;
    /* the default control pipe */
    int ctl_stage;
    USBSetup setup;
    uint8_t ctl_buf[USB_CTL_BUF];
    int ctl_len, ctl_pos;
};

typedef struct USBPort {
    USBDevice *dev;
    int index;                 /* 1-based, as `info usb` shows it */
    int bus;                   /* which controller, from 0 */
    /* The controller notices a device plugged in (dev set) or out. */
    void (*attach)(struct USBPort *p);
    void *opaque;
    struct USBPort *next;
} USBPort;

/* Controllers: ports join (and leave) the machine's list of ports. */
void usb_port_register(USBPort *p);
void usb_port_unregister(USBPort *p);
bool usb_bus_present(void);
/* Devices: plug d into the first free port; -1 when there is none. */
int usb_attach(USBDevice *d);
void usb_detach(USBDevice *d);
/* Visit every plugged-in device (for `info usb`). */
void usb_foreach_port(void (*fn)(const USBPort *p, void *opaque), void *opaque);

/* Bus reset: address 0, unconfigured, control pipe idle. */
void usb_device_reset(USBDevice *d);
/* One transaction to device d: returns the bytes moved (never more than
 * len) or USB_RET_*. */
int usb_handle_packet(USBDevice *d, int pid, int ep, uint8_t *buf, int len);

#endif
