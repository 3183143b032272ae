/* The gdbstub's packets (GDB manual, "Packets", "General Query Packets",
 * "Stop Reply Packets").  Each vCPU is a thread, ids 1..N.  Unknown
 * packets get the empty reply, which GDB reads as "not supported". */
#include "ui/gdbstub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "ui/monitor.h"

#define MEM_MAX ((GDB_PACKET_MAX - 16) / 2)
#define REGS_MAX 1024       /* bytes of all registers together */

static CPUState *cpu_at(GdbStub *s, int index)
{
    if (index < 0 || (unsigned)index >= s->m->ncpus)
        index = 0;
    return s->m->cpus[index];
}

static void reply_error(GdbStub *s, int code)
{
    char buf[8];
    snprintf(buf, sizeof(buf), "E%02d", code % 100);  /* errno values, as GDB stubs print them */
    gdb_send(s, buf);
}

/* A thread id: hex N (1..ncpus), 0 (any) or -1 (all).  Returns the vCPU
 * index, -1 for all/any, or -2 when invalid. */
static int parse_thread(GdbStub *s, const char *p)
{
    if (!strcmp(p, "-1") || !strcmp(p, "0"))
        return -1;
    uint64_t id;
    if (!gdb_parse_hex(&p, &id) || *p || id < 1 || id > s->m->ncpus)
        return -2;
    return (int)id - 1;
}

static void cmd_read_regs(GdbStub *s)
{
    CPUState *cpu = cpu_at(s, s->g_cpu);
    uint8_t regs[REGS_MAX];
    size_t len = 0;
    for (int n = 0; n < GDB_NUM_REGS; n++)
        len += gdb_read_reg(cpu, n, regs + len);
    char hex[2 * REGS_MAX + 1];
    gdb_tohex(hex, regs, len);
    gdb_send(s, hex);
}

static void cmd_write_regs(GdbStub *s, const char *p, size_t len)
{
    CPUState *cpu = cpu_at(s, s->g_cpu);
    size_t off = 0;
    for (int n = 0; n < GDB_NUM_REGS; n++) {
        uint8_t buf[16];
        unsigned size = gdb_reg_size(n);
        if (2 * (off + size) > len)
            break;
        if (!gdb_fromhex(buf, p + 2 * off, size)) {
            reply_error(s, 22);
            return;
        }
        gdb_write_reg(cpu, n, buf);
        off += size;
    }
    gdb_cpu_written(s, cpu);
    gdb_send(s, "OK");
}

static void cmd_read_reg(GdbStub *s, const char *p)
{
    uint64_t n;
    uint8_t buf[16];
    char hex[33];
    if (!gdb_parse_hex(&p, &n) || *p || n >= GDB_NUM_REGS) {
        gdb_send(s, "");        /* not a register we have */
        return;
    }
    unsigned size = gdb_read_reg(cpu_at(s, s->g_cpu), (int)n, buf);
    gdb_tohex(hex, buf, size);
    gdb_send(s, hex);
}

static void cmd_write_reg(GdbStub *s, const char *p)
{
    uint64_t n;
    uint8_t buf[16];
    if (!gdb_parse_hex(&p, &n) || *p != '=' || n >= GDB_NUM_REGS) {
        reply_error(s, 22);
        return;
    }
    p++;
    unsigned size = gdb_reg_size((int)n);
    if (strlen(p) != 2 * size || !gdb_fromhex(buf, p, size)) {
        reply_error(s, 22);
        return;
    }
    CPUState *cpu = cpu_at(s, s->g_cpu);
    gdb_write_reg(cpu, (int)n, buf);
    gdb_cpu_written(s, cpu);
    gdb_send(s, "OK");
}

/* "ADDR,LEN" then end (or ':' for writes); *p is left after it. */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
    if (!gdb_parse_hex(p, addr) || **p != ',')
        return false;
    (*p)++;
    return gdb_parse_hex(p, len);
}

