/* Intel 8042 keyboard controller with a PS/2 keyboard and mouse behind it.
 *
 * Three byte sources feed the one output buffer: the controller's own
 * replies (first; never blocked by the interface-disable bits), the
 * keyboard and the mouse.  A byte waits in its queue until the guest has
 * read the previous one; IRQ 1 or 12 is high while the buffer holds a byte
 * of that device and the command byte enables its interrupt. */
#include "hw/input/i8042.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"

#include <stdio.h>

#define STAT_OBF 0x01
#define STAT_SYS 0x04
#define STAT_CMD 0x08       /* last write went to port 0x64 */
#define STAT_UNLOCKED 0x10
#define STAT_AUX_OBF 0x20

#define CB_KBD_INT 0x01
#define CB_AUX_INT 0x02
#define CB_SYS 0x04
#define CB_KBD_DISABLE 0x10
#define CB_AUX_DISABLE 0x20
#define CB_XLATE 0x40

#define OUT_RESET 0x01      /* active low: 0 resets the CPU */
#define OUT_A20 0x02
#define OUT_KBD_IRQ 0x10
#define OUT_AUX_IRQ 0x20

#define QUEUE_LEN 16
#define ACK 0xfa
#define RESEND 0xfe

typedef struct ByteQueue {
    uint16_t data[QUEUE_LEN];   /* bit 8: the byte is mouse data */
    unsigned head, count;
} ByteQueue;

typedef struct Mouse {
    bool reporting, remote, wrap, scale21;
    uint8_t rate, resolution;
    uint8_t pending;            /* command waiting for its argument */
} Mouse;

typedef struct Kbd {
    bool scanning;
    uint8_t set;
    uint8_t pending;
    uint8_t last;               /* for the resend command */
} Kbd;

typedef struct I8042 {
    Device dev;
    uint8_t status;
    uint8_t ram[32];            /* ram[0] is the command byte */
    uint8_t outport;
    uint8_t obuf;
    bool obf, obuf_aux;
    uint8_t pending_cmd;        /* controller command waiting for data */
    ByteQueue ctrl_q, kbd_q, aux_q;
    Kbd kbd;
    Mouse mouse;
    MemoryRegion io_data, io_cmd;
} I8042;

#define CMD_BYTE(s) ((s)->ram[0])

static bool q_push(ByteQueue *q, uint16_t v)
{
    if (q->count == QUEUE_LEN)
        return false;
    q->data[(q->head + q->count++) % QUEUE_LEN] = v;
    return true;
}

static uint16_t q_pop(ByteQueue *q)
{
    uint16_t v = q->data[q->head];
    q->head = (q->head + 1) % QUEUE_LEN;
    q->count--;
    return v;
}

static void q_clear(ByteQueue *q)
{
    q->head = q->count = 0;
}

static void update_irqs(I8042 *s)
{
    Machine *m = s->dev.machine;
    int kbd = s->obf && !s->obuf_aux && (CMD_BYTE(s) & CB_KBD_INT);
    int aux = s->obf && s->obuf_aux && (CMD_BYTE(s) & CB_AUX_INT);
    if (m->gsi[1].level != kbd)
        irq_set(&m->gsi[1], kbd);
    if (m->gsi[12].level != aux)
        irq_set(&m->gsi[12], aux);
}

/* Move the next byte into an empty output buffer. */
static void fill_obuf(I8042 *s)
{
    ByteQueue *q = NULL;
    if (s->obf)
        return;
    if (s->ctrl_q.count)
        q = &s->ctrl_q;
    else if (s->kbd_q.count && !(CMD_BYTE(s) & CB_KBD_DISABLE))
        q = &s->kbd_q;
    else if (s->aux_q.count && !(CMD_BYTE(s) & CB_AUX_DISABLE))
        q = &s->aux_q;
    if (q) {
        uint16_t v = q_pop(q);
        s->obuf = (uint8_t)v;
        s->obuf_aux = v & 0x100;
        s->obf = true;
    }
    update_irqs(s);
}

static void ctrl_reply(I8042 *s, uint8_t v, bool aux)
{
    q_push(&s->ctrl_q, (uint16_t)(v | (aux ? 0x100 : 0)));
    fill_obuf(s);
}

static void kbd_send(I8042 *s, uint8_t v)
{
    s->kbd.last = v;
    q_push(&s->kbd_q, v);
    fill_obuf(s);
}

