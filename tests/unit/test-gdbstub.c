/* The gdbstub's pieces without a socket: packet framing, checksums and
 * escaping; hex helpers; the register file in GDB's numbering; guest
 * virtual memory through 32-bit page tables; and the TCG engine's
 * breakpoints, single-step and watchpoints on small code snippets. */
#include "tests/unit/unit.h"
#include "accel/accel.h"
#include "accel/tcg.h"
#include "accel/tcg-debug.h"
#include "hw/core/machine.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"
#include "translate/flags.h"
#include "ui/gdbstub-int.h"
#include "ui/gdbstub.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static GdbRxEvent feed(GdbRx *rx, const char *bytes, size_t n)
{
    GdbRxEvent last = GDB_RX_NONE;
    for (size_t i = 0; i < n; i++) {
        GdbRxEvent e = gdb_rx_byte(rx, (uint8_t)bytes[i]);
        if (e != GDB_RX_NONE)
            last = e;
    }
    return last;
}

static GdbRxEvent feed_str(GdbRx *rx, const char *s)
{
    return feed(rx, s, strlen(s));
}

TEST(gdbstub, frame_checksum)
{
    char out[32];
    size_t n = gdb_frame("OK", 2, out, sizeof(out));
    out[n] = '\0';
    CHECK_STR(out, "$OK#9a");            /* 'O' 0x4f + 'K' 0x4b = 0x9a */
    n = gdb_frame("", 0, out, sizeof(out));
    out[n] = '\0';
    CHECK_STR(out, "$#00");
}

TEST(gdbstub, frame_escapes)
{
    char out[32];
    size_t n = gdb_frame("a#$}*", 5, out, sizeof(out));
    out[n] = '\0';
    /* Each special byte becomes '}' and the byte XOR 0x20; the checksum
     * covers the escaped form. */
    unsigned sum = 'a' + 4 * '}' + ('#' ^ 0x20) + ('$' ^ 0x20) + ('}' ^ 0x20) + ('*' ^ 0x20);
    char want[32];
    snprintf(want, sizeof(want), "$a}\x03}\x04}]}\x0a#%02x", sum & 0xff);
    CHECK_STR(out, want);
}

TEST(gdbstub, frame_too_small)
{
    char out[8];
    CHECK_EQ(gdb_frame("0123456789", 10, out, sizeof(out)), 0);
}

TEST(gdbstub, rx_packet_and_acks)
{
    static GdbRx rx;
    gdb_rx_init(&rx);
    CHECK_EQ(feed_str(&rx, "+"), GDB_RX_ACK);
    CHECK_EQ(feed_str(&rx, "-"), GDB_RX_NACK);
    CHECK_EQ(feed_str(&rx, "$m1000,4#8e"), GDB_RX_PACKET);  /* sum of "m1000,4" */
    CHECK_STR(rx.buf, "m1000,4");
    CHECK_EQ(rx.len, 7);
    CHECK_EQ(feed_str(&rx, "$?#3F"), GDB_RX_PACKET);         /* upper-case hex too */
    CHECK_STR(rx.buf, "?");
}

TEST(gdbstub, rx_bad_checksum)
{
    static GdbRx rx;
    gdb_rx_init(&rx);
    CHECK_EQ(feed_str(&rx, "$g#00"), GDB_RX_BAD_CHECKSUM);
    CHECK_EQ(feed_str(&rx, "$g#zz"), GDB_RX_BAD_CHECKSUM);
    /* The stream recovers at the next packet. */
    CHECK_EQ(feed_str(&rx, "$g#67"), GDB_RX_PACKET);
    CHECK_STR(rx.buf, "g");
}

TEST(gdbstub, rx_interrupt_between_packets)
{
    static GdbRx rx;
    gdb_rx_init(&rx);
    CHECK_EQ(gdb_rx_byte(&rx, 0x03), GDB_RX_INTERRUPT);
    /* Inside a payload 0x03 is data (binary X packets). */
    CHECK_EQ(gdb_rx_byte(&rx, '$'), GDB_RX_NONE);
    CHECK_EQ(gdb_rx_byte(&rx, 0x03), GDB_RX_NONE);
    CHECK_EQ(feed_str(&rx, "#03"), GDB_RX_PACKET);
    CHECK_EQ(rx.len, 1);
    CHECK_EQ((uint8_t)rx.buf[0], 0x03);
}

