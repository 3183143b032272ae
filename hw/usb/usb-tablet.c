/* usb-tablet: a full-speed USB HID pointer reporting absolute positions
 * (Device Class Definition for HID 1.11), so a guest's pointer follows the
 * host's without any grab.  One interface, one interrupt IN endpoint; each
 * report is buttons (left, right, middle), X and Y in 0..0x7fff and a
 * relative wheel.  The endpoint answers NAK until the pointer changes, so
 * an idle tablet costs the guest's polling nothing but the poll.  Vendor
 * and product id and strings are QEMU's tablet's, which guests' input
 * configurations already know. */
#include "hw/core/error.h"
#include "hw/core/input.h"
#include "hw/core/machine.h"
#include "hw/usb/usb.h"

#include <stdio.h>
#include <string.h>

#define HID_GET_REPORT   0x01
#define HID_GET_IDLE     0x02
#define HID_GET_PROTOCOL 0x03
#define HID_SET_REPORT   0x09
#define HID_SET_IDLE     0x0a
#define HID_SET_PROTOCOL 0x0b
#define DESC_HID    0x21
#define DESC_REPORT 0x22
#define REPORT_LEN 6

static const uint8_t report_desc[] = {
    0x05, 0x01, 0x09, 0x02,             /* Generic Desktop, Mouse */
    0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, /* Application, Pointer, Physical */
    0x05, 0x09, 0x19, 0x01, 0x29, 0x03, /* Buttons 1..3 */
    0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, /* 3 x 1 bit */
    0x95, 0x01, 0x75, 0x05, 0x81, 0x01, /* 5 bits padding */
    0x05, 0x01, 0x09, 0x30, 0x09, 0x31, /* X, Y */
    0x15, 0x00, 0x26, 0xff, 0x7f,       /* logical 0..0x7fff */
    0x35, 0x00, 0x46, 0xff, 0x7f,       /* physical the same */
    0x75, 0x10, 0x95, 0x02, 0x81, 0x02, /* 2 x 16 bits, absolute */
    0x09, 0x38, 0x15, 0x81, 0x25, 0x7f, /* Wheel -127..127 */
    0x35, 0x00, 0x45, 0x00, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06, /* relative */
    0xc0, 0xc0,
};

static const uint8_t dev_desc[18] = {
    18, 1, 0x00, 0x02,                  /* USB 2.0 (full speed) */
    0, 0, 0, 8,                         /* class per interface, ep0 8 bytes */
    0x27, 0x06, 0x01, 0x00,             /* 0627:0001 */
    0x00, 0x00, 1, 2, 3, 1,             /* strings 1-3, one configuration */
};

#define HID_DESC 18                     /* where it sits in config_desc */
static const uint8_t config_desc[34] = {
    9, 2, 34, 0, 1, 1, 0, 0xa0, 50,     /* bus powered, remote wakeup, 100 mA */
    9, 4, 0, 0, 1, 3, 0, 0, 0,          /* interface 0: HID, one endpoint */
    9, DESC_HID, 0x01, 0x01, 0, 1, DESC_REPORT, sizeof(report_desc), 0,
    7, 5, 0x81, 0x03, 8, 0, 10,         /* EP1 IN interrupt, 8 bytes, 10 ms */
};

static const char *const strings[] = { "QEMU", "QEMU USB Tablet", "28754" };

typedef struct UsbTablet {
    Device dev;
    USBDevice usb;
    int x, y, dz, buttons;
    bool changed;
    uint8_t idle, protocol;
} UsbTablet;

static void fill_report(UsbTablet *s, uint8_t *r)
{
    int dz = s->dz < -127 ? -127 : s->dz > 127 ? 127 : s->dz;
    r[0] = (uint8_t)s->buttons;
    r[1] = (uint8_t)s->x;
    r[2] = (uint8_t)(s->x >> 8);
    r[3] = (uint8_t)s->y;
    r[4] = (uint8_t)(s->y >> 8);
    r[5] = (uint8_t)-dz;                /* HID: up is positive */
    s->dz -= dz;
    s->changed = s->dz != 0;
}

