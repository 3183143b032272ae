/* The default control pipe every USB device has (USB 2.0, 8.5.3 and 9.4):
 * SETUP, an optional data stage, a status stage the other way.  The
 * standard requests are answered here from the device's descriptors; a
 * request that changes state (SET_ADDRESS above all) takes effect at its
 * status stage, as the spec says, so the host still reaches the device at
 * its old address until then. */
#include "hw/usb/usb.h"

#include <string.h>

enum { CTL_IDLE, CTL_DATA_IN, CTL_DATA_OUT, CTL_STATUS_IN, CTL_STATUS_OUT };

#define REQ_GET_STATUS     0
#define REQ_CLEAR_FEATURE  1
#define REQ_SET_FEATURE    3
#define REQ_SET_ADDRESS    5
#define REQ_GET_DESCRIPTOR 6
#define REQ_GET_CONFIG     8
#define REQ_SET_CONFIG     9
#define REQ_GET_INTERFACE  10
#define REQ_SET_INTERFACE  11
#define DESC_DEVICE 1
#define DESC_CONFIG 2
#define DESC_STRING 3
#define FEATURE_REMOTE_WAKEUP 1

void usb_device_reset(USBDevice *d)
{
    d->addr = 0;
    d->config = 0;
    d->remote_wakeup = false;
    d->ctl_stage = CTL_IDLE;
    if (d->ops->reset)
        d->ops->reset(d);
}

/* String descriptor idx: UTF-16LE of the ASCII string; 0 lists English. */
static int string_desc(const USBDevice *d, int idx, uint8_t *out)
{
    if (idx == 0) {
        static const uint8_t langs[] = { 4, DESC_STRING, 0x09, 0x04 };
        memcpy(out, langs, sizeof(langs));
        return sizeof(langs);
    }
    if (idx > d->nstrings || !d->strings[idx - 1])
        return USB_RET_STALL;
    const char *s = d->strings[idx - 1];
    int n = 2;
    for (; *s && n + 2 <= USB_CTL_BUF && n + 2 <= 254; s++, n += 2) {
        out[n] = (uint8_t)*s;
        out[n + 1] = 0;
    }
    out[0] = (uint8_t)n;
    out[1] = DESC_STRING;
    return n;
}

static int copy_desc(uint8_t *out, const uint8_t *desc, int len)
{
    len = len > USB_CTL_BUF ? USB_CTL_BUF : len;
    memcpy(out, desc, (size_t)len);
    return len;
}

static int get_descriptor(USBDevice *d, const USBSetup *s, uint8_t *out)
{
    switch (s->value >> 8) {
    case DESC_DEVICE:
        return copy_desc(out, d->dev_desc, d->dev_desc[0]);
    case DESC_CONFIG:
        if ((s->value & 0xff) != 0)
            return USB_RET_STALL;
        return copy_desc(out, d->config_desc, d->config_desc[2] | d->config_desc[3] << 8);
    case DESC_STRING:
        return string_desc(d, s->value & 0xff, out);
    }
    return d->ops->control(d, s, out);   /* class descriptors, or a stall */
}

/* Standard requests to the device (type 0x00/0x80). */
static int device_request(USBDevice *d, const USBSetup *s, uint8_t *data)
{
    switch (s->request) {
    case REQ_GET_STATUS:
        data[0] = d->remote_wakeup ? 2 : 0;
        data[1] = 0;
        return 2;
    case REQ_CLEAR_FEATURE:
    case REQ_SET_FEATURE:
        if (s->value != FEATURE_REMOTE_WAKEUP)
            return USB_RET_STALL;
        d->remote_wakeup = s->request == REQ_SET_FEATURE;
        return 0;
    case REQ_SET_ADDRESS:
        if (s->value > 127)
            return USB_RET_STALL;
        d->addr = (uint8_t)s->value;
        return 0;
    case REQ_GET_DESCRIPTOR:
        return get_descriptor(d, s, data);
    case REQ_GET_CONFIG:
        data[0] = d->config;
        return 1;
    case REQ_SET_CONFIG:
        if (s->value > 1)
            return USB_RET_STALL;
        d->config = (uint8_t)s->value;
        return 0;
    }
    return USB_RET_STALL;
}

/* Standard requests to an interface or endpoint: one interface with one
 * setting, endpoints that never halt. */