TEST(gdbstub, rx_unescapes_binary)
{
    static GdbRx rx;
    char framed[64];
    const char data[] = { 'X', '#', '$', '}', '*', 0 };
    gdb_rx_init(&rx);
    size_t n = gdb_frame(data, 6, framed, sizeof(framed));
    CHECK(n > 0);
    CHECK_EQ(feed(&rx, framed, n), GDB_RX_PACKET);
    CHECK_EQ(rx.len, 6);
    CHECK(!memcmp(rx.buf, data, 6));
}

TEST(gdbstub, rx_overflow_rejected)
{
    static GdbRx rx;
    gdb_rx_init(&rx);
    unsigned sum = 0;
    gdb_rx_byte(&rx, '$');
    for (int i = 0; i < GDB_PACKET_MAX + 10; i++) {
        gdb_rx_byte(&rx, 'a');
        sum += 'a';
    }
    char tail[4];
    snprintf(tail, sizeof(tail), "#%02x", sum & 0xff);
    CHECK_EQ(feed_str(&rx, tail), GDB_RX_BAD_CHECKSUM);
    CHECK(rx.len <= GDB_PACKET_MAX);
}

TEST(gdbstub, hex_helpers)
{
    char hex[9];
    const uint8_t bytes[4] = { 0xde, 0xad, 0x00, 0x7f };
    gdb_tohex(hex, bytes, 4);
    CHECK_STR(hex, "dead007f");
    uint8_t back[4];
    CHECK(gdb_fromhex(back, "DEad007f", 4));
    CHECK(!memcmp(back, bytes, 4));
    CHECK(!gdb_fromhex(back, "de0x", 2));
    const char *p = "1234abcd,10";
    uint64_t v;
    CHECK(gdb_parse_hex(&p, &v));
    CHECK_EQ(v, 0x1234abcd);
    CHECK_STR(p, ",10");
    p = ",10";
    CHECK(!gdb_parse_hex(&p, &v));
    p = "11112222333344445";        /* more than 64 bits */
    CHECK(!gdb_parse_hex(&p, &v));
}

TEST(gdbstub, reg_numbering)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    uint8_t buf[16];
    for (int i = 0; i < 16; i++)
        env->regs[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
    env->rip = 0xffffffff81000000ull;
    env->seg[SEG_SS].sel = 0x18;
    /* GDB's order: rax rbx rcx rdx rsi rdi rbp rsp r8.. */
    const int order[8] = { R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP, R_ESP };
    for (int n = 0; n < 8; n++) {
        CHECK_EQ(gdb_read_reg(cpu, n, buf), 8);
        CHECK_EQ(buf[0] & 0xff, (uint8_t)env->regs[order[n]]);
    }
    CHECK_EQ(gdb_read_reg(cpu, 8, buf), 8);          /* r8 */
    CHECK_EQ(buf[7], 0x99);
    CHECK_EQ(gdb_read_reg(cpu, GDB_REG_RIP, buf), 8);
    CHECK_EQ(buf[7], 0xff);
    CHECK_EQ(buf[3], 0x81);
    CHECK_EQ(gdb_read_reg(cpu, GDB_REG_CS + 1, buf), 4);       /* ss */
    CHECK_EQ(buf[0], 0x18);
    CHECK_EQ(gdb_read_reg(cpu, GDB_NUM_REGS, buf), 0);
    CHECK_EQ(gdb_reg_size(-1), 0);
    /* All registers together fit a 'g' reply. */
    unsigned total = 0;
    for (int n = 0; n < GDB_NUM_REGS; n++)
        total += gdb_reg_size(n);
    CHECK_EQ(total, 16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 9 * 8);
}