static void aux_send(I8042 *s, uint8_t v)
{
    q_push(&s->aux_q, 0x100 | v);
    fill_obuf(s);
}

/* --- the output port: CPU reset and A20 --- */

static void set_a20(I8042 *s, bool on)
{
    s->outport = on ? s->outport | OUT_A20 : s->outport & ~OUT_A20;
    if (s->dev.machine->a20 != on)
        machine_set_a20(s->dev.machine, on);
}

static void write_outport(I8042 *s, uint8_t v)
{
    s->outport = v;
    set_a20(s, v & OUT_A20);
    if (!(v & OUT_RESET))
        machine_request_reset(s->dev.machine);
}

static uint8_t read_outport(const I8042 *s)
{
    uint8_t v = s->outport & ~(OUT_KBD_IRQ | OUT_AUX_IRQ);
    if (s->obf)
        v |= s->obuf_aux ? OUT_AUX_IRQ : OUT_KBD_IRQ;
    return v;
}

/* Commands 0xf0-0xff pulse the output port bits that are 0 in the low
 * nibble for 6 us; bit 0 is the reset line (0xfe is the classic reset). */
static void pulse_outport(I8042 *s, uint8_t mask)
{
    if (!(mask & OUT_RESET))
        machine_request_reset(s->dev.machine);
}

static void write_cmd_byte(I8042 *s, uint8_t v)
{
    CMD_BYTE(s) = v;
    s->status = (s->status & ~STAT_SYS) | (v & CB_SYS);
    fill_obuf(s);
}

/* --- the keyboard --- */

static void kbd_defaults(I8042 *s)
{
    s->kbd.set = 2;
    s->kbd.pending = 0;
}

static void kbd_argument(I8042 *s, uint8_t cmd, uint8_t v)
{
    if (cmd != 0xf0) {              /* LEDs, typematic rate: accepted */
        kbd_send(s, ACK);
        return;
    }
    if (v == 0) {
        kbd_send(s, ACK);
        kbd_send(s, s->kbd.set);
    } else if (v <= 3) {
        s->kbd.set = v;
        kbd_send(s, ACK);
    } else {
        kbd_send(s, RESEND);
    }
}

static void kbd_command(I8042 *s, uint8_t v)
{
    switch (v) {
    case 0xff:                      /* reset and basic assurance test */
        q_clear(&s->kbd_q);
        kbd_defaults(s);
        s->kbd.scanning = true;
        kbd_send(s, ACK);
        kbd_send(s, 0xaa);
        break;
    case 0xf2:                      /* identify: MF2 keyboard */
        kbd_send(s, ACK);
        kbd_send(s, 0xab);
        kbd_send(s, (CMD_BYTE(s) & CB_XLATE) ? 0x41 : 0x83);
        break;
    case 0xed: case 0xf0: case 0xf3:
        s->kbd.pending = v;
        kbd_send(s, ACK);
        break;
    case 0xee: kbd_send(s, 0xee); break;
    case 0xf4: s->kbd.scanning = true; kbd_send(s, ACK); break;
    case 0xf5: kbd_defaults(s); s->kbd.scanning = false; kbd_send(s, ACK); break;
    case 0xf6: kbd_defaults(s); kbd_send(s, ACK); break;
    case 0xfe: kbd_send(s, s->kbd.last); break;
    default: kbd_send(s, RESEND); break;
    }
}

static void kbd_write(I8042 *s, uint8_t v)
{
    uint8_t pending = s->kbd.pending;
    s->kbd.pending = 0;
    if (pending && v < 0xed)
        kbd_argument(s, pending, v);
    else
        kbd_command(s, v);          /* a command aborts a pending one */
}

/* --- the mouse --- */

static void mouse_defaults(Mouse *ms)
{
    *ms = (Mouse){ .rate = 100, .resolution = 2 };
}

static void mouse_status(I8042 *s)
{
    const Mouse *ms = &s->mouse;
    aux_send(s, ACK);
    aux_send(s, (uint8_t)(ms->remote << 6 | ms->reporting << 5 | ms->scale21 << 4));
    aux_send(s, ms->resolution);
    aux_send(s, ms->rate);
}