static int other_request(const USBSetup *s, uint8_t *data)
{
    switch (s->request) {
    case REQ_GET_STATUS:
        data[0] = data[1] = 0;
        return 2;
    case REQ_CLEAR_FEATURE:
    case REQ_SET_FEATURE:
        return 0;
    case REQ_GET_INTERFACE:
        data[0] = 0;
        return 1;
    case REQ_SET_INTERFACE:
        return s->value == 0 ? 0 : USB_RET_STALL;
    }
    return USB_RET_STALL;
}

static int run_request(USBDevice *d, const USBSetup *s, uint8_t *data)
{
    if ((s->type & 0x60) != 0)                    /* class or vendor */
        return d->ops->control(d, s, data);
    if ((s->type & 0x1f) == 0)
        return device_request(d, s, data);
    if (s->request == REQ_GET_DESCRIPTOR)         /* e.g. HID report descriptor */
        return d->ops->control(d, s, data);
    return other_request(s, data);
}

static int do_setup(USBDevice *d, const uint8_t *buf, int len)
{
    if (len != 8) {
        d->ctl_stage = CTL_IDLE;
        return USB_RET_STALL;
    }
    USBSetup *s = &d->setup;
    *s = (USBSetup){ buf[0], buf[1], (uint16_t)(buf[2] | buf[3] << 8),
                     (uint16_t)(buf[4] | buf[5] << 8), (uint16_t)(buf[6] | buf[7] << 8) };
    d->ctl_pos = 0;
    if (s->type & 0x80) {
        memset(d->ctl_buf, 0, sizeof(d->ctl_buf));
        int r = run_request(d, s, d->ctl_buf);
        if (r < 0) {
            d->ctl_stage = CTL_IDLE;
            return USB_RET_STALL;
        }
        d->ctl_len = r < s->length ? r : s->length;
        d->ctl_stage = CTL_DATA_IN;
        return 8;
    }
    if (s->length > USB_CTL_BUF) {
        d->ctl_stage = CTL_IDLE;
        return USB_RET_STALL;
    }
    d->ctl_len = s->length;
    d->ctl_stage = s->length ? CTL_DATA_OUT : CTL_STATUS_IN;
    return 8;
}

static int do_in(USBDevice *d, uint8_t *buf, int len)
{
    if (d->ctl_stage == CTL_DATA_IN) {
        int n = d->ctl_len - d->ctl_pos;
        n = n < len ? n : len;
        memcpy(buf, d->ctl_buf + d->ctl_pos, (size_t)n);
        d->ctl_pos += n;
        return n;
    }
    if (d->ctl_stage == CTL_STATUS_IN) {          /* now the OUT request acts */
        d->ctl_stage = CTL_IDLE;
        return run_request(d, &d->setup, d->ctl_buf) < 0 ? USB_RET_STALL : 0;
    }
    return USB_RET_STALL;
}

static int do_out(USBDevice *d, const uint8_t *buf, int len)
{
    if (d->ctl_stage == CTL_DATA_IN || d->ctl_stage == CTL_STATUS_OUT) {
        d->ctl_stage = CTL_IDLE;                  /* status stage */
        return 0;
    }
    if (d->ctl_stage == CTL_DATA_OUT) {
        int n = d->ctl_len - d->ctl_pos;
        n = n < len ? n : len;
        memcpy(d->ctl_buf + d->ctl_pos, buf, (size_t)n);
        d->ctl_pos += n;
        if (d->ctl_pos == d->ctl_len)
            d->ctl_stage = CTL_STATUS_IN;
        return n;
    }
    return USB_RET_STALL;
}

int usb_handle_packet(USBDevice *d, int pid, int ep, uint8_t *buf, int len)
{
    if (len < 0)
        return USB_RET_STALL;
    if (ep != 0) {
        if (!d->config || pid == USB_TOKEN_SETUP)
            return USB_RET_STALL;
        int r = d->ops->data(d, pid, ep, buf, len);
        return r > len ? len : r;
    }
    switch (pid) {
    case USB_TOKEN_SETUP:
        return do_setup(d, buf, len);
    case USB_TOKEN_IN:
        return do_in(d, buf, len);
    case USB_TOKEN_OUT:
        return do_out(d, buf, len);
    }
    return USB_RET_STALL;
}