static void cmd_read_mem(GdbStub *s, const char *p)
{
    uint64_t addr, len;
    if (!parse_addr_len(&p, &addr, &len) || *p) {
        reply_error(s, 22);
        return;
    }
    if (len > MEM_MAX)
        len = MEM_MAX;
    uint8_t buf[MEM_MAX];
    char hex[2 * MEM_MAX + 1];
    if (!gdb_read_mem(cpu_at(s, s->g_cpu), addr, buf, len)) {
        reply_error(s, 14);
        return;
    }
    gdb_tohex(hex, buf, len);
    gdb_send(s, hex);
}

/* M (hex data) and X (binary data, already unescaped by the framing). */
static void cmd_write_mem(GdbStub *s, const char *pkt, size_t pkt_len, bool binary)
{
    const char *p = pkt + 1;
    uint64_t addr, len;
    if (!parse_addr_len(&p, &addr, &len) || *p != ':' || len > MEM_MAX) {
        reply_error(s, 22);
        return;
    }
    p++;
    size_t have = pkt_len - (size_t)(p - pkt);
    uint8_t buf[MEM_MAX];
    if (binary ? have != len : (have != 2 * len || !gdb_fromhex(buf, p, len))) {
        reply_error(s, 22);
        return;
    }
    if (binary)
        memcpy(buf, p, len);
    if (len && !gdb_write_mem(cpu_at(s, s->g_cpu), addr, buf, len)) {
        reply_error(s, 14);
        return;
    }
    gdb_send(s, "OK");
}

static int find_bp(const GdbStub *s, int type, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < s->nbps; i++) {
        if (s->bps[i].type == type && s->bps[i].addr == addr && s->bps[i].len == len)
            return (int)i;
    }
    return -1;
}

/* Z/z TYPE,ADDR,KIND: 0 software and 1 hardware breakpoints (KIND, the
 * instruction length, is not needed), 2 write, 3 read and 4 access
 * watchpoints of KIND bytes.  All are engine breakpoints: guest memory is
 * never changed. */
static void cmd_breakpoint(GdbStub *s, const char *p, bool insert)
{
    uint64_t type, addr, kind;
    const char *q = p;
    if (!gdb_parse_hex(&q, &type) || *q != ',' || !(q++, parse_addr_len(&q, &addr, &kind))) {
        reply_error(s, 22);
        return;
    }
    if (type > ACCEL_WATCH_ACCESS) {
        gdb_send(s, "");
        return;
    }
    if (type < ACCEL_WATCH_WRITE)
        kind = 1;
    Machine *m = s->m;
    if (!m->accel->set_breakpoint) {
        error_report("gdbstub: the %s accelerator cannot set breakpoints", m->accel->name);
        reply_error(s, 95);
        return;
    }
    int t = (int)type;
    int i = find_bp(s, t, addr, kind);
    if (insert && i < 0 && s->nbps >= GDB_MAX_BREAKPOINTS) {
        reply_error(s, 28);
        return;
    }
    if ((insert && i < 0) || (!insert && i >= 0)) {
        if (m->accel->set_breakpoint(m, t, addr, kind, insert)) {
            reply_error(s, insert ? 28 : 22);
            return;
        }
        if (insert)
            s->bps[s->nbps++] = (GdbBreakpoint){ t, addr, kind };
        else
            s->bps[i] = s->bps[--s->nbps];
    }
    gdb_send(s, "OK");
}

/* c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]: signals are not
 * delivered to a machine, so they are ignored. */
static void cmd_continue(GdbStub *s, const char *p, bool step, bool with_signal)
{
    if (with_signal) {
        p = strchr(p, ';');
        p = p ? p + 1 : "";
    }
    CPUState *cpu = cpu_at(s, s->c_cpu);
    uint64_t addr;
    if (*p) {
        if (!gdb_parse_hex(&p, &addr)) {
            reply_error(s, 22);
            return;
        }
        cpu->env.rip = addr;
        gdb_cpu_written(s, cpu);
    }
    if (step && !s->m->accel->set_singlestep) {
        error_report("gdbstub: the %s accelerator cannot single-step", s->m->accel->name);
        reply_error(s, 95);
        return;
    }
    gdb_resume(s, step ? cpu->index : -1, !step);
}

