/* The native backend's x86-64 encoder against the GNU assembler: every
 * form the backend emits, over registers that need REX bits, SIB bytes and
 * each displacement size, is assembled by `as` from Intel syntax and must
 * come out byte for byte the same.  Jumps and calls, whose displacement
 * depends on where code runs, are checked by their bytes directly. */
#include "config.h"

#ifdef CONFIG_JIT
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "translate/x86-encoder.h"

#define CASES(X) \
    X("mov rax, rcx", x86_mov_rr(e, 8, X_RAX, X_RCX)) \
    X("mov r9d, r12d", x86_mov_rr(e, 4, X_R9, X_R12)) \
    X("mov sil, dil", x86_mov_rr(e, 1, X_RSI, X_RDI)) \
    X("mov cx, r8w", x86_mov_rr(e, 2, X_RCX, X_R8)) \
    X("xor eax, eax", x86_mov_ri(e, X_RAX, 0)) \
    X("mov r8d, 0x200", x86_mov_ri(e, X_R8, 0x200)) \
    X("mov rax, -5", x86_mov_ri(e, X_RAX, (uint64_t)-5)) \
    X("movabs r11, 0x123456789abc", x86_mov_ri(e, X_R11, 0x123456789abcULL)) \
    X("movzx eax, byte ptr [rbx + 0x81]", x86_load(e, 1, X_RAX, xmem(X_RBX, 0x81))) \
    X("movzx edx, word ptr [rbp]", x86_load(e, 2, X_RDX, xmem(X_RBP, 0))) \
    X("mov esi, dword ptr [r13 + 8]", x86_load(e, 4, X_RSI, xmem(X_R13, 8))) \
    X("mov rax, qword ptr [rsp + 0x7ff8]", x86_load(e, 8, X_RAX, xmem(X_RSP, 0x7ff8))) \
    X("mov r13, qword ptr [rdi + 0x1f0]", x86_load(e, 8, X_R13, xmem(X_RDI, 0x1f0))) \
    X("mov rax, qword ptr [r12]", x86_load(e, 8, X_RAX, xmem(X_R12, 0))) \
    X("mov rcx, qword ptr [rax + rcx]", x86_load(e, 8, X_RCX, xmem_idx(X_RAX, X_RCX, 1, 0))) \
    X("movzx eax, byte ptr [rax + rcx]", x86_load(e, 1, X_RAX, xmem_idx(X_RAX, X_RCX, 1, 0))) \
    X("movsx rax, byte ptr [rbp + 0x10]", x86_load_sx(e, 1, X_RAX, xmem(X_RBP, 0x10))) \
    X("movsx rax, word ptr [rbp - 8]", x86_load_sx(e, 2, X_RAX, xmem(X_RBP, -8))) \
    X("movsxd rax, dword ptr [rbp + 0x400]", x86_load_sx(e, 4, X_RAX, xmem(X_RBP, 0x400))) \
    X("mov qword ptr [rbp + 0x18], rax", x86_store(e, 8, xmem(X_RBP, 0x18), X_RAX)) \
    X("mov dword ptr [rbx + 0x80], r10d", x86_store(e, 4, xmem(X_RBX, 0x80), X_R10)) \
    X("mov word ptr [rax + rcx], dx", x86_store(e, 2, xmem_idx(X_RAX, X_RCX, 1, 0), X_RDX)) \
    X("mov byte ptr [rax + rcx], dl", x86_store(e, 1, xmem_idx(X_RAX, X_RCX, 1, 0), X_RDX)) \
    X("mov byte ptr [rbx + 1], sil", x86_store(e, 1, xmem(X_RBX, 1), X_RSI)) \
    X("mov qword ptr [rbp], 0", x86_store_i(e, 8, xmem(X_RBP, 0), 0)) \
    X("mov qword ptr [rbx + 0x80], -1", x86_store_i(e, 8, xmem(X_RBX, 0x80), -1)) \
    X("mov dword ptr [rbx + 0x90], 0x15", x86_store_i(e, 4, xmem(X_RBX, 0x90), 0x15)) \
    X("lea rax, [rax + rax*4]", x86_lea(e, X_RAX, xmem_idx(X_RAX, X_RAX, 4, 0))) \
    X("lea rax, [r13 + rax*8 + 0x10]", x86_lea(e, X_RAX, xmem_idx(X_R13, X_RAX, 8, 0x10))) \
    X("lea rcx, [rsi + 3]", x86_lea(e, X_RCX, xmem(X_RSI, 3))) \
    X("lea r9, [r13 + r14*2 + 0x12345]", x86_lea(e, X_R9, xmem_idx(X_R13, X_R14, 2, 0x12345))) \
    X("movzx eax, al", x86_movzx_rr(e, 1, X_RAX, X_RAX)) \
    X("movzx eax, sil", x86_movzx_rr(e, 1, X_RAX, X_RSI)) \
    X("movzx r8d, r9w", x86_movzx_rr(e, 2, X_R8, X_R9)) \
    X("mov eax, eax", x86_movzx_rr(e, 4, X_RAX, X_RAX)) \
    X("movsx rax, cl", x86_movsx_rr(e, 1, X_RAX, X_RCX)) \
    X("movsx rdx, ax", x86_movsx_rr(e, 2, X_RDX, X_RAX)) \
    X("movsxd rax, r11d", x86_movsx_rr(e, 4, X_RAX, X_R11)) \
    X("add rax, rcx", x86_alu_rr(e, XA_ADD, 8, X_RAX, X_RCX)) \
    X("sub r15d, eax", x86_alu_rr(e, XA_SUB, 4, X_R15, X_RAX)) \
    X("cmp al, cl", x86_alu_rr(e, XA_CMP, 1, X_RAX, X_RCX)) \
    X("cmp dil, sil", x86_alu_rr(e, XA_CMP, 1, X_RDI, X_RSI)) \
    X("cmp ax, cx", x86_alu_rr(e, XA_CMP, 2, X_RAX, X_RCX)) \
    X("xor rax, r8", x86_alu_rr(e, XA_XOR, 8, X_RAX, X_R8)) \
    X("and eax, 0xff", x86_alu_ri(e, XA_AND, 4, X_RAX, 0xff)) \
    X("and rcx, -4096", x86_alu_ri(e, XA_AND, 8, X_RCX, -4096)) \
    X("sub rsp, 0x8008", x86_alu_ri(e, XA_SUB, 8, X_RSP, 0x8008)) \
    X("or rax, 0x12", x86_alu_ri(e, XA_OR, 8, X_RAX, 0x12)) \
    X("cmp ax, 0x1234", x86_alu_ri(e, XA_CMP, 2, X_RAX, 0x1234)) \
    X("add cl, 7", x86_alu_ri(e, XA_ADD, 1, X_RCX, 7)) \
    X("cmp al, 0x12", x86_alu_ri(e, XA_CMP, 1, X_RAX, 0x12)) \
    X("add rax, 0x1000", x86_alu_ri(e, XA_ADD, 8, X_RAX, 0x1000)) \
    X("add rax, qword ptr [rbp + 8]", x86_alu_rm(e, XA_ADD, 8, X_RAX, xmem(X_RBP, 8))) \
    X("cmp rcx, qword ptr [rax + 8]", x86_alu_rm(e, XA_CMP, 8, X_RCX, xmem(X_RAX, 8))) \
    X("xor eax, dword ptr [rbp + 0x100]", x86_alu_rm(e, XA_XOR, 4, X_RAX, xmem(X_RBP, 0x100))) \
    X("cmp byte ptr [r13 + 0xd004], 0", x86_alu_mi(e, XA_CMP, 1, xmem(X_R13, 0xd004), 0)) \
    X("cmp qword ptr [rbp + 0x28], 0", x86_alu_mi(e, XA_CMP, 8, xmem(X_RBP, 0x28), 0)) \
    X("add dword ptr [rbx], 0x1000", x86_alu_mi(e, XA_ADD, 4, xmem(X_RBX, 0), 0x1000)) \
    X("test rax, rax", x86_test_rr(e, 8, X_RAX, X_RAX)) \
    X("test dword ptr [rbx + 0x88], 0x200", x86_test_mi(e, 4, xmem(X_RBX, 0x88), 0x200)) \
    X("imul rax, rcx", x86_imul_rr(e, 8, X_RAX, X_RCX)) \
    X("imul r10d, r11d", x86_imul_rr(e, 4, X_R10, X_R11)) \
    X("shl rax, cl", x86_shift_cl(e, XS_SHL, 8, X_RAX)) \
    X("sar rax, cl", x86_shift_cl(e, XS_SAR, 8, X_RAX)) \
    X("rol al, cl", x86_shift_cl(e, XS_ROL, 1, X_RAX)) \
    X("ror ax, cl", x86_shift_cl(e, XS_ROR, 2, X_RAX)) \
    X("rol r9d, cl", x86_shift_cl(e, XS_ROL, 4, X_R9)) \
    X("shr rax, 12", x86_shift_ri(e, XS_SHR, 8, X_RAX, 12)) \
    X("shl rax, 1", x86_shift_ri(e, XS_SHL, 8, X_RAX, 1)) \
    X("ror sil, 3", x86_shift_ri(e, XS_ROR, 1, X_RSI, 3)) \
    X("neg rax", x86_neg(e, 8, X_RAX)) \
    X("not r12", x86_not(e, 8, X_R12)) \
    X("sete al", x86_setcc(e, XC_E, X_RAX)) \
    X("setb sil", x86_setcc(e, XC_B, X_RSI)) \
    X("setl r8b", x86_setcc(e, XC_L, X_R8)) \
    X("push rbp", x86_push(e, X_RBP)) \
    X("push r15", x86_push(e, X_R15)) \
    X("pop r13", x86_pop(e, X_R13)) \
    X("pop rbx", x86_pop(e, X_RBX)) \
    X("jmp rsi", x86_jmp_reg(e, X_RSI)) \
    X("jmp r11", x86_jmp_reg(e, X_R11)) \
    X("ret", x86_ret(e))

