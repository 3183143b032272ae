/* National Semiconductor 16550A UART.
 *
 * Transmission is instant: a byte written to THR goes to the chardev (or,
 * in loopback mode, to the receiver) at once, so THR and the transmitter
 * are always empty and the THRE interrupt follows every write.  Reception
 * goes through the 16-byte FIFO (or the single holding register with FIFOs
 * off); the character timeout interrupt fires after four character times
 * without FIFO activity, timed on the virtual clock at the programmed baud
 * rate and frame format. */
#include "hw/char/serial.h"
#include "hw/core/clock.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/chardev.h"

#include <stdio.h>

enum { R_RBR, R_IER, R_IIR, R_LCR, R_MCR, R_LSR, R_MSR, R_SCR };

#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MSI 0x08

#define IIR_NONE 0x01
#define IIR_MSI 0x00
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_DMA 0x08

#define LCR_STOP2 0x04
#define LCR_PARITY 0x08
#define LCR_BREAK 0x40
#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_FIFO_ERR 0x80
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define FIFO_LEN 16
#define UART_CLOCK 1843200

typedef struct Fifo {
    uint8_t data[FIFO_LEN];
    unsigned head, count;
} Fifo;

typedef struct Serial {
    Device dev;
    uint32_t iobase, irq;
    struct Chardev *chr;
    uint16_t divisor;
    uint8_t ier, lcr, mcr, msr, scr, fcr;
    uint8_t lsr_err;            /* OE/PE/FE/BI until LSR is read */
    uint8_t last_rx;            /* RBR read with nothing received */
    bool thr_ipending, timeout_ipending;
    Fifo rx;
    Timer timeout_timer;
    MemoryRegion io;
} Serial;

static bool fifo_on(const Serial *s) { return s->fcr & FCR_ENABLE; }
static bool loopback(const Serial *s) { return s->mcr & MCR_LOOP; }

static unsigned rx_capacity(const Serial *s)
{
    return fifo_on(s) ? FIFO_LEN : 1;
}

static unsigned rx_trigger(const Serial *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return fifo_on(s) ? levels[s->fcr >> 6] : 1;
}

/* The interrupt the UART presents, by the datasheet's priorities. */
static uint8_t pending_id(const Serial *s)
{
    if ((s->ier & IER_RLS) && (s->lsr_err & LSR_ERRORS))
        return IIR_RLS;
    if ((s->ier & IER_RDA) && s->rx.count >= rx_trigger(s))
        return IIR_RDA;
    if ((s->ier & IER_RDA) && s->timeout_ipending)
        return IIR_TIMEOUT;
    if ((s->ier & IER_THRE) && s->thr_ipending)
        return IIR_THRE;
    if ((s->ier & IER_MSI) && (s->msr & 0x0f))
        return IIR_MSI;
    return IIR_NONE;
}

/* The PC routes INTRPT through OUT2; kemu, like QEMU, does not gate it, so
 * guests that forget OUT2 still get their interrupts. */
static void update_irq(Serial *s)
{
    IrqLine *line = &s->dev.machine->gsi[s->irq];
    int level = pending_id(s) != IIR_NONE;
    if (line->level != level)
        irq_set(line, level);
}

/* n characters on the line, each a start bit, data, parity, stop bits. */
static int64_t chars_ns(const Serial *s, int n)
{
    int bits = 1 + 5 + (s->lcr & 3) + !!(s->lcr & LCR_PARITY) + ((s->lcr & LCR_STOP2) ? 2 : 1);
    int64_t div = s->divisor ? s->divisor : 1;
    return (int64_t)n * bits * div * 16 * NS_PER_SEC / UART_CLOCK;
}

static void restart_timeout(Serial *s)
{
    if (fifo_on(s) && s->rx.count)
        timer_mod(&s->timeout_timer, clock_ns() + chars_ns(s, 4));
    else
        timer_del(&s->timeout_timer);
}

static void timeout_cb(void *opaque)
{
    Serial *s = opaque;
    if (fifo_on(s) && s->rx.count) {
        s->timeout_ipending = true;
        update_irq(s);
    }
}

static void rx_clear(Serial *s)
{
    s->rx.head = s->rx.count = 0;
    s->timeout_ipending = false;
    timer_del(&s->timeout_timer);
}

/* A character arrives at the receiver. */
static void rx_byte(Serial *s, uint8_t b)
{
    Fifo *f = &s->rx;
    if (f->count < rx_capacity(s)) {
        f->data[(f->head + f->count++) % FIFO_LEN] = b;
    } else {
        s->lsr_err |= LSR_OE;
        if (!fifo_on(s))
            f->data[f->head] = b;   /* the 16450 overwrites RBR */
    }
    if (!s->timeout_ipending)       /* only a read clears a timeout */
        restart_timeout(s);
    update_irq(s);
}