/* vCont;ACTION[:TID]...: the first step action picks the vCPU that steps;
 * any continue action lets the other vCPUs run too. */
static void cmd_vcont(GdbStub *s, const char *p)
{
    int step_cpu = -1;
    bool run = false;
    while (*p == ';') {
        p++;
        char act = *p;
        if (!act) {
            reply_error(s, 22);
            return;
        }
        p++;
        int tid = -1;
        if (act == 'C' || act == 'S') {
            uint64_t sig;
            if (!gdb_parse_hex(&p, &sig)) {
                reply_error(s, 22);
                return;
            }
        }
        if (*p == ':') {
            char id[24];
            size_t n = strcspn(++p, ";");
            if (n >= sizeof(id) || (memcpy(id, p, n), id[n] = '\0',
                                     (tid = parse_thread(s, id)) == -2)) {
                reply_error(s, 22);
                return;
            }
            p += n;
        }
        if ((act == 's' || act == 'S') && step_cpu < 0)
            step_cpu = tid >= 0 ? tid : cpu_at(s, s->c_cpu)->index;
        else if (act == 'c' || act == 'C')
            run = true;
        else if (act != 's' && act != 'S') {
            reply_error(s, 22);
            return;
        }
    }
    if (step_cpu >= 0 && !s->m->accel->set_singlestep) {
        error_report("gdbstub: the %s accelerator cannot single-step", s->m->accel->name);
        reply_error(s, 95);
        return;
    }
    gdb_resume(s, step_cpu, run || step_cpu < 0);
}

/* k, vKill: quit as the monitor's quit does (also with -no-shutdown). */
static void kill_machine(GdbStub *s)
{
    monitor_quit_requested = true;
    machine_request_shutdown(s->m, 0);
}

static void cmd_v(GdbStub *s, const char *pkt)
{
    if (!strcmp(pkt, "vCont?")) {
        gdb_send(s, "vCont;c;C;s;S");
    } else if (!strncmp(pkt, "vCont;", 6)) {
        cmd_vcont(s, pkt + 5);
    } else if (!strncmp(pkt, "vKill", 5)) {
        gdb_send(s, "OK");
        kill_machine(s);
    } else {
        gdb_send(s, "");
    }
}

static void cmd_set_thread(GdbStub *s, const char *p)
{
    int t = (p[0] == 'g' || p[0] == 'c') ? parse_thread(s, p + 1) : -2;
    if (t == -2) {
        reply_error(s, 22);
        return;
    }
    if (t >= 0) {
        if (p[0] == 'g')
            s->g_cpu = t;
        else
            s->c_cpu = t;
    }
    gdb_send(s, "OK");
}

static void cmd_xfer_features(GdbStub *s, const char *p)
{
    const char *annex = "target.xml:";
    if (strncmp(p, annex, strlen(annex))) {
        gdb_send(s, "E00");
        return;
    }
    p += strlen(annex);
    uint64_t off, len;
    if (!parse_addr_len(&p, &off, &len) || *p) {
        reply_error(s, 22);
        return;
    }
    const char *xml = gdb_target_xml();
    size_t total = strlen(xml);
    if (len > GDB_PACKET_MAX / 2)
        len = GDB_PACKET_MAX / 2;
    if (off >= total) {
        gdb_send(s, "l");
        return;
    }
    size_t n = total - off < len ? total - off : len;
    char *buf = malloc(n + 1);
    if (!buf) {
        reply_error(s, 12);
        return;
    }
    buf[0] = off + n >= total ? 'l' : 'm';
    memcpy(buf + 1, xml + off, n);
    gdb_send_bin(s, buf, n + 1);
    free(buf);
}