TEST(gdbstub, reg_writes)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    uint8_t buf[16] = { 0x34, 0x12 };
    CHECK_EQ(gdb_write_reg(cpu, 1, buf), 8);          /* rbx */
    CHECK_EQ(env->regs[R_EBX], 0x1234);
    /* eflags: reserved bits stay clear, bit 1 stays set. */
    uint8_t fl[4] = { 0xff, 0xff, 0xff, 0xff };
    CHECK_EQ(gdb_write_reg(cpu, GDB_REG_EFLAGS, fl), 4);
    CHECK_EQ(env->rflags, 0x3f7fd7);
    /* A selector in real mode sets the base too. */
    env->cr0 &= ~(uint64_t)CR0_PE;
    env->rflags = 2;
    uint8_t sel[4] = { 0x00, 0x20 };
    CHECK_EQ(gdb_write_reg(cpu, GDB_REG_CS + 2, sel), 4);  /* ds */
    CHECK_EQ(env->seg[SEG_DS].sel, 0x2000);
    CHECK_EQ(env->seg[SEG_DS].base, 0x20000);
    /* Writing back the selector it has keeps the hidden base (reset CS). */
    env->seg[SEG_CS].sel = 0xf000;
    env->seg[SEG_CS].base = 0xffff0000;
    uint8_t cs[4] = { 0x00, 0xf0 };
    CHECK_EQ(gdb_write_reg(cpu, GDB_REG_CS, cs), 4);
    CHECK_EQ(env->seg[SEG_CS].base, 0xffff0000);
    uint8_t cr3[8] = { 0x00, 0x30, 0x01 };
    CHECK_EQ(gdb_write_reg(cpu, GDB_REG_CR0 + 2, cr3), 8);
    CHECK_EQ(env->cr3, 0x13000);
    uint8_t x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (uint8_t)i;
    CHECK_EQ(gdb_write_reg(cpu, GDB_REG_XMM0 + 15, x), 16);
    CHECK_EQ(env->xmm[15].q[1], 0x0f0e0d0c0b0a0908ull);
}

TEST(gdbstub, x87_stack_order_and_tags)
{
    CPUState *cpu = tcpu_setup(1);
    X87State *f = &cpu->env.fpu;
    f->fsw = 7 << 11;                   /* TOP = 7: st0 is R7, st1 is R0 */
    f->st[7] = (Float80){ 0x8000000000000000ull, 0x3fff };     /* 1.0 */
    f->st[0] = (Float80){ 0, 0 };                               /* +0 */
    f->ftw = 0x81;                      /* R0 and R7 valid */
    uint8_t buf[16];
    CHECK_EQ(gdb_read_reg(cpu, GDB_REG_ST0, buf), 10);
    CHECK_EQ(buf[7], 0x80);
    CHECK_EQ(buf[8], 0xff);
    CHECK_EQ(buf[9], 0x3f);
    CHECK_EQ(gdb_read_reg(cpu, GDB_REG_ST0 + 1, buf), 10);
    CHECK_EQ(buf[7] | buf[8] | buf[9], 0);
    /* ftag: R0 zero (01), R7 valid (00), the rest empty (11). */
    CHECK_EQ(gdb_read_reg(cpu, GDB_REG_FCTRL + 2, buf), 4);
    CHECK_EQ(buf[0] | buf[1] << 8, 0x3ffd);
    uint8_t tw[4] = { 0xff, 0x0f };     /* R6, R7 valid; R0-R5 empty */
    gdb_write_reg(cpu, GDB_REG_FCTRL + 2, tw);
    CHECK_EQ(f->ftw, 0xc0);
}

/* 32-bit paging: la 0x400000 -> pa 0x5000 (4 KiB page), the next page
 * absent. */
static CPUState *paged_cpu(void)
{
    CPUState *cpu = tcpu_setup(1);
    pw32(0x10000 + 1 * 4, 0x11000 | 3);         /* PDE 1 */
    pw32(0x11000, 0x5000 | 3);                  /* PTE 0 */
    pw32(0x11004, 0);                           /* PTE 1: not present */
    cpu->env.cr3 = 0x10000;
    cpu->env.cr4 = 0;
    cpu->env.cr0 |= CR0_PE | CR0_PG;
    return cpu;
}

TEST(gdbstub, memory_through_page_tables)
{
    CPUState *cpu = paged_cpu();
    pw32(0x5010, 0xcafef00d);
    uint8_t buf[8];
    CHECK(gdb_read_mem(cpu, 0x400010, buf, 4));
    CHECK_EQ(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, 0xcafef00d);
    const uint8_t w[3] = { 1, 2, 3 };
    CHECK(gdb_write_mem(cpu, 0x400020, w, 3));
    CHECK_EQ(pr32(0x5020) & 0xffffff, 0x030201);
    /* Unmapped, and crossing into the absent page. */
    CHECK(!gdb_read_mem(cpu, 0x800000, buf, 1));
    CHECK(!gdb_read_mem(cpu, 0x400ffe, buf, 4));
    CHECK(gdb_read_mem(cpu, 0x400ffe, buf, 2));
}

