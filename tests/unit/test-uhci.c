/* The PIIX3 UHCI controller with a usb-tablet on the CPU-less board,
 * driven as Linux's uhci-hcd drives it: port reset and enable, control
 * transfers built from TDs in a QH hung off the frame list (descriptors,
 * SET_ADDRESS taking effect after its status stage, SET_CONFIGURATION),
 * the tablet's interrupt endpoint NAKing until the pointer moves, and
 * schedules a hostile guest would build (pointers outside RAM, loops,
 * illegal lengths). */
#include "harness.h"
#include "unit.h"
#include "hw/core/input.h"
#include "hw/core/pci.h"

#include <string.h>

#define IO 0xc000
#define FL 0x10000             /* frame list */
#define QH 0x11000
#define TDS 0x12000            /* TD i at TDS + 32 * i */
#define BUF 0x14000            /* TD i's buffer at BUF + 64 * i */
#define TD(i) (TDS + 32u * (i))
#define TBUF(i) (BUF + 64u * (i))

#define SETUP 0x2d
#define IN 0x69
#define OUT 0xe1
#define ACTIVE (1u << 23)
#define STALLED (1u << 22)
#define NAKED (1u << 19)
#define TIMEOUT (1u << 18)
#define IOC (1u << 24)

static int devno;

static void poke32(uint64_t a, uint32_t v) { as_write(&harness_machine()->mem, a, &v, 4); }
static uint32_t peek32(uint64_t a)
{
    uint32_t v = 0;
    as_read(&harness_machine()->mem, a, &v, 4);
    return v;
}

static void cfg_write(unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (unsigned)devno << 8 | reg);
    outl(0xcfc, v);
}

