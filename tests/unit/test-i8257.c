/* The 8237 DMA pair through its ports with a test device on the ISA DMA
 * interface: address and count read back through the flip-flop, status
 * (terminal count cleared on read, requests), masks (single, all, read
 * back, set at TC without auto-initialize), auto-initialize, decrement
 * mode, the 16-bit channels' word addressing and 128 KiB pages, transfer
 * directions, and every access clipped to the programmed block. */
#include "harness.h"
#include "unit.h"
#include "hw/core/isa-dma.h"

#include <string.h>

/* The test device: moves up to `chunk` bytes per call, in `dir`. */
static struct {
    uint8_t data[0x20000];
    int chunk, calls, last_moved;
    bool to_mem;
} dev;

static int handler(void *opaque, int chan, int pos, int size)
{
    Machine *m = opaque;
    int n = size - pos < dev.chunk ? size - pos : dev.chunk;
    dev.calls++;
    dev.last_moved = dev.to_mem ? isa_dma_write(m, chan, dev.data + pos, pos, n)
                                : isa_dma_read(m, chan, dev.data + pos, pos, n);
    return pos + dev.last_moved;
}

static uint8_t *ram(uint64_t a)
{
    uint8_t *p = as_ram_ptr(&harness_machine()->mem, a, 1, true);
    REQUIRE(p != NULL, "not RAM");
    return p;
}

static Machine *setup(int chan)
{
    Machine *m = harness_init();
    Device *dma = harness_device("i8257", NULL);
    dma->cls->reset(dma);
    memset(&dev, 0, sizeof(dev));
    dev.chunk = 1 << 20;
    for (int i = 0; i < (int)sizeof(dev.data); i++)
        dev.data[i] = (uint8_t)(i * 13 + 1);
    CHECK_EQ(isa_dma_register(m, chan, handler, m), 0);
    return m;
}

/* Channel 1 (8-bit): mode, addr, count-1, page 0x83. */
static void program1(uint8_t mode, uint16_t addr, uint16_t count, uint8_t page)
{
    outb(0x0a, 0x05);                               /* mask channel 1 */
    outb(0x0c, 0);
    outb(0x0b, mode | 1);
    outb(0x02, (uint8_t)addr);
    outb(0x02, (uint8_t)(addr >> 8));
    outb(0x03, (uint8_t)(count - 1));
    outb(0x03, (uint8_t)((count - 1) >> 8));
    outb(0x83, page);
}

TEST(i8257, registers_read_back)
{
    setup(1);
    program1(0x44, 0x1234, 0x100, 0x05);
    outb(0x0c, 0);
    CHECK_EQ(inb(0x02), 0x34);
    CHECK_EQ(inb(0x02), 0x12);
    CHECK_EQ(inb(0x03), 0xff);
    CHECK_EQ(inb(0x03), 0x00);
    CHECK_EQ(inb(0x83), 0x05);
    CHECK_EQ(inb(0x0f) & 0x0f, 0x0f);               /* all masked after reset */
    outb(0x0a, 0x01);                               /* unmask 1 */
    CHECK_EQ(inb(0x0f) & 0x0f, 0x0d);
    outb(0x0f, 0x05);
    CHECK_EQ(inb(0x0f) & 0x0f, 0x05);
    outb(0x0e, 0);                                  /* clear all masks */
    CHECK_EQ(inb(0x0f) & 0x0f, 0x00);
    outb(0x0d, 0);                                  /* master clear */
    CHECK_EQ(inb(0x0f) & 0x0f, 0x0f);
}

TEST(i8257, transfer_to_memory_sets_tc_and_mask)
{
    Machine *m = setup(1);
    dev.to_mem = true;
    memset(ram(0x50000), 0xaa, 0x400);
    program1(0x44, 0x0100, 0x200, 0x05);            /* single, device to memory */
    outb(0x0a, 0x01);
    isa_dma_hold(m, 1);
    CHECK_EQ(dev.calls, 1);
    CHECK(!memcmp(ram(0x50100), dev.data, 0x200));
    CHECK_EQ(*ram(0x500ff), 0xaa);
    CHECK_EQ(*ram(0x50300), 0xaa);
    CHECK_EQ(inb(0x08) & 0x22, 0x22);               /* TC 1, request 1 */
    CHECK_EQ(inb(0x08) & 0x02, 0);                  /* TC cleared by the read */
    CHECK_EQ(inb(0x0f) & 0x02, 0x02);               /* masked at TC */
    outb(0x0c, 0);
    CHECK_EQ(inb(0x03), 0xff);                      /* count rolled to 0xffff */
    CHECK_EQ(inb(0x03), 0xff);
    isa_dma_release(m, 1);
    CHECK_EQ(inb(0x08) & 0x20, 0);
}