/* ---- the TCG engine's debug hooks (accel/tcg-debug.c) ---- */

/* mov $1,%eax; mov $2,%ebx; mov $3,%ecx; hlt (32-bit, flat, at TT_CODE) */
static const uint8_t three_movs[] = {
    0xb8, 1, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0xb9, 3, 0, 0, 0, 0xf4,
};

/* Run the vCPU until it halts or a debug stop pauses the machine;
 * returns true for a debug stop. */
static bool run_to_stop(CPUState *cpu)
{
    Machine *m = cpu->machine;
    m->state = RUN_STATE_RUNNING;
    for (int i = 0; i < 100; i++) {
        TcgExit r = tcg_exec_slice(cpu, 1000);
        if (m->state == RUN_STATE_PAUSED)
            return true;
        if (r == TCG_EXIT_HALTED)
            return false;
    }
    return false;
}

TEST(gdbstub_tcg, breakpoint_mid_block)
{
    CPUState *cpu = tt_cpu(32);
    tt_load(three_movs, sizeof(three_movs));
    /* A block translated before the breakpoint existed must not run past it. */
    CHECK(!run_to_stop(cpu));
    CHECK_EQ(cpu->env.regs[R_ECX], 3);
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    cpu->env.regs[R_EAX] = cpu->env.regs[R_EBX] = cpu->env.regs[R_ECX] = 0;
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_BP_SW, TT_CODE + 10, 1, true), 0);
    tcg_set_singlestep(cpu, false);
    CHECK(run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, TT_CODE + 10);
    CHECK_EQ(cpu->env.regs[R_EBX], 2);
    CHECK_EQ(cpu->env.regs[R_ECX], 0);
    /* Guest memory holds no INT3. */
    CHECK_EQ(tt_rd(TT_CODE + 10, 1), 0xb9);
    /* Resuming on it runs that instruction (once) and on to HLT. */
    tcg_set_singlestep(cpu, false);
    CHECK(!run_to_stop(cpu));
    CHECK_EQ(cpu->env.regs[R_ECX], 3);
}

TEST(gdbstub_tcg, single_step)
{
    CPUState *cpu = tt_cpu(32);
    tt_load(three_movs, sizeof(three_movs));
    tcg_set_singlestep(cpu, true);
    CHECK(run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, TT_CODE + 5);
    CHECK_EQ(cpu->env.regs[R_EAX], 1);
    CHECK_EQ(cpu->env.regs[R_EBX], 0);
    tcg_set_singlestep(cpu, true);
    CHECK(run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, TT_CODE + 10);
    CHECK_EQ(cpu->env.regs[R_EBX], 2);
    tcg_set_singlestep(cpu, false);
    CHECK(!run_to_stop(cpu));
    CHECK_EQ(cpu->env.regs[R_ECX], 3);
}

TEST(gdbstub_tcg, removed_breakpoint_does_not_stop)
{
    CPUState *cpu = tt_cpu(32);
    tt_load(three_movs, sizeof(three_movs));
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_BP_HW, TT_CODE + 5, 1, true), 0);
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_BP_HW, TT_CODE + 5, 1, false), 0);
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_BP_HW, TT_CODE + 5, 1, false), -1);
    tcg_set_singlestep(cpu, false);
    CHECK(!run_to_stop(cpu));
    CHECK_EQ(cpu->env.regs[R_ECX], 3);
}

TEST(gdbstub_tcg, write_watchpoint_stops_after_the_store)
{
    /* mov $7,%eax; mov %eax,TT_DATA+4; mov $5,%ebx; hlt */
    static const uint8_t code[] = {
        0xb8, 7, 0, 0, 0, 0xa3, (TT_DATA + 4) & 0xff, ((TT_DATA + 4) >> 8) & 0xff,
        (TT_DATA + 4) >> 16, 0, 0xbb, 5, 0, 0, 0, 0xf4,
    };
    CPUState *cpu = tt_cpu(32);
    tt_load(code, sizeof(code));
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_WATCH_WRITE, TT_DATA + 6, 1, true), 0);
    /* A read watchpoint elsewhere on the page is not hit by the store. */
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_WATCH_READ, TT_DATA + 4, 4, true), 0);
    tcg_set_singlestep(cpu, false);
    CHECK(run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, TT_CODE + 10);
    CHECK_EQ(tt_rd(TT_DATA + 4, 4), 7);
    CHECK_EQ(cpu->env.regs[R_EBX], 0);
    tcg_set_singlestep(cpu, false);
    CHECK(!run_to_stop(cpu));
    CHECK_EQ(cpu->env.regs[R_EBX], 5);
}