#define TEXT(t, code) t "\n"
#define EMIT(t, code) code;

static void emit_all(X86Enc *e)
{
    CASES(EMIT)
}

/* Assemble the cases' text with `as`; returns the byte count or -1. */
static long assemble(uint8_t *out, size_t max)
{
    char dir[] = "/tmp/kemu-enc-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    char src[64], obj[64], bin[64], cmd[320];
    snprintf(src, sizeof(src), "%s/t.s", dir);
    snprintf(obj, sizeof(obj), "%s/t.o", dir);
    snprintf(bin, sizeof(bin), "%s/t.bin", dir);
    FILE *f = fopen(src, "w");
    long n = -1;
    if (f) {
        fputs(".intel_syntax noprefix\n" CASES(TEXT), f);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "as --64 -o %s %s && objcopy -O binary -j .text %s %s",
                 obj, src, obj, bin);
        if (system(cmd) == 0 && (f = fopen(bin, "rb"))) {
            n = (long)fread(out, 1, max, f);
            fclose(f);
        }
    }
    unlink(src);
    unlink(obj);
    unlink(bin);
    rmdir(dir);
    return n;
}

TEST(x86_encoder, same_bytes_as_gnu_as)
{
    REQUIRE(system("command -v as >/dev/null && command -v objcopy >/dev/null") == 0,
            "the GNU assembler (binutils) is needed");
    static uint8_t ours[4096], theirs[4096];
    X86Enc e;
    x86_enc_init(&e, ours, sizeof(ours), 0);
    emit_all(&e);
    CHECK(!e.full);
    long n = assemble(theirs, sizeof(theirs));
    REQUIRE(n > 0, "as failed on the test's instructions");
    long len = e.p - ours;
    CHECK_EQ(len, n);
    for (long i = 0; i < len && i < n; i++) {
        if (ours[i] != theirs[i]) {
            unit_fail(__FILE__, __LINE__, "byte %ld: ours %02x, as %02x", i, ours[i], theirs[i]);
            break;
        }
    }
}