/* --- modem status --- */

/* The modem inputs: looped back from MCR, or a host end that is always
 * connected and ready. */
static uint8_t modem_inputs(const Serial *s)
{
    if (!loopback(s))
        return MSR_CTS | MSR_DSR | MSR_DCD;
    uint8_t m = 0;
    if (s->mcr & MCR_RTS) m |= MSR_CTS;
    if (s->mcr & MCR_DTR) m |= MSR_DSR;
    if (s->mcr & MCR_OUT1) m |= MSR_RI;
    if (s->mcr & MCR_OUT2) m |= MSR_DCD;
    return m;
}

static void update_msr(Serial *s)
{
    uint8_t old = s->msr & 0xf0, now = modem_inputs(s), changed = old ^ now;
    uint8_t delta = 0;
    if (changed & MSR_CTS) delta |= MSR_DCTS;
    if (changed & MSR_DSR) delta |= MSR_DDSR;
    if ((old & MSR_RI) && !(now & MSR_RI)) delta |= MSR_TERI;   /* trailing edge */
    if (changed & MSR_DCD) delta |= MSR_DDCD;
    s->msr = now | (s->msr & 0x0f) | delta;
}

/* --- register reads --- */

static uint8_t read_rbr(Serial *s)
{
    if (s->lcr & LCR_DLAB)
        return s->divisor & 0xff;
    Fifo *f = &s->rx;
    if (f->count) {
        s->last_rx = f->data[f->head];
        f->head = (f->head + 1) % FIFO_LEN;
        f->count--;
    }
    s->timeout_ipending = false;
    restart_timeout(s);
    update_irq(s);
    if (s->chr && !loopback(s))
        chr_accept_input(s->chr);
    return s->last_rx;
}

static uint8_t read_ier(Serial *s)
{
    return (s->lcr & LCR_DLAB) ? s->divisor >> 8 : s->ier;
}

/* Reading IIR while it reports THRE clears that interrupt. */
static uint8_t read_iir(Serial *s)
{
    uint8_t id = pending_id(s);
    if (id == IIR_THRE) {
        s->thr_ipending = false;
        update_irq(s);
    }
    return id | (fifo_on(s) ? IIR_FIFO : 0);
}

static uint8_t read_lcr(Serial *s) { return s->lcr; }
static uint8_t read_mcr(Serial *s) { return s->mcr; }
static uint8_t read_scr(Serial *s) { return s->scr; }

static uint8_t read_lsr(Serial *s)
{
    uint8_t v = LSR_THRE | LSR_TEMT | s->lsr_err | (s->rx.count ? LSR_DR : 0);
    if (fifo_on(s) && (s->lsr_err & (LSR_PE | LSR_FE | LSR_BI)))
        v |= LSR_FIFO_ERR;          /* a received character had an error */
    s->lsr_err = 0;
    update_irq(s);
    return v;
}

static uint8_t read_msr(Serial *s)
{
    uint8_t v = s->msr;
    s->msr &= 0xf0;
    update_irq(s);
    return v;
}

/* --- register writes --- */

static void write_thr(Serial *s, uint8_t v)
{
    if (s->lcr & LCR_DLAB) {
        s->divisor = (s->divisor & 0xff00) | v;
        return;
    }
    if (loopback(s))
        rx_byte(s, v);
    else if (s->chr)
        chr_write(s->chr, &v, 1);
    s->thr_ipending = true;         /* sent at once: THR is empty again */
    update_irq(s);
}

static void write_ier(Serial *s, uint8_t v)
{
    if (s->lcr & LCR_DLAB) {
        s->divisor = (uint16_t)((s->divisor & 0xff) | v << 8);
        return;
    }
    /* Enabling THRE with THR empty interrupts at once. */
    if ((v & IER_THRE) && !(s->ier & IER_THRE))
        s->thr_ipending = true;
    s->ier = v & 0x0f;
    update_irq(s);
}

static void write_fcr(Serial *s, uint8_t v)
{
    if ((v ^ s->fcr) & FCR_ENABLE)
        rx_clear(s);                /* switching FIFO mode empties them */
    if (!(v & FCR_ENABLE)) {
        s->fcr = 0;
    } else {
        if (v & FCR_CLEAR_RX)
            rx_clear(s);
        s->fcr = v & (0xc0 | FCR_DMA | FCR_ENABLE);
    }
    update_irq(s);
}

static void write_lcr(Serial *s, uint8_t v)
{
    bool brk = (v & LCR_BREAK) && !(s->lcr & LCR_BREAK);
    s->lcr = v;
    if (brk && loopback(s)) {       /* the receiver sees the break */
        s->lsr_err |= LSR_BI;
        rx_byte(s, 0);
    }
}