TEST(gdbstub, memory_through_4level_paging)
{
    CPUState *cpu = tt_cpu(64);
    /* la 0xffff800000001000 -> pa 0x5000: PML4[256], PDPT[0], PD[0], PT[1] */
    pw64(0x70000 + 256 * 8, 0x74000 | 3);
    pw64(0x74000, 0x75000 | 3);
    pw64(0x75000, 0x76000 | 3);
    pw64(0x76008, 0x5000 | 3);
    pw64(0x5008, 0x1122334455667788ull);
    uint8_t buf[8];
    CHECK(gdb_read_mem(cpu, 0xffff800000001008ull, buf, 8));
    CHECK_EQ(buf[0], 0x88);
    CHECK_EQ(buf[7], 0x11);
    /* The neighbouring page and a non-canonical address are not mapped. */
    CHECK(!gdb_read_mem(cpu, 0xffff800000002000ull, buf, 1));
    CHECK(!gdb_read_mem(cpu, 0x0000800000001000ull, buf, 1));
}

/* ---- packets from a hostile or broken client ---- */

static uint32_t fuzz_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Every reply is one well-formed "$payload#cc" packet. */
static bool reply_ok(const char *r, size_t n)
{
    if (n < 4 || r[0] != '$' || r[n - 3] != '#')
        return false;
    unsigned sum = 0;
    for (size_t i = 1; i < n - 3; i++)
        sum += (uint8_t)r[i];
    return gdb_hexval(r[n - 2]) == (int)((sum >> 4) & 15) && gdb_hexval(r[n - 1]) == (int)(sum & 15);
}

TEST(gdbstub, random_packets_get_framed_replies)
{
    static const char *const heads[] = {
        "g", "G", "p", "P", "m", "M", "X", "Z", "z", "c", "s", "C", "S", "vCont;", "vCont?",
        "vCont", "H", "Hg", "Hc", "T", "qXfer:features:read:target.xml:", "qThreadExtraInfo,",
        "qSupported", "qC", "qfThreadInfo", "?", "Q", "v", "q", "D", "",
    };
    static const char tail_chars[] = "0123456789abcdefABCDEF,:;=-xp.}\xff";
    static GdbStub s;
    static char pkt[GDB_PACKET_MAX + 1];
    static char reply[4 * GDB_PACKET_MAX];
    CPUState *cpu = tt_cpu(32);
    Machine *m = cpu->machine;
    m->accel = accel_find("tcg");
    CHECK(m->accel != NULL);
    s.m = m;
    s.listen_fd = s.fd = -1;
    int fds[2] = { -1, -1 };
    uint32_t seed = 12345;
    for (int i = 0; i < 3000; i++) {
        if (s.fd < 0) {             /* D closes the connection: a new client */
            if (fds[0] >= 0)
                close(fds[0]);
            CHECK(pipe2(fds, O_NONBLOCK) == 0);
            s.fd = fds[1];
        }
        const char *head = heads[fuzz_rand(&seed) % (sizeof(heads) / sizeof(heads[0]))];
        size_t n = strlen(head), tail = fuzz_rand(&seed) % 40;
        if (fuzz_rand(&seed) % 50 == 0)
            tail = GDB_PACKET_MAX - n;          /* as long as a packet gets */
        memcpy(pkt, head, n);
        for (size_t k = 0; k < tail; k++)
            pkt[n + k] = tail_chars[fuzz_rand(&seed) % (sizeof(tail_chars) - 1)];
        pkt[n + tail] = '\0';
        m->state = RUN_STATE_PAUSED;
        s.running = false;
        gdb_handle_packet(&s, pkt, n + tail);
        ssize_t got = read(fds[0], reply, sizeof(reply));
        bool resume = (pkt[0] && strchr("csCS", pkt[0])) || !strncmp(pkt, "vCont;", 6);
        if (resume) {
            /* A resume answers later (stop reply), or E.. at once. */
            CHECK(got < 0 || reply_ok(reply, (size_t)got));
        } else if (!(got > 0 && reply_ok(reply, (size_t)got))) {
            unit_fail(__FILE__, __LINE__, "packet \"%.60s\": reply \"%.*s\"", pkt,
                      got > 0 ? (int)(got < 60 ? got : 60) : 0, reply);
        }
        if (unit_failures)
            break;
    }
}

