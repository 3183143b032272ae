/* -d in_asm without capstone: bytes in hex. */
#include "cpu/disas.h"

#include <inttypes.h>

#include "hw/core/log.h"

void disas_log(uint64_t addr, const uint8_t *buf, size_t len, int bits)
{
    log_printf("0x%016" PRIx64 ":  (built without capstone)", addr);
    for (size_t i = 0; i < len; i++)
        log_printf(" %02x", buf[i]);
    log_printf("\n");
}

unsigned disas_insn_len(const uint8_t *buf, size_t len, int bits)
{
    return 0;
}