TEST(x86_encoder, jumps_and_calls)
{
    static uint8_t buf[64];
    X86Enc e;
    /* The buffer runs at 0x10000 (exec_delta): targets are relative to that. */
    x86_enc_init(&e, buf, sizeof(buf), (intptr_t)(0x10000 - (uintptr_t)buf));
    x86_call(&e, (const void *)0x10105);            /* e8, rel32 = 0x100 */
    static const uint8_t call[] = { 0xe8, 0x00, 0x01, 0x00, 0x00 };
    CHECK(!memcmp(buf, call, 5));
    uint8_t *j = x86_jcc32(&e, XC_NE);
    CHECK_EQ(buf[5], 0x0f);
    CHECK_EQ(buf[6], 0x85);
    x86_patch_rel32(j, buf + 11 + 4);               /* 4 bytes past the jcc's end */
    CHECK_EQ(buf[7], 4);
    CHECK_EQ(buf[8] | buf[9] | buf[10], 0);
    x86_jmp_abs(&e, 0x10000);                        /* back to the start: rel32 -16 */
    static const uint8_t jmp[] = { 0xe9, 0xf0, 0xff, 0xff, 0xff };
    CHECK(!memcmp(buf + 11, jmp, 5));
    /* Out of rel32 reach: through r11. */
    x86_call(&e, (const void *)0x123456789000ULL);
    static const uint8_t far[] = { 0x49, 0xbb, 0x00, 0x90, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00,
                                   0x41, 0xff, 0xd3 };
    CHECK(!memcmp(buf + 16, far, sizeof(far)));
}

TEST(x86_encoder, full_buffer_stops)
{
    uint8_t buf[6];
    X86Enc e;
    x86_enc_init(&e, buf, sizeof(buf), 0);
    x86_mov_ri(&e, X_RAX, 0x123456789abcULL);       /* 10 bytes: does not fit */
    CHECK(e.full);
    CHECK(e.p <= buf + sizeof(buf));
}
#endif
