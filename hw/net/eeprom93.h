/* A Microwire serial EEPROM of 16-bit words (93C46 style), as NICs wire
 * it to a register the driver bit-bangs: chip select, clock, data in,
 * data out.  Only READ is implemented (drivers read MAC addresses and
 * IDs); other opcodes are shifted in and ignored. */
#ifndef KEMU_EEPROM93_H
#define KEMU_EEPROM93_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Eeprom93 {
    const uint16_t *data;
    unsigned words;             /* a power of two: 64 for a 93C46 */
    unsigned abits;             /* address bits: 6 for a 93C46 */
    bool cs, sk, dout, reading;
    uint32_t in;
    unsigned nin, addr, out_pos;
} Eeprom93;

void eeprom93_init(Eeprom93 *e, const uint16_t *data, unsigned words, unsigned abits);
/* The pins as the driver drives them; a rising clock with CS high
 * shifts a bit in or out.  CS low ends the command. */
void eeprom93_pins(Eeprom93 *e, bool cs, bool sk, bool di);

#endif
