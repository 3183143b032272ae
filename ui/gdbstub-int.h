/* The gdbstub's pieces (ui/gdbstub*.c): packet framing, the x86-64
 * register file as GDB numbers it, guest memory access. */
#ifndef KEMU_GDBSTUB_INT_H
#define KEMU_GDBSTUB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Largest packet payload we accept and advertise (PacketSize, hex 4000). */
#define GDB_PACKET_MAX 0x4000

/* ---- framing (gdbstub-packet.c) ----
 * Incoming bytes: "$payload#cc" packets, acks '+'/'-', and 0x03
 * (Ctrl-C) between packets.  Inside a payload '}' escapes the next byte
 * (XOR 0x20); the checksum is the sum of the bytes as sent, mod 256. */
typedef enum { GDB_RX_NONE, GDB_RX_PACKET, GDB_RX_BAD_CHECKSUM, GDB_RX_INTERRUPT,
               GDB_RX_ACK, GDB_RX_NACK } GdbRxEvent;

typedef struct GdbRx {
    int state;
    uint8_t sum;             /* running checksum of the payload as sent */
    uint8_t csum_hi;
    bool escape;             /* the previous byte was '}' */
    bool overflow;           /* payload longer than the buffer: reject */
    size_t len;
    char buf[GDB_PACKET_MAX + 1];   /* unescaped payload, NUL-terminated */
} GdbRx;

void gdb_rx_init(GdbRx *rx);
/* Feed one byte; returns what completed (the payload is rx->buf/len). */
GdbRxEvent gdb_rx_byte(GdbRx *rx, uint8_t c);
/* "$<escaped payload>#cc" into out; returns its length, or 0 if out is too
 * small.  '$', '#', '}' and '*' are escaped. */
size_t gdb_frame(const void *payload, size_t len, char *out, size_t out_size);

/* Hex helpers: -1 if c is not a hex digit. */
int gdb_hexval(int c);
/* Hex text of len bytes (2*len chars + NUL into out). */
void gdb_tohex(char *out, const uint8_t *buf, size_t len);
/* Decode exactly 2*len hex chars from s; false if any is not hex. */
bool gdb_fromhex(uint8_t *buf, const char *s, size_t len);
/* Parse a hex number at *s, advancing it; false if none there. */
bool gdb_parse_hex(const char **s, uint64_t *v);

/* ---- registers (gdbstub-regs.c) ----
 * Numbering of GDB's i386:x86-64 core and sse features, then
 * segments (fs_base, gs_base) and kemu's system registers. */
enum {
    GDB_REG_RIP = 16, GDB_REG_EFLAGS = 17, GDB_REG_CS = 18, GDB_REG_ST0 = 24,
    GDB_REG_FCTRL = 32, GDB_REG_XMM0 = 40, GDB_REG_MXCSR = 56,
    GDB_REG_FS_BASE = 57, GDB_REG_GS_BASE = 58, GDB_REG_K_GS_BASE = 59,
    GDB_REG_CR0 = 60, GDB_REG_EFER = 65, GDB_NUM_REGS = 66
};
/* Size in bytes of register n, 0 if there is no such register. */
unsigned gdb_reg_size(int n);
/* Read register n in target byte order into buf; returns its size (0: none). */
unsigned gdb_read_reg(CPUState *cpu, int n, uint8_t *buf);
/* Write register n from buf; returns its size (0: none). */
unsigned gdb_write_reg(CPUState *cpu, int n, const uint8_t *buf);
/* The target description (annex "target.xml"). */
const char *gdb_target_xml(void);

/* ---- memory (gdbstub-mem.c) ----
 * Guest virtual (linear) memory of cpu through its page tables, as a
 * supervisor access.  False when a page is not mapped. */
bool gdb_read_mem(CPUState *cpu, uint64_t la, uint8_t *buf, size_t len);
bool gdb_write_mem(CPUState *cpu, uint64_t la, const uint8_t *buf, size_t len);

#endif

/* ---- the stub (gdbstub.c) and its commands (gdbstub-cmds.c) ---- */
struct Machine;

#define GDB_MAX_BREAKPOINTS 64

typedef struct GdbBreakpoint {
    int type;                /* ACCEL_BP_*, ACCEL_WATCH_* (= the Z type) */
    uint64_t addr, len;
} GdbBreakpoint;

typedef struct GdbStub {
    struct Machine *m;
    int listen_fd, fd;       /* TCP: -1 when none */
    struct Chardev *chr;     /* or a chardev (-gdb stdio, pty, unix:...) */
    GdbRx rx;
    char *out;               /* framed bytes not yet written */
    size_t out_len, out_cap;
    char *last;              /* last packet sent, for a '-' retransmission */
    size_t last_len;
    bool no_ack;             /* QStartNoAckMode */
    bool running;            /* resumed by gdb: a stop reply is owed */
    bool paused_by_gdb;
    int g_cpu, c_cpu;        /* vCPU indexes chosen by Hg / Hc */
    int stop_cpu;            /* the vCPU the last stop is about */
    int stop_signal;         /* 5 (SIGTRAP) or 2 (SIGINT) */
    int stop_reason;         /* ACCEL_STOP_*, 0 for an interrupt */
    uint64_t stop_addr;      /* data address of a watchpoint stop */
    GdbBreakpoint bps[GDB_MAX_BREAKPOINTS];
    unsigned nbps;
} GdbStub;

/* Send one packet (payload is escaped and framed). */
void gdb_send(GdbStub *s, const char *payload);
void gdb_send_bin(GdbStub *s, const void *payload, size_t len);
/* Let the vCPUs run: step_cpu (-1: none) single-steps, the others run if
 * others_run (else they stay stopped). */
void gdb_resume(GdbStub *s, int step_cpu, bool others_run);
/* The stop reply for the last stop ("T05thread:1;swbreak:;"). */
void gdb_send_stop_reply(GdbStub *s);
/* Drop breakpoints and stepping, let the guest run, close the connection. */
void gdb_detach(GdbStub *s);
/* Registers were written: tell the engine. */
void gdb_cpu_written(GdbStub *s, CPUState *cpu);

/* Serve one packet (rx->buf). */
void gdb_handle_packet(GdbStub *s, const char *pkt, size_t len);
/* qRcmd,HEX: run a monitor command (gdbstub-rcmd.c). */
void gdb_rcmd(GdbStub *s, const char *hex);
