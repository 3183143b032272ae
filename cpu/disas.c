/* -d in_asm disassembly through capstone. */
#include "cpu/disas.h"

#include <capstone/capstone.h>
#include <inttypes.h>

#include "hw/core/log.h"

static bool disas_open(csh *h, int bits)
{
    cs_mode mode = bits == 64 ? CS_MODE_64 : bits == 32 ? CS_MODE_32 : CS_MODE_16;
    return cs_open(CS_ARCH_X86, mode, h) == CS_ERR_OK;
}

void disas_log(uint64_t addr, const uint8_t *buf, size_t len, int bits)
{
    csh h;
    cs_insn *insn;
    if (!disas_open(&h, bits)) {
        log_printf("0x%016" PRIx64 ":  (capstone unavailable)\n", addr);
        return;
    }
    size_t n = cs_disasm(h, buf, len, addr, 0, &insn);
    for (size_t i = 0; i < n; i++)
        log_printf("0x%016" PRIx64 ":  %s %s\n", insn[i].address, insn[i].mnemonic,
                   insn[i].op_str);
    if (n)
        cs_free(insn, n);
    cs_close(&h);
}

unsigned disas_insn_len(const uint8_t *buf, size_t len, int bits)
{
    csh h;
    cs_insn *insn;
    if (!disas_open(&h, bits))
        return 0;
    size_t n = cs_disasm(h, buf, len, 0, 1, &insn);
    unsigned r = n ? insn[0].size : 0;
    if (n)
        cs_free(insn, n);
    cs_close(&h);
    return r;
}
