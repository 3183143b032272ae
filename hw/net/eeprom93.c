/* After the start bit, the 2-bit opcode and the address, a READ shifts the
 * addressed word out MSB first on the following rising clocks, and runs on
 * into the next words for as long as the clock does. */
#include "hw/net/eeprom93.h"

#include <string.h>

#define OP_READ 2

void eeprom93_init(Eeprom93 *e, const uint16_t *data, unsigned words, unsigned abits)
{
    memset(e, 0, sizeof(*e));
    e->data = data;
    e->words = words;
    e->abits = abits;
}

static void clock_in(Eeprom93 *e, bool di)
{
    if (e->reading) {
        unsigned word = (e->addr + e->out_pos / 16) % e->words;
        e->dout = (e->data[word] >> (15 - e->out_pos % 16)) & 1;
        e->out_pos++;
        return;
    }
    if (e->nin == 0 && !di)
        return;                 /* waiting for the start bit */
    e->in = e->in << 1 | di;
    if (++e->nin < 3 + e->abits)
        return;
    unsigned op = (e->in >> e->abits) & 3;
    if (op == OP_READ) {
        e->reading = true;
        e->addr = e->in & (e->words - 1);
        e->out_pos = 0;
    }
    e->nin = 0;
    e->in = 0;
}

void eeprom93_pins(Eeprom93 *e, bool cs, bool sk, bool di)
{
    if (!cs) {
        e->reading = false;
        e->nin = 0;
        e->in = 0;
        e->dout = false;
    } else if (sk && !e->sk) {
        clock_in(e, di);
    }
    e->cs = cs;
    e->sk = sk;
}
