/* difftest: the translator against the host CPU.
 *
 * usage: difftest [CASES [SEED]]   (default 4000 cases, or $DIFF_CASES)
 *        difftest --host-model     (print the -cpu model of the host's
 *                                   vendor that the comparisons use)
 * Every opcode the decoder's tables know (one-byte, 0F and the integer 0F38
 * ones) and every SSE form of gen-sse.c (sse-PREFIX-0FOP: XMM registers
 * and MXCSR compared too) gets an equal share of the cases; the integer
 * forms of gen-int.c (int-NAME: edge cases of what the native backend
 * inlines) two shares each, within the same total.  Each case runs once on the host
 * and under each TCG backend of TCG_BACKENDS (default "native interp"; one
 * this build cannot run is skipped, said so).  One line per opcode and
 * backend: PASS: diff-BACKEND/OP, or FAIL with the first differing case
 * (its bytes, and what differed; details go to stderr), then a summary
 * line per backend.  With both backends their final states must also be
 * identical, bit for bit (FAIL: diff-native-interp/OP): the same IR runs
 * on both. */
#include "tests/diff/gen.h"
#include "tests/diff/host-model.h"
#include "translate/backend-native.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An opcode of the decoder's tables, or (sse >= 0) an SSE form of
 * gen-sse.c, or (form >= 0) an integer form of gen-int.c. */
typedef struct Opcode {
    int map, op;
    int sse;
    int form;
} Opcode;

/* Cases of an integer form, in shares of an opcode's. */
#define INT_SHARES 2

static const char *const reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static size_t collect(Opcode *ops)
{
    size_t n = 0;
    for (int map = 0; map < 2; map++) {
        for (int op = 0; op < 256; op++) {
            if (gen_opcode_valid(map, op))
                ops[n++] = (Opcode){ map, op, -1, -1 };
        }
    }
    static const int map2[] = { 0xf0, 0xf1, 0xf6 };
    for (size_t i = 0; i < sizeof(map2) / sizeof(map2[0]); i++) {
        if (gen_opcode_valid(2, map2[i]))
            ops[n++] = (Opcode){ 2, map2[i], -1, -1 };
    }
    return n;
}

static void hexbytes(const DiffCase *c, char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < c->len && o + 3 < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%02x", c->code[i]);
}

/* XMM registers and MXCSR: where the two states first differ, or false. */
static bool xmm_differ(const DiffState *x, const DiffState *y, const char *nx, const char *ny,
                       char *why, size_t n)
{
    for (int r = 0; r < 16; r++) {
        if (memcmp(x->xmm[r], y->xmm[r], 16)) {
            uint64_t a[2], b[2];
            memcpy(a, x->xmm[r], 16);
            memcpy(b, y->xmm[r], 16);
            snprintf(why, n, "xmm%d: %s %016" PRIx64 "%016" PRIx64 ", %s %016" PRIx64
                     "%016" PRIx64, r, nx, a[1], a[0], ny, b[1], b[0]);
            return true;
        }
    }
    if (x->mxcsr != y->mxcsr) {
        snprintf(why, n, "mxcsr: %s %#x, %s %#x", nx, x->mxcsr, ny, y->mxcsr);
        return true;
    }
    return false;
}