/* An interrupt controller that always has vector 0x20 pending. */
static int always_vector_20(Machine *m, CPUState *cpu)
{
    return 0x20;
}

TEST(gdbstub_tcg, no_interrupts_while_stepping)
{
    /* Real mode: sti; nop; nop; nop; hlt.  IVT[0x20] -> 0000:2000 (hlt). */
    static const uint8_t code[] = { 0xfb, 0x90, 0x90, 0x90, 0xf4 };
    CPUState *cpu = tt_cpu(16);
    tt_load(code, sizeof(code));
    tt_wr(0x20 * 4, 0x2000, 2);
    tt_wr(0x20 * 4 + 2, 0, 2);
    tt_wr(0x2000, 0xf4, 1);
    cpu->machine->irq_ack = always_vector_20;
    atomic_fetch_or(&cpu->env.interrupt_request, CPU_INTERRUPT_HARD);
    for (unsigned i = 1; i <= 4; i++) {
        tcg_set_singlestep(cpu, true);
        CHECK(run_to_stop(cpu));
        CHECK_EQ(cpu->env.rip, TT_CODE + i);    /* never in the handler */
    }
    /* Running freely, the pending interrupt is taken. */
    tcg_set_singlestep(cpu, false);
    CHECK(!run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, 0x2001);
}

TEST(gdbstub, spec_forms)
{
    char host[64], port[16];
    CHECK_EQ(gdbstub_parse_spec("-gdb", "tcp::1234", host, sizeof(host), port, sizeof(port)), 0);
    CHECK_STR(host, "");
    CHECK_STR(port, "1234");
    CHECK_EQ(gdbstub_parse_spec("-gdb", "tcp:127.0.0.1:4321,server,nowait", host, sizeof(host),
                                port, sizeof(port)), 0);
    CHECK_STR(host, "127.0.0.1");
    CHECK_STR(port, "4321");
    CHECK_EQ(gdbstub_parse_spec("-gdb", "9999", host, sizeof(host), port, sizeof(port)), 0);
    CHECK_STR(port, "9999");
    /* Anything else is a chardev (stdio, pty, unix:...). */
    CHECK_EQ(gdbstub_parse_spec("-gdb", "unix:/tmp/g.sock,server", host, sizeof(host), port,
                                sizeof(port)), 1);
    CHECK_EQ(gdbstub_parse_spec("-gdb", "stdio", host, sizeof(host), port, sizeof(port)), 1);
    CHECK_EQ(gdbstub_parse_spec("-gdb", "tcp::", host, sizeof(host), port, sizeof(port)), -1);
    CHECK_EQ(gdbstub_parse_spec("-gdb", "tcp:1234", host, sizeof(host), port, sizeof(port)), -1);
    CHECK_EQ(gdbstub_parse_spec("-gdb", "tcp::12345678901234567", host, sizeof(host), port,
                                sizeof(port)), -1);
}

/* The frame the CPU pushes when it takes an interrupt is a data write the
 * debugger's watchpoint sees: it stops before the handler's first
 * instruction, with the frame written. */
TEST(gdbstub_tcg, watchpoint_sees_interrupt_frame_push)
{
    /* Real mode, IF set: nop; hlt.  IVT[0x20] -> 0000:2000 (hlt). */
    static const uint8_t code[] = { 0x90, 0xf4 };
    CPUState *cpu = tt_cpu(16);
    tt_load(code, sizeof(code));
    tt_wr(0x20 * 4, 0x2000, 2);
    tt_wr(0x20 * 4 + 2, 0, 2);
    tt_wr(0x2000, 0xf4, 1);
    cpu_load_flags(cpu, 2 | FL_IF);
    cpu->machine->irq_ack = always_vector_20;
    atomic_fetch_or(&cpu->env.interrupt_request, CPU_INTERRUPT_HARD);
    /* the IP slot of the FLAGS, CS, IP frame */
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_WATCH_WRITE, TT_STACK - 6, 2, true), 0);
    tcg_set_singlestep(cpu, false);
    CHECK(run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, 0x2000);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 6);
    CHECK_EQ(tt_rd(TT_STACK - 6, 2), TT_CODE);
    tcg_set_singlestep(cpu, false);
    CHECK(!run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, 0x2001);
}