static void setup(void)
{
    harness_init();
    harness_device("i440FX-pcihost", NULL);
    harness_device("piix3-usb-uhci", "addr=1.2");
    harness_device("usb-tablet", NULL);
    machine_reset(harness_machine());
    devno = PCI_DEVFN(1, 2);
    outl(0xcf8, 0x80000000u | (unsigned)devno << 8);
    REQUIRE(inl(0xcfc) == 0x70208086, "UHCI not at 01.2");
    cfg_write(0x20, IO);                                  /* BAR 4 */
    cfg_write(0x04, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
}

static uint32_t token(int pid, int addr, int ep, int toggle, int len)
{
    return (uint32_t)pid | (uint32_t)addr << 8 | (uint32_t)ep << 15 | (uint32_t)toggle << 19 |
           ((uint32_t)(len - 1) & 0x7ff) << 21;
}

/* TD i, linked depth first to TD i+1 (or terminating when last). */
static void td(int i, bool last, int pid, int addr, int ep, int toggle, int len)
{
    poke32(TD(i), last ? 1 : TD(i + 1) | 4);
    poke32(TD(i) + 4, ACTIVE | (3u << 27) | (pid == IN && !last ? 1u << 29 : 0) |
           (last ? IOC : 0));
    poke32(TD(i) + 8, token(pid, addr, ep, toggle, len));
    poke32(TD(i) + 12, TBUF(i));
}

/* Every frame runs the one QH, whose queue starts at TD 0. */
static void start_schedule(void)
{
    for (int f = 0; f < 1024; f++)
        poke32(FL + 4u * f, QH | 2);
    poke32(QH, 1);
    poke32(QH + 4, TD(0));
    outl(IO + 8, FL);
    outw(IO + 4, 0xf);                                    /* all interrupts */
    outw(IO, 0x41);                                       /* CF | RS */
}

static void port_reset_enable(void)
{
    outw(IO + 0x10, 0x200);
    outw(IO + 0x10, 0);
    outw(IO + 0x10, 0x4);
}

/* A control transfer on the default pipe: SETUP, IN stages of 8 bytes
 * for len bytes (or none), status the other way.  Returns the number of
 * TDs used; runs a few frames. */
static int control(int addr, const uint8_t setup_pkt[8], int len)
{
    int n = 0;
    as_write(&harness_machine()->mem, TBUF(0), setup_pkt, 8);
    td(n++, false, SETUP, addr, 0, 0, 8);
    for (int got = 0; got < len; got += 8, n++)
        td(n, false, IN, addr, 0, !(n & 1), len - got < 8 ? len - got : 8);
    td(n, true, len ? OUT : IN, addr, 0, 1, 0);
    poke32(QH + 4, TD(0));
    clock_advance(5 * 1000000);
    return n + 1;
}

TEST(uhci, registers_after_reset)
{
    setup();
    CHECK_EQ(inw(IO + 2), 0x20);                           /* halted */
    CHECK_EQ(inb(IO + 0xc), 64);                           /* SOF modify */
    CHECK_EQ(inw(IO + 0x10), 0x93);                        /* tablet: connect + change */
    CHECK_EQ(inw(IO + 0x12), 0x80);                        /* empty port */
    CHECK(!(inw(IO + 0x14) & 0x80));                       /* no third port */
    outw(IO + 0x10, 0x2);                                  /* clear the change */
    CHECK_EQ(inw(IO + 0x10), 0x91);
    outw(IO + 0x12, 0x4);                                  /* nothing there to enable */
    CHECK_EQ(inw(IO + 0x12) & 0x4, 0);
}

TEST(uhci, frames_advance_only_while_running)
{
    setup();
    outl(IO + 8, FL);
    for (int f = 0; f < 1024; f++)
        poke32(FL + 4u * f, 1);
    clock_advance(10 * 1000000);
    CHECK_EQ(inw(IO + 6), 0);
    outw(IO, 1);
    CHECK_EQ(inw(IO + 2) & 0x20, 0);
    clock_advance(10 * 1000000);
    CHECK_EQ(inw(IO + 6), 10);
    outw(IO, 0);
    CHECK_EQ(inw(IO + 2) & 0x20, 0x20);
    clock_advance(10 * 1000000);
    CHECK_EQ(inw(IO + 6), 10);
}

TEST(uhci, get_device_descriptor)
{
    setup();
    port_reset_enable();
    start_schedule();
    int n = control(0, (const uint8_t[]){ 0x80, 6, 0, 1, 0, 0, 18, 0 }, 18);
    for (int i = 0; i < n; i++)
        CHECK_EQ(peek32(TD(i) + 4) & (ACTIVE | STALLED | TIMEOUT), 0);
    CHECK_EQ(peek32(TD(3) + 4) & 0x7ff, 1);                /* 2 bytes, n-1 encoded */
    uint8_t d[8];
    as_read(&harness_machine()->mem, TBUF(1), d, 8);
    CHECK_EQ(d[0], 18);
    CHECK_EQ(d[1], 1);
    as_read(&harness_machine()->mem, TBUF(2), d, 8);
    CHECK_EQ(d[0] | d[1] << 8, 0x0627);                    /* idVendor */
    CHECK_EQ(peek32(QH + 4) & 1, 1);                       /* the queue ran dry */
    CHECK(inw(IO + 2) & 1);                                /* IOC: USBINT */
    outw(IO + 2, 1);
    CHECK_EQ(inw(IO + 2) & 1, 0);
}

TEST(uhci, set_address_after_status_stage)
{
    setup();
    port_reset_enable();
    start_schedule();
    control(0, (const uint8_t[]){ 0, 5, 7, 0, 0, 0, 0, 0 }, 0);
    CHECK_EQ(peek32(TD(1) + 4) & (ACTIVE | STALLED | TIMEOUT), 0);
    control(0, (const uint8_t[]){ 0x80, 6, 0, 1, 0, 0, 8, 0 }, 8);
    CHECK(peek32(TD(0) + 4) & TIMEOUT);                    /* nobody at 0 now */
    CHECK(inw(IO + 2) & 2);                                /* error interrupt */
    control(7, (const uint8_t[]){ 0x80, 6, 0, 1, 0, 0, 8, 0 }, 8);
    CHECK_EQ(peek32(TD(2) + 4) & (ACTIVE | STALLED | TIMEOUT), 0);
}

TEST(uhci, tablet_reports_absolute_position)
{
    setup();
    port_reset_enable();
    start_schedule();
    control(0, (const uint8_t[]){ 0x81, 6, 0, 0x22, 0, 0, 64, 0 }, 64);
    uint8_t rd[8];
    as_read(&harness_machine()->mem, TBUF(1), rd, 8);
    CHECK_EQ(rd[0], 0x05);                                 /* report descriptor */
    CHECK_EQ(rd[3], 0x02);                                 /* mouse usage */
    control(0, (const uint8_t[]){ 0, 9, 1, 0, 0, 0, 0, 0 }, 0);   /* configured */
    td(0, true, IN, 0, 1, 0, 8);
    poke32(QH + 4, TD(0));
    clock_advance(3 * 1000000);
    CHECK(peek32(TD(0) + 4) & ACTIVE);                     /* no change: NAK */
    CHECK(peek32(TD(0) + 4) & NAKED);
    input_abs_event(0x1234, 0x7fff, 1, INPUT_BTN_LEFT | INPUT_BTN_MIDDLE);
    clock_advance(2 * 1000000);
    CHECK_EQ(peek32(TD(0) + 4) & ACTIVE, 0);
    CHECK_EQ(peek32(TD(0) + 4) & 0x7ff, 5);                /* 6 bytes */
    uint8_t r[6];
    as_read(&harness_machine()->mem, TBUF(0), r, 6);
    CHECK_EQ(r[0], 5);
    CHECK_EQ(r[1] | r[2] << 8, 0x1234);
    CHECK_EQ(r[3] | r[4] << 8, 0x7fff);
    CHECK_EQ(r[5], 0xff);                                  /* wheel down one step */
    td(0, true, IN, 0, 1, 1, 8);
    poke32(QH + 4, TD(0));
    clock_advance(3 * 1000000);
    CHECK(peek32(TD(0) + 4) & ACTIVE);                     /* reported once */
}

TEST(uhci, endpoint_before_configuration_stalls)
{
    setup();
    port_reset_enable();
    start_schedule();
    td(0, true, IN, 0, 1, 0, 8);
    poke32(QH + 4, TD(0));
    clock_advance(2 * 1000000);
    CHECK(peek32(TD(0) + 4) & STALLED);
    CHECK_EQ(peek32(TD(0) + 4) & ACTIVE, 0);
}

TEST(uhci, hostile_frame_list_outside_ram)
{
    setup();
    outl(IO + 8, 0xfffff000u);
    outw(IO + 4, 0xf);
    outw(IO, 1);
    gsi_clear();
    clock_advance(3 * 1000000);
    CHECK_EQ(inw(IO + 2) & 0x28, 0x28);                    /* host system error, halted */
    CHECK_EQ(inw(IO) & 1, 0);
}

TEST(uhci, hostile_loops_end_each_frame)
{
    setup();
    port_reset_enable();
    for (int f = 0; f < 1024; f++)
        poke32(FL + 4u * f, QH | 2);
    poke32(QH, QH | 2);                                    /* QH to itself */
    poke32(QH + 4, TD(0));
    poke32(QH + 0x10, QH | 2);                             /* and a second QH back */
    /* a TD that completes and links depth first to itself, forever */
    poke32(TD(0), TD(0) | 4);
    poke32(TD(0) + 4, ACTIVE);
    poke32(TD(0) + 8, token(OUT, 0, 0, 0, 0));
    outl(IO + 8, FL);
    outw(IO, 1);
    clock_advance(5 * 1000000);                            /* returns: bounded */
    CHECK_EQ(inw(IO + 6), 5);
    poke32(TD(1), TD(2));                                  /* lone TDs in a ring */
    poke32(TD(2), TD(1));
    for (int f = 0; f < 1024; f++)
        poke32(FL + 4u * f, TD(1));
    clock_advance(5 * 1000000);
    CHECK_EQ(inw(IO + 6), 10);
}

TEST(uhci, hostile_max_length)
{
    setup();
    port_reset_enable();
    start_schedule();
    td(0, true, SETUP, 0, 0, 0, 8);
    poke32(TD(0) + 8, token(SETUP, 0, 0, 0, 0x600));       /* MaxLen past 1280 */
    clock_advance(2 * 1000000);
    CHECK_EQ(inw(IO + 2) & 0x30, 0x30);                    /* process error, halted */
}

TEST(uhci, hostile_buffer_outside_ram)
{
    setup();
    port_reset_enable();
    start_schedule();
    control(0, (const uint8_t[]){ 0x80, 6, 0, 1, 0, 0, 18, 0 }, 8);
    CHECK_EQ(inw(IO + 2) & 0x28, 0);
    td(0, false, SETUP, 0, 0, 0, 8);
    td(1, true, IN, 0, 0, 1, 8);
    poke32(TD(1) + 12, 0xfffffff0u);                       /* data beyond RAM */
    poke32(QH + 4, TD(0));
    clock_advance(2 * 1000000);
    CHECK_EQ(inw(IO + 2) & 0x28, 0x28);
}
