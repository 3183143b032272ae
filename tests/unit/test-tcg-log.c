/* -d in_asm, op, exec and cpu from the TCG engine, written to a -D file. */
#include "tests/unit/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "accel/tcg.h"
#include "config.h"
#include "hw/core/log.h"
#include "tests/unit/tcg-harness.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

TEST(tcg_log, d_items_write_disassembly_ir_trace_and_state)
{
    /* mov eax, 0x1234; add eax, ebx; hlt (32-bit) */
    static const uint8_t code[] = { 0xb8, 0x34, 0x12, 0x00, 0x00, 0x01, 0xd8, 0xf4 };
    char path[] = "/tmp/kemu-tcglog-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(log_set_file(path), 0);
    CHECK_EQ(log_parse_items("in_asm,op,exec,cpu"), 0);
    CPUState *cpu = tt_cpu(32);
    tt_load(code, sizeof(code));
    CHECK_EQ(tt_run(cpu), -1);
    fflush(log_file());
    const char *t = slurp(path);
    unlink(path);
    CHECK(t != NULL);
    CHECK(strstr(t, "IN: ") != NULL);
#ifdef CONFIG_CAPSTONE
    CHECK(strstr(t, "mov eax, 0x1234") != NULL);
    CHECK(strstr(t, "add eax, ebx") != NULL);
#endif
    CHECK(strstr(t, "OP after optimization") != NULL);
    CHECK(strstr(t, "set_reg") != NULL);
    CHECK(strstr(t, "Trace 0:") != NULL);
    CHECK(strstr(t, "RIP=0000000000001000") != NULL);
}