/* Compare; on a difference write what differs into why and return false. */
static bool same(const DiffCase *c, const DiffState *h, const DiffState *t, char *why, size_t n)
{
    bool dest_undef;
    uint64_t undef = allow_undefined_flags(c, &dest_undef);
    if (h->vector != t->vector) {
        snprintf(why, n, "exception: host %d, kemu %d (kemu rip %#" PRIx64 ")",
                 h->vector, t->vector, t->rip);
        return false;
    }
    bool has_error = h->vector == 8 || (h->vector >= 10 && h->vector <= 14) || h->vector == 17;
    uint32_t err_mask = ~0u;
    /* The host kernel's half is mapped (supervisor pages): a user access
     * there faults with P=1, where the test machine maps nothing. */
    if (h->vector == 14 && h->fault_addr >= 0xffff800000000000ULL)
        err_mask &= ~1u;
    if (has_error && ((h->error_code ^ t->error_code) & err_mask)) {
        snprintf(why, n, "#%d error code: host %#x, kemu %#x", h->vector,
                 h->error_code, t->error_code);
        return false;
    }
    if (h->vector == 14 && h->fault_addr != t->fault_addr) {
        snprintf(why, n, "#PF address: host %#" PRIx64 ", kemu %#" PRIx64,
                 h->fault_addr, t->fault_addr);
        return false;
    }
    if (h->rip != t->rip) {
        snprintf(why, n, "rip: host %#" PRIx64 ", kemu %#" PRIx64, h->rip, t->rip);
        return false;
    }
    for (int r = 0; r < 16; r++) {
        if (h->regs[r] != t->regs[r] && !dest_undef) {
            snprintf(why, n, "%s: host %#" PRIx64 ", kemu %#" PRIx64, reg_names[r],
                     h->regs[r], t->regs[r]);
            return false;
        }
    }
    if (!dest_undef && xmm_differ(h, t, "host", "kemu", why, n))
        return false;
    uint64_t mask = (DIFF_FLAGS_MASK | 0x400) & ~undef;
    if ((h->rflags ^ t->rflags) & mask) {
        snprintf(why, n, "rflags: host %#" PRIx64 ", kemu %#" PRIx64 " (compared %#" PRIx64 ")",
                 h->rflags, t->rflags, mask);
        return false;
    }
    /* PUSH FS/GS: the upper bytes of the slot are implementation-specific
     * (a 16-bit store or a zero-extended push, SDM "PUSH"). */
    size_t skip_lo = 1, skip_hi = 0;
    if (c->len >= 2 && c->code[c->len - 2] == 0x0f &&
        (c->code[c->len - 1] == 0xa0 || c->code[c->len - 1] == 0xa8) && h->vector < 0) {
        skip_lo = h->regs[4] - DIFF_DATA_VA + 2;
        skip_hi = h->regs[4] - DIFF_DATA_VA + 8;
    }
    for (size_t i = 0; i < DIFF_PAGE; i++) {
        if (i >= skip_lo && i < skip_hi)
            continue;
        if (h->data[i] != t->data[i] && !dest_undef) {
            snprintf(why, n, "memory at data+%#zx: host %02x, kemu %02x", i, h->data[i],
                     t->data[i]);
            return false;
        }
    }
    return true;
}

/* The TCG backends under test, from TCG_BACKENDS (default "native
 * interp"): each case runs under each one and is compared with the host;
 * with both, their final states must also be identical, bit for bit (the
 * same IR runs on both, so not even what the SDM leaves undefined may
 * differ). */
typedef struct Backend {
    const char *name;
    DiffState state;
    unsigned cases, passed_ops, failed_ops;
    bool failed;                /* on the current opcode */
} Backend;

static Backend backends[2];
static int nbackends;

/* The interpreter's result for the case against the native backend's. */
static bool same_backends(const DiffState *n, const DiffState *i, char *why, size_t len)
{
    if (n->vector != i->vector || n->error_code != i->error_code ||
        n->fault_addr != i->fault_addr) {
        snprintf(why, len, "exception: native %d (%#x, %#" PRIx64 "), interp %d (%#x, %#" PRIx64 ")",
                 n->vector, n->error_code, n->fault_addr, i->vector, i->error_code,
                 i->fault_addr);
        return false;
    }
    if (n->rip != i->rip || n->rflags != i->rflags) {
        snprintf(why, len, "rip/rflags: native %#" PRIx64 "/%#" PRIx64 ", interp %#" PRIx64
                 "/%#" PRIx64, n->rip, n->rflags, i->rip, i->rflags);
        return false;
    }
    for (int r = 0; r < 16; r++) {
        if (n->regs[r] != i->regs[r]) {
            snprintf(why, len, "%s: native %#" PRIx64 ", interp %#" PRIx64, reg_names[r],
                     n->regs[r], i->regs[r]);
            return false;
        }
    }
    if (xmm_differ(n, i, "native", "interp", why, len))
        return false;
    for (size_t b = 0; b < DIFF_PAGE; b++) {
        if (n->data[b] != i->data[b]) {
            snprintf(why, len, "memory at data+%#zx: native %02x, interp %02x", b, n->data[b],
                     i->data[b]);
            return false;
        }
    }
    return true;
}