static int tablet_control(USBDevice *d, const USBSetup *st, uint8_t *data)
{
    UsbTablet *s = d->opaque;
    if (st->type == 0x81 && st->request == 6) {          /* GET_DESCRIPTOR */
        if (st->value >> 8 == DESC_REPORT) {
            memcpy(data, report_desc, sizeof(report_desc));
            return sizeof(report_desc);
        }
        if (st->value >> 8 == DESC_HID) {
            memcpy(data, config_desc + HID_DESC, 9);
            return 9;
        }
        return USB_RET_STALL;
    }
    switch (st->type << 8 | st->request) {
    case 0xa100 | HID_GET_REPORT:
        fill_report(s, data);
        return REPORT_LEN;
    case 0xa100 | HID_GET_IDLE:
        data[0] = s->idle;
        return 1;
    case 0xa100 | HID_GET_PROTOCOL:
        data[0] = s->protocol;
        return 1;
    case 0x2100 | HID_SET_IDLE:
        s->idle = (uint8_t)(st->value >> 8);
        return 0;
    case 0x2100 | HID_SET_PROTOCOL:
        s->protocol = (uint8_t)st->value;
        return 0;
    case 0x2100 | HID_SET_REPORT:       /* no output reports: accepted */
        return 0;
    }
    return USB_RET_STALL;
}

static int tablet_data(USBDevice *d, int pid, int ep, uint8_t *buf, int len)
{
    UsbTablet *s = d->opaque;
    if (pid != USB_TOKEN_IN || ep != 1)
        return USB_RET_STALL;
    if (!s->changed)
        return USB_RET_NAK;
    uint8_t r[REPORT_LEN];
    fill_report(s, r);
    len = len < REPORT_LEN ? len : REPORT_LEN;
    memcpy(buf, r, (size_t)len);
    return len;
}

static void tablet_usb_reset(USBDevice *d)
{
    UsbTablet *s = d->opaque;
    s->idle = 0;
    s->protocol = 1;
    s->dz = 0;
    s->changed = false;
}

static const USBDeviceOps tablet_usb_ops = {
    .control = tablet_control,
    .data = tablet_data,
    .reset = tablet_usb_reset,
};

static void tablet_event(void *opaque, int x, int y, int dz, int buttons)
{
    UsbTablet *s = opaque;
    int b = buttons & 7;
    if (x == s->x && y == s->y && !dz && b == s->buttons)
        return;
    s->x = x;
    s->y = y;
    s->dz += dz;
    s->dz = s->dz < -1024 ? -1024 : s->dz > 1024 ? 1024 : s->dz;
    s->buttons = b;
    s->changed = true;
}

static const InputAbsOps tablet_input_ops = { tablet_event };

static int tablet_realize(Device *dev, Machine *m)
{
    UsbTablet *s = (UsbTablet *)dev;
    s->usb = (USBDevice){ .ops = &tablet_usb_ops, .opaque = s, .product = strings[1],
                          .id = dev->id, .dev_desc = dev_desc, .config_desc = config_desc,
                          .strings = strings, .nstrings = 3 };
    if (!usb_bus_present()) {
        error_report("-device usb-tablet: no USB bus for it (add -usb or "
                     "-device piix3-usb-uhci before it)");
        return -1;
    }
    if (usb_attach(&s->usb)) {
        error_report("-device usb-tablet: every USB port is taken");
        return -1;
    }
    input_abs_register("QEMU HID Tablet", &tablet_input_ops, s);
    return 0;
}

static void tablet_unrealize(Device *dev)
{
    UsbTablet *s = (UsbTablet *)dev;
    input_abs_unregister(s);
    usb_detach(&s->usb);
}

static void tablet_info(Device *dev, char *buf, size_t len)
{
    UsbTablet *s = (UsbTablet *)dev;
    snprintf(buf, len, "addr %u port %d x %d y %d buttons %d", s->usb.addr,
             s->usb.port ? s->usb.port->index : 0, s->x, s->y, s->buttons);
}

static DeviceClass usb_tablet_class = {
    .name = "usb-tablet",
    .desc = "USB HID tablet: absolute pointer (0627:0001)",
    .bus = "usb",
    .size = sizeof(UsbTablet),
    .user_creatable = true,
    .realize = tablet_realize,
    .unrealize = tablet_unrealize,
    .info = tablet_info,
};
DEVICE_REGISTER(usb_tablet_class)