static void cmd_thread_info(GdbStub *s)
{
    char buf[MAX_CPUS * 4 + 2];
    size_t o = 0;
    buf[o++] = 'm';
    for (unsigned i = 0; i < s->m->ncpus; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%x", i ? "," : "", i + 1);
    gdb_send(s, buf);
}

static void cmd_thread_extra(GdbStub *s, const char *p)
{
    int t = parse_thread(s, p);
    if (t < 0) {
        reply_error(s, 22);
        return;
    }
    char text[48], hex[2 * sizeof(text) + 1];
    CPUState *cpu = s->m->cpus[t];
    snprintf(text, sizeof(text), "CPU#%d [%s]", t, cpu->env.halted ? "halted" : "running");
    gdb_tohex(hex, (const uint8_t *)text, strlen(text));
    gdb_send(s, hex);
}

static void cmd_query(GdbStub *s, const char *p)
{
    char buf[160];
    if (!strncmp(p, "qSupported", 10)) {
        snprintf(buf, sizeof(buf), "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;"
                 "QStartNoAckMode+;vContSupported+", GDB_PACKET_MAX);
        gdb_send(s, buf);
    } else if (!strncmp(p, "qXfer:features:read:", 20)) {
        cmd_xfer_features(s, p + 20);
    } else if (!strcmp(p, "qC")) {
        snprintf(buf, sizeof(buf), "QC%x", cpu_at(s, s->g_cpu)->index + 1);
        gdb_send(s, buf);
    } else if (!strcmp(p, "qfThreadInfo")) {
        cmd_thread_info(s);
    } else if (!strcmp(p, "qsThreadInfo")) {
        gdb_send(s, "l");
    } else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
        cmd_thread_extra(s, p + 17);
    } else if (!strncmp(p, "qAttached", 9)) {
        gdb_send(s, "1");
    } else if (!strncmp(p, "qRcmd,", 6)) {
        gdb_rcmd(s, p + 6);
    } else if (!strncmp(p, "qSymbol", 7)) {
        gdb_send(s, "OK");
    } else {
        gdb_send(s, "");
    }
}

static void cmd_thread_alive(GdbStub *s, const char *p)
{
    if (parse_thread(s, p) >= 0)
        gdb_send(s, "OK");
    else
        reply_error(s, 22);
}

void gdb_handle_packet(GdbStub *s, const char *pkt, size_t len)
{
    switch (len ? pkt[0] : 0) {
    case '?': gdb_send_stop_reply(s); break;
    case 'g': cmd_read_regs(s); break;
    case 'G': cmd_write_regs(s, pkt + 1, len - 1); break;
    case 'p': cmd_read_reg(s, pkt + 1); break;
    case 'P': cmd_write_reg(s, pkt + 1); break;
    case 'm': cmd_read_mem(s, pkt + 1); break;
    case 'M': cmd_write_mem(s, pkt, len, false); break;
    case 'X': cmd_write_mem(s, pkt, len, true); break;
    case 'Z': cmd_breakpoint(s, pkt + 1, true); break;
    case 'z': cmd_breakpoint(s, pkt + 1, false); break;
    case 'c': cmd_continue(s, pkt + 1, false, false); break;
    case 's': cmd_continue(s, pkt + 1, true, false); break;
    case 'C': cmd_continue(s, pkt + 1, false, true); break;
    case 'S': cmd_continue(s, pkt + 1, true, true); break;
    case 'v': cmd_v(s, pkt); break;
    case 'H': cmd_set_thread(s, pkt + 1); break;
    case 'T': cmd_thread_alive(s, pkt + 1); break;
    case 'q': cmd_query(s, pkt); break;
    case 'Q':
        if (!strcmp(pkt, "QStartNoAckMode")) {
            gdb_send(s, "OK");
            s->no_ack = true;
        } else {
            gdb_send(s, "");
        }
        break;
    case 'D': gdb_send(s, "OK"); gdb_detach(s); break;
    case 'k': kill_machine(s); break;
    default: gdb_send(s, ""); break;
    }
}