static void write_mcr(Serial *s, uint8_t v)
{
    bool was_loop = loopback(s);
    s->mcr = v & 0x1f;
    update_msr(s);
    update_irq(s);
    if (was_loop && !loopback(s) && s->chr)
        chr_accept_input(s->chr);
}

static void write_scr(Serial *s, uint8_t v) { s->scr = v; }
static void write_ignored(Serial *s, uint8_t v) { (void)s; (void)v; }

static uint8_t (*const reg_read[8])(Serial *s) = {
    read_rbr, read_ier, read_iir, read_lcr, read_mcr, read_lsr, read_msr, read_scr,
};

/* LSR and MSR writes are factory test hooks: ignored. */
static void (*const reg_write[8])(Serial *s, uint8_t v) = {
    write_thr, write_ier, write_fcr, write_lcr, write_mcr, write_ignored, write_ignored,
    write_scr,
};

static uint64_t serial_read(void *opaque, uint64_t off, unsigned size)
{
    return reg_read[off & 7](opaque);
}

static void serial_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    reg_write[off & 7](opaque, (uint8_t)val);
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read, .write = serial_write, .min_access = 1, .max_access = 1,
};

/* --- the chardev side --- */

size_t serial_can_receive(Device *dev)
{
    Serial *s = (Serial *)dev;
    return loopback(s) ? 0 : rx_capacity(s) - s->rx.count;
}

void serial_receive(Device *dev, const uint8_t *buf, size_t len)
{
    Serial *s = (Serial *)dev;
    if (loopback(s))
        return;                     /* SIN is disconnected */
    for (size_t i = 0; i < len; i++)
        rx_byte(s, buf[i]);
}

static size_t chr_can_read_cb(void *opaque) { return serial_can_receive(opaque); }

static void chr_read_cb(void *opaque, const uint8_t *buf, size_t len)
{
    serial_receive(opaque, buf, len);
}

static void chr_event_cb(void *opaque, int event)
{
    Serial *s = opaque;
    if (event == CHR_EVENT_BREAK && !loopback(s)) {
        s->lsr_err |= LSR_BI;
        rx_byte(s, 0);
    }
}

/* Master reset: divisor, scratch and the holding registers survive. */
static void serial_reset(Device *dev)
{
    Serial *s = (Serial *)dev;
    s->ier = s->lcr = s->mcr = s->fcr = 0;
    s->lsr_err = 0;
    s->thr_ipending = false;
    rx_clear(s);
    s->msr = 0;
    update_msr(s);
    s->msr &= 0xf0;
    update_irq(s);
}

static int serial_realize(Device *dev, Machine *m)
{
    Serial *s = (Serial *)dev;
    if (s->irq >= NUM_GSI || s->iobase > 0x10000 - 8) {
        error_report("-device isa-serial: iobase=0x%x,irq=%u out of range", s->iobase, s->irq);
        return -1;
    }
    s->divisor = 12;                /* 9600 baud until the guest says otherwise */
    timer_init(&s->timeout_timer, timeout_cb, s);
    mr_init_io(&s->io, "serial", 8, &serial_ops, s);
    as_map(&m->io, &s->io, s->iobase, 0);
    if (s->chr) {
        ChrFrontend fe = { .can_read = chr_can_read_cb, .read = chr_read_cb,
                           .event = chr_event_cb, .opaque = s };
        chr_attach(s->chr, &fe);
    }
    return 0;
}

static void serial_unrealize(Device *dev)
{
    Serial *s = (Serial *)dev;
    timer_del(&s->timeout_timer);
    as_unmap(s->io.as, &s->io);
}

static void serial_info(Device *dev, char *buf, size_t len)
{
    Serial *s = (Serial *)dev;
    snprintf(buf, len, "iobase=0x%x irq=%u chardev=%s baud=%u lcr=%02x ier=%02x mcr=%02x "
             "fifo=%s rx=%u", s->iobase, s->irq, s->chr ? chr_label(s->chr) : "none",
             UART_CLOCK / 16 / (s->divisor ? s->divisor : 1), s->lcr, s->ier, s->mcr,
             fifo_on(s) ? "on" : "off", s->rx.count);
}

static const Property serial_props[] = {
    DEFINE_PROP("iobase", Serial, iobase, PROP_U32, 0x3f8),
    DEFINE_PROP("irq", Serial, irq, PROP_U32, 4),
    DEFINE_PROP("chardev", Serial, chr, PROP_CHARDEV, 0),
    PROP_END,
};

static DeviceClass serial_class = {
    .name = "isa-serial",
    .desc = "16550A UART",
    .bus = "isa",
    .size = sizeof(Serial),
    .props = serial_props,
    .user_creatable = true,
    .realize = serial_realize,
    .reset = serial_reset,
    .unrealize = serial_unrealize,
    .info = serial_info,
};
DEVICE_REGISTER(serial_class)