/* Reading the interrupt vector from the IVT is seen by a read watchpoint. */
TEST(gdbstub_tcg, read_watchpoint_sees_vector_fetch)
{
    static const uint8_t code[] = { 0xcd, 0x20, 0xf4 };          /* int 0x20; hlt */
    CPUState *cpu = tt_cpu(16);
    tt_load(code, sizeof(code));
    tt_wr(0x20 * 4, 0x2000, 2);
    tt_wr(0x20 * 4 + 2, 0, 2);
    tt_wr(0x2000, 0xf4, 1);
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_WATCH_READ, 0x20 * 4, 4, true), 0);
    tcg_set_singlestep(cpu, false);
    CHECK(run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, 0x2000);
    CHECK_EQ(tt_rd(TT_STACK - 6, 2), TT_CODE + 2);
}

/* A watchpoint hit inside REP STOSB stops right after the iteration that
 * wrote it: rip still on the REP instruction, rCX and rDI of that
 * iteration, later bytes unwritten (as the CPU reports a data breakpoint,
 * SDM vol. 3 17.3.1.2); resuming finishes the string. */
TEST(gdbstub_tcg, watchpoint_stops_rep_after_the_iteration)
{
    /* mov ecx,5; mov edi,TT_DATA; mov al,0xaa; rep stosb; hlt */
    static const uint8_t code[] = { 0xb9, 0x05, 0x00, 0x00, 0x00,
                                    0xbf, 0x00, 0x00, 0x02, 0x00,
                                    0xb0, 0xaa, 0xf3, 0xaa, 0xf4 };
    CPUState *cpu = tt_cpu(32);
    tt_load(code, sizeof(code));
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_WATCH_WRITE, TT_DATA + 2, 1, true), 0);
    tcg_set_singlestep(cpu, false);
    CHECK(run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, TT_CODE + 12);
    CHECK_EQ(cpu->env.regs[R_ECX], 2);
    CHECK_EQ(cpu->env.regs[R_EDI], TT_DATA + 3);
    CHECK_EQ(tt_rd(TT_DATA + 2, 1), 0xaa);
    CHECK_EQ(tt_rd(TT_DATA + 3, 1), 0);
    tcg_set_singlestep(cpu, false);
    CHECK(!run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, TT_CODE + 15);
    CHECK_EQ(cpu->env.regs[R_ECX], 0);
    CHECK_EQ(tt_rd(TT_DATA + 4, 1), 0xaa);
}

/* A read watchpoint on REP MOVSB's source the same way. */
TEST(gdbstub_tcg, read_watchpoint_stops_rep_movs)
{
    /* mov ecx,8; mov esi,TT_DATA; mov edi,TT_DATA+0x100; rep movsb; hlt */
    static const uint8_t code[] = { 0xb9, 0x08, 0x00, 0x00, 0x00,
                                    0xbe, 0x00, 0x00, 0x02, 0x00,
                                    0xbf, 0x00, 0x01, 0x02, 0x00,
                                    0xf3, 0xa4, 0xf4 };
    CPUState *cpu = tt_cpu(32);
    tt_load(code, sizeof(code));
    tt_wr(TT_DATA, 0x0807060504030201ull, 8);
    CHECK_EQ(tcg_set_breakpoint(cpu->machine, ACCEL_WATCH_READ, TT_DATA + 5, 1, true), 0);
    tcg_set_singlestep(cpu, false);
    CHECK(run_to_stop(cpu));
    CHECK_EQ(cpu->env.rip, TT_CODE + 15);
    CHECK_EQ(cpu->env.regs[R_ECX], 2);
    CHECK_EQ(cpu->env.regs[R_ESI], TT_DATA + 6);
    CHECK_EQ(tt_rd(TT_DATA + 0x105, 1), 6);
    CHECK_EQ(tt_rd(TT_DATA + 0x106, 1), 0);
}