TEST(i8257, masked_channel_waits_then_runs_in_chunks)
{
    Machine *m = setup(1);
    dev.to_mem = true;
    dev.chunk = 0x80;
    program1(0x44, 0x0000, 0x200, 0x06);
    isa_dma_hold(m, 1);
    CHECK_EQ(dev.calls, 0);                         /* still masked */
    outb(0x0a, 0x01);
    CHECK(dev.calls >= 4);                          /* 4 chunks of 0x80 */
    CHECK(!memcmp(ram(0x60000), dev.data, 0x200));
}

TEST(i8257, autoinit_and_decrement)
{
    Machine *m = setup(1);
    dev.to_mem = true;
    dev.chunk = 0x10;
    program1(0x64, 0x00ff, 0x10, 0x07);             /* decrement from 0x700ff */
    outb(0x0a, 0x01);
    isa_dma_hold(m, 1);
    isa_dma_release(m, 1);
    for (int i = 0; i < 0x10; i++)
        CHECK_EQ(*ram(0x700ff - i), dev.data[i]);
    CHECK_EQ(inb(0x0f) & 0x02, 0x02);
    program1(0x54, 0x0000, 0x10, 0x07);             /* auto-initialize */
    outb(0x0a, 0x01);
    dev.calls = 0;
    isa_dma_hold(m, 1);
    isa_dma_release(m, 1);
    CHECK_EQ(inb(0x0f) & 0x02, 0);                  /* still unmasked */
    outb(0x0c, 0);
    CHECK_EQ(inb(0x02), 0x00);                      /* address back at its base */
}

TEST(i8257, word_channel_addresses_words)
{
    Machine *m = setup(5);
    dev.to_mem = true;
    outb(0xd4, 0x05);                               /* mask 5 */
    outb(0xd8, 0);
    outb(0xd6, 0x45);                               /* single, to memory, channel 5 */
    outb(0xc4, 0x00);                               /* word address 0x8000 -> byte 0x10000 */
    outb(0xc4, 0x80);
    outb(0xc6, 0xff);                               /* 0x100 words */
    outb(0xc6, 0x00);
    outb(0x8b, 0x02);                               /* page: bits 17-23 */
    outb(0xd4, 0x01);
    isa_dma_hold(m, 5);
    CHECK(!memcmp(ram(0x30000), dev.data, 0x200));
}

TEST(i8257, accesses_stay_inside_the_block_and_ram)
{
    Machine *m = setup(1);
    dev.to_mem = true;
    memset(ram(0x80000), 0x55, 0x10000);
    program1(0x44, 0xff00, 0x200, 0x08);            /* wraps inside the 64 KiB page */
    outb(0x0a, 0x01);
    isa_dma_hold(m, 1);
    CHECK(!memcmp(ram(0x8ff00), dev.data, 0x100));
    CHECK(!memcmp(ram(0x80000), dev.data + 0x100, 0x100));
    CHECK_EQ(*ram(0x80100), 0x55);
    uint8_t buf[0x400];
    CHECK_EQ(isa_dma_write(m, 1, buf, 0x180, 0x400), 0x80);   /* clipped to the block */
    CHECK_EQ(isa_dma_write(m, 1, buf, 0x200, 1), 0);
    CHECK_EQ(isa_dma_write(m, 1, buf, -1, 1), 0);
    program1(0x44, 0x0000, 0x100, 0xf0);            /* above the harness's RAM */
    outb(0x0a, 0x01);
    CHECK_EQ(isa_dma_write(m, 1, buf, 0, 0x100), 0);
    program1(0x48, 0x0000, 0x100, 0x08);            /* memory to device: a read */
    memset(ram(0x80000), 0x77, 0x100);
    CHECK_EQ(isa_dma_read(m, 1, buf, 0, 0x100), 0x100);
    CHECK_EQ(buf[0xff], 0x77);
    CHECK_EQ(isa_dma_write(m, 1, dev.data, 0, 0x100), 0x100); /* wrong way: memory untouched */
    CHECK_EQ(*ram(0x80000), 0x77);
}