/* Reads TCG_BACKENDS; a backend this build cannot run is skipped, with
 * the reason.  False on a name that is no backend. */
static bool setup_backends(void)
{
    const char *env = getenv("TCG_BACKENDS");
    char list[64];
    snprintf(list, sizeof(list), "%s", env && *env ? env : "native interp");
    for (char *save, *t = strtok_r(list, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
        const char *why;
        if (strcmp(t, "native") && strcmp(t, "interp")) {
            printf("FAIL: diff: TCG_BACKENDS: unknown backend '%s' (native, interp)\n", t);
            return false;
        }
        if (tcg_backend_select(t, &why)) {
            printf("SKIP: diff-%s: this build cannot run the %s backend (%s)\n", t, t, why);
            continue;
        }
        const char *name = strcmp(t, "native") ? "interp" : "native";
        if (nbackends == 0 || strcmp(backends[0].name, name))
            backends[nbackends++].name = name;
    }
    return true;
}

static void report_difference(const Opcode *o, const DiffCase *c, const char *who, const char *why);

/* Runs c under backend b and compares with the host's h. */
static void run_backend(Backend *b, const Opcode *o, const DiffCase *c, const DiffState *h)
{
    const char *err;
    char why[256];
    tcg_backend_select(b->name, &err);
    if (diff_run_tcg(c, &b->state)) {
        printf("FAIL: diff: the TCG engine did not run a case\n");
        exit(1);
    }
    b->cases++;
    if (!same(c, h, &b->state, why, sizeof(why))) {
        report_difference(o, c, b->name, why);
        b->failed = true;
    }
}

/* With both backends, where both agreed with the host: identical states. */
static void cross_check(const Opcode *o, const DiffCase *c)
{
    char why[200], what[256];
    if (nbackends < 2 || backends[0].failed || backends[1].failed)
        return;
    if (same_backends(&backends[0].state, &backends[1].state, why, sizeof(why)))
        return;
    snprintf(what, sizeof(what), "native against interpreter: %s", why);
    report_difference(o, c, "native-interp", what);
    backends[0].failed = backends[1].failed = true;
}

static void dump_case(const DiffCase *c)
{
    char hex[2 * DIFF_MAX_CODE + 1] = "";
    hexbytes(c, hex, sizeof(hex));
    fprintf(stderr, "  case %s, rflags %#" PRIx64 "\n", hex, c->in.rflags);
    for (int r = 0; r < 16; r++)
        fprintf(stderr, "    %-3s = %#018" PRIx64 "%s", reg_names[r], c->in.regs[r],
                r % 2 ? "\n" : "");
}

static const char *op_name(const Opcode *o)
{
    static char buf[32];
    if (o->form >= 0) {
        snprintf(buf, sizeof(buf), "int-%s", gen_int_name((unsigned)o->form));
    } else if (o->sse >= 0) {
        char form[16];
        gen_sse_name((unsigned)o->sse, form, sizeof(form));
        snprintf(buf, sizeof(buf), "sse-%s", form);
    } else {
        snprintf(buf, sizeof(buf), "%s%02x", o->map == 0 ? "" : o->map == 1 ? "0f" : "0f38",
                 o->op);
    }
    return buf;
}

static void report_difference(const Opcode *o, const DiffCase *c, const char *who, const char *why)
{
    char hex[2 * DIFF_MAX_CODE + 1] = "";
    hexbytes(c, hex, sizeof(hex));
    printf("FAIL: diff-%s/%s: %s: %s\n", who, op_name(o), hex, why);
    dump_case(c);
}

/* Says why an opcode had no case compared: SKIP for an opcode the
 * generator leaves out by design (ALLOWLIST.md), FAIL otherwise. */
static void report_untested(const Opcode *o, unsigned generated)
{
    const char *why = o->sse >= 0 || o->form >= 0 ? NULL : gen_excluded(o->map, o->op, 0);
    if (!generated && why)
        printf("SKIP: diff/%s: not generated: %s\n", op_name(o), why);
    else
        printf("FAIL: diff/%s: no case compared (%u generated, every host run failed)\n",
               op_name(o), generated);
}

static bool all_failed(void)
{
    bool all = true;
    for (int b = 0; b < nbackends; b++)
        all &= backends[b].failed;
    return all;
}

/* After an opcode's cases: PASS per backend that agreed throughout. */
static void report_opcode(const Opcode *o)
{
    for (int b = 0; b < nbackends; b++) {
        if (backends[b].failed) {
            backends[b].failed_ops++;
            continue;
        }
        backends[b].passed_ops++;
        printf("PASS: diff-%s/%s\n", backends[b].name, op_name(o));
    }
}

/* Runs up to n generated cases of one opcode on the host and under each
 * backend, until each backend has differed once: 1 if a case was
 * compared, -1 when none could be (never a pass), 0 when the generator
 * leaves the opcode out. */
static int run_opcode(const Opcode *o, unsigned n, uint64_t *seed, unsigned *ran)
{
    DiffCase c;
    static DiffState h;
    unsigned compared = 0, generated = 0;
    for (int b = 0; b < nbackends; b++)
        backends[b].failed = false;
    for (unsigned i = 0, tries = 0; i < n && tries < n * 4 && !all_failed(); tries++) {
        if (o->form >= 0)
            gen_int_case((unsigned)o->form, seed, &c);
        else if (o->sse >= 0)
            gen_sse_case((unsigned)o->sse, seed, &c);
        else if (!gen_case(o->map, o->op, seed, &c))
            continue;
        i++;
        generated++;
        if (diff_run_host(&c, &h))
            continue;
        (*ran)++;
        compared++;
        for (int b = 0; b < nbackends; b++) {
            if (!backends[b].failed)
                run_backend(&backends[b], o, &c, &h);
        }
        cross_check(o, &c);
    }
    if (!compared) {
        report_untested(o, generated);
        return generated || o->sse >= 0 || o->form >= 0 || !gen_excluded(o->map, o->op, 0) ? -1 : 0;
    }
    report_opcode(o);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--host-model")) {
        printf("%s\n", host_model_name());
        return 0;
    }
    const char *env = getenv("DIFF_CASES");
    unsigned total = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0)
                   : env ? (unsigned)strtoul(env, NULL, 0) : 4000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x6b656d75ULL;
    if (!setup_backends())
        return 1;
    if (!nbackends) {
        printf("FAIL: diff: no TCG backend to test (TCG_BACKENDS)\n");
        return 1;
    }
    static Opcode ops[1200];
    size_t nops = collect(ops);
    for (unsigned f = 0; f < gen_sse_forms(); f++)
        ops[nops++] = (Opcode){ 1, 0, (int)f, -1 };
    for (unsigned f = 0; f < gen_int_forms(); f++)
        ops[nops++] = (Opcode){ 0, 0, -1, (int)f };
    unsigned shares = (unsigned)nops + gen_int_forms() * (INT_SHARES - 1);
    unsigned per = total / shares + 1, ran = 0, failed = 0;
    for (size_t i = 0; i < nops; i++) {
        uint64_t k = (uint64_t)ops[i].map << 8 | (uint64_t)ops[i].op | (uint64_t)(ops[i].sse + 1) << 16 |
                     (uint64_t)(ops[i].form + 1) << 32;
        uint64_t s = seed ^ k * 0x9e3779b97f4a7c15ULL;
        s = s ? s : 1;
        failed += run_opcode(&ops[i], ops[i].form >= 0 ? INT_SHARES * per : per, &s, &ran) < 0;
    }
    /* Per backend, over the opcodes: an opcode no case could be compared
     * for failed on every backend, one the generator leaves out is skipped. */
    unsigned untested = (unsigned)failed;
    for (int b = 0; b < nbackends; b++) {
        const Backend *k = &backends[b];
        printf("difftest %s backend: %u passed, %u failed, %zu skipped (opcodes); "
               "%u cases compared with the host\n", k->name, k->passed_ops,
               k->failed_ops + untested, nops - k->passed_ops - k->failed_ops - untested,
               k->cases);
        failed += k->failed_ops;
    }
    printf("difftest: %u cases run on the host over %zu opcodes; %s\n", ran, nops,
           failed ? "FAILED" : "all agree");
    return failed ? 1 : 0;
}