static void mouse_command(I8042 *s, uint8_t v)
{
    Mouse *ms = &s->mouse;
    switch (v) {
    case 0xff:
        q_clear(&s->aux_q);
        mouse_defaults(ms);
        aux_send(s, ACK);
        aux_send(s, 0xaa);
        aux_send(s, 0x00);
        return;
    case 0xf2: aux_send(s, ACK); aux_send(s, 0x00); return;
    case 0xe9: mouse_status(s); return;
    case 0xeb:                      /* read data: an empty packet */
        aux_send(s, ACK);
        aux_send(s, 0x08); aux_send(s, 0); aux_send(s, 0);
        return;
    case 0xe8: case 0xf3: ms->pending = v; break;
    case 0xe6: ms->scale21 = false; break;
    case 0xe7: ms->scale21 = true; break;
    case 0xea: ms->remote = false; break;
    case 0xf0: ms->remote = true; break;
    case 0xec: ms->wrap = false; break;
    case 0xee: ms->wrap = true; break;
    case 0xf4: ms->reporting = true; break;
    case 0xf5: ms->reporting = false; break;
    case 0xf6: mouse_defaults(ms); break;
    default: aux_send(s, RESEND); return;
    }
    aux_send(s, ACK);
}

static void mouse_write(I8042 *s, uint8_t v)
{
    Mouse *ms = &s->mouse;
    if (ms->pending) {
        if (ms->pending == 0xe8)
            ms->resolution = v & 3;
        else
            ms->rate = v;
        ms->pending = 0;
        aux_send(s, ACK);
    } else if (ms->wrap && v != 0xff && v != 0xec) {
        aux_send(s, v);             /* wrap mode echoes */
    } else {
        mouse_command(s, v);
    }
}

/* --- controller commands --- */

/* Data byte for a command written to 0x64 earlier. */
static void ctrl_data(I8042 *s, uint8_t cmd, uint8_t v)
{
    if (cmd >= 0x60 && cmd <= 0x7f) {
        if (cmd == 0x60)
            write_cmd_byte(s, v);
        else
            s->ram[cmd & 0x1f] = v;
        return;
    }
    switch (cmd) {
    case 0xd1: write_outport(s, v); break;
    case 0xd2: ctrl_reply(s, v, false); break;
    case 0xd3: ctrl_reply(s, v, true); break;
    case 0xd4: mouse_write(s, v); break;
    default: break;
    }
}

static void ctrl_simple(I8042 *s, uint8_t cmd)
{
    switch (cmd) {
    case 0xa4: ctrl_reply(s, 0xf1, false); break;        /* no password */
    case 0xa7: CMD_BYTE(s) |= CB_AUX_DISABLE; break;
    case 0xa8: CMD_BYTE(s) &= ~CB_AUX_DISABLE; fill_obuf(s); break;
    case 0xa9: ctrl_reply(s, 0x00, false); break;        /* aux interface OK */
    case 0xaa:                                          /* self-test */
        s->status |= STAT_SYS;
        ctrl_reply(s, 0x55, false);
        break;
    case 0xab: ctrl_reply(s, 0x00, false); break;        /* kbd interface OK */
    case 0xad: CMD_BYTE(s) |= CB_KBD_DISABLE; break;
    case 0xae: CMD_BYTE(s) &= ~CB_KBD_DISABLE; fill_obuf(s); break;
    case 0xc0: ctrl_reply(s, 0x80, false); break;        /* input port: unlocked */
    case 0xd0: ctrl_reply(s, read_outport(s), false); break;
    case 0xd1: case 0xd2: case 0xd3: case 0xd4: s->pending_cmd = cmd; break;
    case 0xdd: set_a20(s, false); break;
    case 0xdf: set_a20(s, true); break;
    case 0xe0: ctrl_reply(s, 0x00, false); break;        /* test inputs */
    default:
        if (log_enabled(LOG_UNIMP))
            log_printf("i8042: controller command 0x%02x not implemented\n", cmd);
        break;
    }
}

static void ctrl_command(I8042 *s, uint8_t cmd)
{
    s->pending_cmd = 0;
    if (cmd >= 0x20 && cmd <= 0x3f)
        ctrl_reply(s, s->ram[cmd & 0x1f], false);
    else if (cmd >= 0x60 && cmd <= 0x7f)
        s->pending_cmd = cmd;
    else if (cmd >= 0xf0)
        pulse_outport(s, cmd & 0x0f);
    else
        ctrl_simple(s, cmd);
}

/* --- ports --- */

static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
    I8042 *s = opaque;
    uint8_t v = s->obuf;            /* an empty buffer reads its last byte */
    s->obf = false;
    /* Drop the IRQ line before the next byte raises it again, so an
     * edge-triggered PIC sees one interrupt per byte. */
    update_irqs(s);
    fill_obuf(s);
    return v;
}

static void data_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8042 *s = opaque;
    uint8_t cmd = s->pending_cmd;
    s->status &= ~STAT_CMD;
    s->pending_cmd = 0;
    if (cmd)
        ctrl_data(s, cmd, (uint8_t)val);
    else
        kbd_write(s, (uint8_t)val);
}

static const MemoryRegionOps data_ops = {
    .read = data_read, .write = data_write, .min_access = 1, .max_access = 1,
};

static uint64_t status_read(void *opaque, uint64_t off, unsigned size)
{
    I8042 *s = opaque;
    uint8_t v = s->status;
    if (s->obf)
        v |= STAT_OBF | (s->obuf_aux ? STAT_AUX_OBF : 0);
    return v;
}

static void cmd_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8042 *s = opaque;
    s->status |= STAT_CMD;
    ctrl_command(s, (uint8_t)val);
}

static const MemoryRegionOps cmd_ops = {
    .read = status_read, .write = cmd_write, .min_access = 1, .max_access = 1,
};

bool i8042_queue_kbd(Device *dev, const uint8_t *bytes, size_t n)
{
    I8042 *s = (I8042 *)dev;
    if (!s->kbd.scanning)
        return true;
    if (QUEUE_LEN - s->kbd_q.count < n)
        return false;
    for (size_t i = 0; i < n && q_push(&s->kbd_q, bytes[i]); i++)
        fill_obuf(s);
    return true;
}

void i8042_queue_aux(Device *dev, const uint8_t *bytes, size_t n)
{
    I8042 *s = (I8042 *)dev;
    if (!s->mouse.reporting || QUEUE_LEN - s->aux_q.count < n)
        return;
    for (size_t i = 0; i < n && q_push(&s->aux_q, (uint16_t)(0x100 | bytes[i])); i++)
        fill_obuf(s);
}

int i8042_guest_scancode_set(Device *dev)
{
    I8042 *s = (I8042 *)dev;
    if ((CMD_BYTE(s) & CB_XLATE) && s->kbd.set == 2)
        return 1;
    return s->kbd.set;
}

static void i8042_reset(Device *dev)
{
    I8042 *s = (I8042 *)dev;
    s->status = STAT_CMD | STAT_UNLOCKED;
    for (size_t i = 0; i < sizeof(s->ram); i++)
        s->ram[i] = 0;
    CMD_BYTE(s) = CB_KBD_INT | CB_AUX_INT;
    s->outport = 0xc0 | OUT_A20 | OUT_RESET;    /* clock/data lines idle high */
    s->obf = false;
    s->pending_cmd = 0;
    q_clear(&s->ctrl_q);
    q_clear(&s->kbd_q);
    q_clear(&s->aux_q);
    kbd_defaults(s);
    s->kbd.scanning = true;
    mouse_defaults(&s->mouse);
    update_irqs(s);
}

static int i8042_realize(Device *dev, Machine *m)
{
    I8042 *s = (I8042 *)dev;
    mr_init_io(&s->io_data, "i8042-data", 1, &data_ops, s);
    mr_init_io(&s->io_cmd, "i8042-cmd", 1, &cmd_ops, s);
    as_map(&m->io, &s->io_data, 0x60, 0);
    as_map(&m->io, &s->io_cmd, 0x64, 0);
    return 0;
}

static void i8042_unrealize(Device *dev)
{
    I8042 *s = (I8042 *)dev;
    as_unmap(s->io_data.as, &s->io_data);
    as_unmap(s->io_cmd.as, &s->io_cmd);
}

static void i8042_info(Device *dev, char *buf, size_t len)
{
    I8042 *s = (I8042 *)dev;
    snprintf(buf, len, "status=%02x cmd=%02x outport=%02x queued kbd=%u aux=%u",
             (unsigned)status_read(s, 0, 1), CMD_BYTE(s), read_outport(s),
             s->kbd_q.count, s->aux_q.count);
}

static DeviceClass i8042_class = {
    .name = "i8042",
    .desc = "ISA keyboard controller (8042) with PS/2 keyboard and mouse",
    .bus = "isa",
    .size = sizeof(I8042),
    .realize = i8042_realize,
    .reset = i8042_reset,
    .unrealize = i8042_unrealize,
    .info = i8042_info,
};
DEVICE_REGISTER(i8042_class)
