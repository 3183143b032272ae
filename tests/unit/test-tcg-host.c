/* The translator against the host CPU: each instruction of a table runs
 * on the TCG engine (64-bit mode) and natively (in an executable buffer)
 * from the same registers and flags; results and the flags the SDM
 * defines for it must match.  Inputs come from a fixed-seed generator
 * mixing edge values (0, 1, -1, sign boundaries) and random ones. */
#include <cpuid.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tests/diff/host-model.h"
#include "tests/unit/tcg-harness.h"
#include "tests/unit/unit.h"
#include "translate/flags.h"
#include "translate/tb.h"

typedef struct HostCase {
    const char *text;
    uint8_t bytes[16];
    unsigned len;
    uint32_t flags_mask;    /* flags the SDM defines for this instruction */
} HostCase;

static const HostCase host_cases[] = {
    { "add eax, ebx", { 0x01, 0xd8 }, 2, 0x8d5 },
    { "add al, bl", { 0x00, 0xd8 }, 2, 0x8d5 },
    { "add ax, bx", { 0x66, 0x01, 0xd8 }, 3, 0x8d5 },
    { "add rax, rbx", { 0x48, 0x01, 0xd8 }, 3, 0x8d5 },
    { "adc eax, ebx", { 0x11, 0xd8 }, 2, 0x8d5 },
    { "adc al, bl", { 0x10, 0xd8 }, 2, 0x8d5 },
    { "sbb eax, ebx", { 0x19, 0xd8 }, 2, 0x8d5 },
    { "sbb rax, rbx", { 0x48, 0x19, 0xd8 }, 3, 0x8d5 },
    { "sub eax, ebx", { 0x29, 0xd8 }, 2, 0x8d5 },
    { "sub ah, bl", { 0x28, 0xdc }, 2, 0x8d5 },
    { "cmp eax, ebx", { 0x39, 0xd8 }, 2, 0x8d5 },
    { "cmp cx, dx", { 0x66, 0x39, 0xd1 }, 3, 0x8d5 },
    { "and eax, ebx", { 0x21, 0xd8 }, 2, 0x8c5 },
    { "or rax, rbx", { 0x48, 0x09, 0xd8 }, 3, 0x8c5 },
    { "xor al, bl", { 0x30, 0xd8 }, 2, 0x8c5 },
    { "test ecx, edx", { 0x85, 0xd1 }, 2, 0x8c5 },
    { "inc eax", { 0xff, 0xc0 }, 2, 0x8d5 },
    { "dec bl", { 0xfe, 0xcb }, 2, 0x8d5 },
    { "inc rax", { 0x48, 0xff, 0xc0 }, 3, 0x8d5 },
    { "neg eax", { 0xf7, 0xd8 }, 2, 0x8d5 },
    { "neg bx", { 0x66, 0xf7, 0xdb }, 3, 0x8d5 },
    { "not ecx", { 0xf7, 0xd1 }, 2, 0x8d5 },
    { "shl eax, 1", { 0xd1, 0xe0 }, 2, 0x8c5 },
    { "shr eax, 1", { 0xd1, 0xe8 }, 2, 0x8c5 },
    { "sar eax, 1", { 0xd1, 0xf8 }, 2, 0x8c5 },
    { "shl eax, 7", { 0xc1, 0xe0, 0x07 }, 3, 0xc5 },
    { "shr bx, 3", { 0x66, 0xc1, 0xeb, 0x03 }, 4, 0xc5 },
    { "sar rax, 33", { 0x48, 0xc1, 0xf8, 0x21 }, 4, 0xc5 },
    { "shl eax, cl", { 0xd3, 0xe0 }, 2, 0xc5 },
    { "shr edx, cl", { 0xd3, 0xea }, 2, 0xc5 },
    { "sar bl, cl", { 0xd2, 0xfb }, 2, 0xc4 },
    { "rol eax, 1", { 0xd1, 0xc0 }, 2, 0x801 },
    { "ror eax, 1", { 0xd1, 0xc8 }, 2, 0x801 },
    { "rol bl, cl", { 0xd2, 0xc3 }, 2, 0x1 },
    { "ror rax, cl", { 0x48, 0xd3, 0xc8 }, 3, 0x1 },
    { "rcl eax, 1", { 0xd1, 0xd0 }, 2, 0x801 },
    { "rcr eax, 1", { 0xd1, 0xd8 }, 2, 0x801 },
    { "rcl bx, cl", { 0x66, 0xd3, 0xd3 }, 3, 0x1 },
    { "rcr dl, cl", { 0xd2, 0xda }, 2, 0x1 },
    { "shld eax, ebx, 5", { 0x0f, 0xa4, 0xd8, 0x05 }, 4, 0xc5 },
    { "shrd eax, ebx, cl", { 0x0f, 0xad, 0xd8 }, 3, 0xc4 },
    { "shld rax, rdx, cl", { 0x48, 0x0f, 0xa5, 0xd0 }, 4, 0xc4 },
    { "mul ebx", { 0xf7, 0xe3 }, 2, 0x801 },
    { "mul bl", { 0xf6, 0xe3 }, 2, 0x801 },
    { "imul rbx", { 0x48, 0xf7, 0xeb }, 3, 0x801 },
    { "imul ecx, ebx", { 0x0f, 0xaf, 0xcb }, 3, 0x801 },
    { "imul eax, ebx, -7", { 0x6b, 0xc3, 0xf9 }, 3, 0x801 },
    { "imul cx", { 0x66, 0xf7, 0xe9 }, 3, 0x801 },
    { "bt eax, ebx", { 0x0f, 0xa3, 0xd8 }, 3, 0x1 },
    { "bts ecx, 5", { 0x0f, 0xba, 0xe9, 0x05 }, 4, 0x1 },
    { "btr rax, rbx", { 0x48, 0x0f, 0xb3, 0xd8 }, 4, 0x1 },
    { "btc eax, 31", { 0x0f, 0xba, 0xf8, 0x1f }, 4, 0x1 },
    { "bsf ecx, eax", { 0x0f, 0xbc, 0xc8 }, 3, 0x40 },
    { "bsr rdx, rbx", { 0x48, 0x0f, 0xbd, 0xd3 }, 4, 0x40 },
    { "cmovz eax, ebx", { 0x0f, 0x44, 0xc3 }, 3, 0x0 },
    { "cmovl ecx, edx", { 0x0f, 0x4c, 0xca }, 3, 0x0 },
    { "setg al", { 0x0f, 0x9f, 0xc0 }, 3, 0x0 },
    { "seta bl", { 0x0f, 0x97, 0xc3 }, 3, 0x0 },
    { "setp cl", { 0x0f, 0x9a, 0xc1 }, 3, 0x0 },
    { "cbw", { 0x66, 0x98 }, 2, 0x0 },
    { "cwde", { 0x98 }, 1, 0x0 },
    { "cdqe", { 0x48, 0x98 }, 2, 0x0 },
    { "cwd", { 0x66, 0x99 }, 2, 0x0 },
    { "cdq", { 0x99 }, 1, 0x0 },
    { "cqo", { 0x48, 0x99 }, 2, 0x0 },
    { "movsx eax, bl", { 0x0f, 0xbe, 0xc3 }, 3, 0x0 },
    { "movzx ecx, dx", { 0x0f, 0xb7, 0xca }, 3, 0x0 },
    { "movsxd rax, ebx", { 0x48, 0x63, 0xc3 }, 3, 0x0 },
    { "bswap eax", { 0x0f, 0xc8 }, 2, 0x0 },
    { "bswap rbx", { 0x48, 0x0f, 0xcb }, 3, 0x0 },
    { "xadd eax, ebx", { 0x0f, 0xc1, 0xd8 }, 3, 0x8d5 },
    { "cmpxchg ecx, edx", { 0x0f, 0xb1, 0xd1 }, 3, 0x8d5 },
    { "cmpxchg bl, dl", { 0x0f, 0xb0, 0xd3 }, 3, 0x8d5 },
    { "xchg eax, ebx", { 0x93 }, 1, 0x0 },
    { "lea eax, [rbx+rcx*4+0x10]", { 0x8d, 0x44, 0x8b, 0x10 }, 4, 0x0 },
    { "lea ax, [rbx+rcx]", { 0x66, 0x8d, 0x04, 0x0b }, 4, 0x0 },
    { "stc", { 0xf9 }, 1, 0x8d5 },
    { "clc", { 0xf8 }, 1, 0x8d5 },
    { "cmc", { 0xf5 }, 1, 0x8d5 },
    { "sahf", { 0x9e }, 1, 0x8d5 },
    { "lahf", { 0x9f }, 1, 0x0 },
    { "popcnt eax, ebx", { 0xf3, 0x0f, 0xb8, 0xc3 }, 4, 0x8d5 },
    { "shl eax, 0", { 0xc1, 0xe0, 0x00 }, 3, 0x8d5 },
    { "shld eax, ebx, 0", { 0x0f, 0xa4, 0xd8, 0x00 }, 4, 0x8d5 },
    { "bt ax, bx", { 0x66, 0x0f, 0xa3, 0xd8 }, 4, 0x1 },
    { "bts rax, 63", { 0x48, 0x0f, 0xba, 0xe8, 0x3f }, 5, 0x1 },
    { "rcl al, 1", { 0xd0, 0xd0 }, 2, 0x801 },
    { "rcr bx, 1", { 0x66, 0xd1, 0xdb }, 3, 0x801 },
    { "imul ax, bx, 3", { 0x66, 0x6b, 0xc3, 0x03 }, 4, 0x801 },
    { "neg al", { 0xf6, 0xd8 }, 2, 0x8d5 },
    { "adc rax, -1", { 0x48, 0x83, 0xd0, 0xff }, 4, 0x8d5 },
    { "sbb al, 0x80", { 0x1c, 0x80 }, 2, 0x8d5 },
    { "test al, 0xff", { 0xa8, 0xff }, 2, 0x8c5 },
    { "inc bx", { 0x66, 0xff, 0xc3 }, 3, 0x8d5 },
    { "dec rcx", { 0x48, 0xff, 0xc9 }, 3, 0x8d5 },
    { "xadd al, bl", { 0x0f, 0xc0, 0xd8 }, 3, 0x8d5 },
    { "cmpxchg rax, rbx", { 0x48, 0x0f, 0xb1, 0xd8 }, 4, 0x8d5 },
    { "mul rbx", { 0x48, 0xf7, 0xe3 }, 3, 0x801 },
    { "imul ebx", { 0xf7, 0xeb }, 2, 0x801 },
    { "imul bl", { 0xf6, 0xeb }, 2, 0x801 },
    { "mul cx", { 0x66, 0xf7, 0xe1 }, 3, 0x801 },
    { "sar eax, cl", { 0xd3, 0xf8 }, 2, 0xc4 },
    { "shr al, cl", { 0xd2, 0xe8 }, 2, 0xc4 },
    { "shl bx, cl", { 0x66, 0xd3, 0xe3 }, 3, 0xc4 },
    { "rol rax, 1", { 0x48, 0xd1, 0xc0 }, 3, 0x801 },
    { "ror bl, 1", { 0xd0, 0xcb }, 2, 0x801 },
    { "bsf ax, bx", { 0x66, 0x0f, 0xbc, 0xc3 }, 4, 0x40 },
    { "bsr eax, ecx", { 0x0f, 0xbd, 0xc1 }, 3, 0x40 },
    { "btc rbx, rcx", { 0x48, 0x0f, 0xbb, 0xcb }, 4, 0x1 },
    { "btr ax, 3", { 0x66, 0x0f, 0xba, 0xf0, 0x03 }, 5, 0x1 },
    { "cmovnz rax, rbx", { 0x48, 0x0f, 0x45, 0xc3 }, 4, 0x0 },
    { "cmovs ecx, edx", { 0x0f, 0x48, 0xca }, 3, 0x0 },
    { "cmovo ax, bx", { 0x66, 0x0f, 0x40, 0xc3 }, 4, 0x0 },
    { "setb al", { 0x0f, 0x92, 0xc0 }, 3, 0x0 },
    { "setle bl", { 0x0f, 0x9e, 0xc3 }, 3, 0x0 },
    { "sets dl", { 0x0f, 0x98, 0xc2 }, 3, 0x0 },
    { "movsx rax, bx", { 0x48, 0x0f, 0xbf, 0xc3 }, 4, 0x0 },
    { "movzx rcx, bl", { 0x48, 0x0f, 0xb6, 0xcb }, 4, 0x0 },
    { "xchg ax, bx", { 0x66, 0x93 }, 2, 0x0 },
    { "xchg al, bl", { 0x86, 0xd8 }, 2, 0x0 },
    { "and eax, 0x80", { 0x25, 0x80, 0x00, 0x00, 0x00 }, 5, 0x8c5 },
    { "or al, 1", { 0x0c, 0x01 }, 2, 0x8c5 },
    { "sub rax, 0x7fffffff", { 0x48, 0x2d, 0xff, 0xff, 0xff, 0x7f }, 6, 0x8d5 },
    { "cmp al, 0x80", { 0x3c, 0x80 }, 2, 0x8d5 },
    { "add ax, -1", { 0x66, 0x83, 0xc0, 0xff }, 4, 0x8d5 },
};
/*
    push rbx
    push r15
    mov r15, rdi
    push qword ptr [r15+32]
    popfq
    mov rax, [r15]
    mov rbx, [r15+8]
    mov rcx, [r15+16]
    mov rdx, [r15+24]
 */
static const uint8_t host_prologue[] = {
    0x53, 0x41, 0x57, 0x49, 0x89, 0xff, 0x41, 0xff, 0x77, 0x20, 0x9d, 0x49,
    0x8b, 0x07, 0x49, 0x8b, 0x5f, 0x08, 0x49, 0x8b, 0x4f, 0x10, 0x49, 0x8b,
    0x57, 0x18,
};

/*
    pushfq
    pop qword ptr [r15+32]
    mov [r15], rax
    mov [r15+8], rbx
    mov [r15+16], rcx
    mov [r15+24], rdx
    pop r15
    pop rbx
    ret
 */
static const uint8_t host_epilogue[] = {
    0x9c, 0x41, 0x8f, 0x47, 0x20, 0x49, 0x89, 0x07, 0x49, 0x89, 0x5f, 0x08,
    0x49, 0x89, 0x4f, 0x10, 0x49, 0x89, 0x57, 0x18, 0x41, 0x5f, 0x5b, 0xc3,
};

/* Needs BMI1, BMI2, ADX and LZCNT on the host. */
static const HostCase host_bmi_cases[] = {
    { "andn eax, ebx, ecx", { 0xc4, 0xe2, 0x60, 0xf2, 0xc1 }, 5, 0x8c1 },
    { "andn rax, rbx, rcx", { 0xc4, 0xe2, 0xe0, 0xf2, 0xc1 }, 5, 0x8c1 },
    { "blsr eax, ebx", { 0xc4, 0xe2, 0x78, 0xf3, 0xcb }, 5, 0x8c1 },
    { "blsmsk rax, rbx", { 0xc4, 0xe2, 0xf8, 0xf3, 0xd3 }, 5, 0x8c1 },
    { "blsi ecx, edx", { 0xc4, 0xe2, 0x70, 0xf3, 0xda }, 5, 0x8c1 },
    { "bzhi eax, ebx, ecx", { 0xc4, 0xe2, 0x70, 0xf5, 0xc3 }, 5, 0x8c1 },
    { "bzhi rax, rbx, rcx", { 0xc4, 0xe2, 0xf0, 0xf5, 0xc3 }, 5, 0x8c1 },
    { "pext rax, rbx, rcx", { 0xc4, 0xe2, 0xe2, 0xf5, 0xc1 }, 5, 0x0 },
    { "pdep eax, ebx, ecx", { 0xc4, 0xe2, 0x63, 0xf5, 0xc1 }, 5, 0x0 },
    { "mulx rax, rbx, rcx", { 0xc4, 0xe2, 0xe3, 0xf6, 0xc1 }, 5, 0x0 },
    { "mulx eax, ecx, ebx", { 0xc4, 0xe2, 0x73, 0xf6, 0xc3 }, 5, 0x0 },
    { "bextr eax, ebx, ecx", { 0xc4, 0xe2, 0x70, 0xf7, 0xc3 }, 5, 0x841 },
    { "bextr rax, rbx, rcx", { 0xc4, 0xe2, 0xf0, 0xf7, 0xc3 }, 5, 0x841 },
    { "shlx eax, ebx, ecx", { 0xc4, 0xe2, 0x71, 0xf7, 0xc3 }, 5, 0x0 },
    { "sarx rax, rbx, rcx", { 0xc4, 0xe2, 0xf2, 0xf7, 0xc3 }, 5, 0x0 },
    { "shrx ebx, ecx, edx", { 0xc4, 0xe2, 0x6b, 0xf7, 0xd9 }, 5, 0x0 },
    { "rorx eax, ebx, 7", { 0xc4, 0xe3, 0x7b, 0xf0, 0xc3, 0x07 }, 6, 0x0 },
    { "rorx rax, rbx, 63", { 0xc4, 0xe3, 0xfb, 0xf0, 0xc3, 0x3f }, 6, 0x0 },
    { "tzcnt eax, ebx", { 0xf3, 0x0f, 0xbc, 0xc3 }, 4, 0x41 },
    { "tzcnt cx, dx", { 0x66, 0xf3, 0x0f, 0xbc, 0xca }, 5, 0x41 },
    { "lzcnt rcx, rdx", { 0xf3, 0x48, 0x0f, 0xbd, 0xca }, 5, 0x41 },
    { "lzcnt eax, ebx", { 0xf3, 0x0f, 0xbd, 0xc3 }, 4, 0x41 },
    { "adcx eax, ebx", { 0x66, 0x0f, 0x38, 0xf6, 0xc3 }, 5, 0x1 },
    { "adox rax, rbx", { 0xf3, 0x48, 0x0f, 0x38, 0xf6, 0xc3 }, 6, 0x800 },
};

/* Memory forms: rsi points at a 64-byte buffer (guest 0x40000). */
static const HostCase host_mem_cases[] = {
    { "add eax, [rsi+8]", { 0x03, 0x46, 0x08 }, 3, 0x8d5 },
    { "sub [rsi+16], ebx", { 0x29, 0x5e, 0x10 }, 3, 0x8d5 },
    { "adc rax, [rsi]", { 0x48, 0x13, 0x06 }, 3, 0x8d5 },
    { "and [rsi+4], cx", { 0x66, 0x21, 0x4e, 0x04 }, 4, 0x8c5 },
    { "xor byte ptr [rsi+3], dl", { 0x30, 0x56, 0x03 }, 3, 0x8c5 },
    { "cmp [rsi+12], eax", { 0x39, 0x46, 0x0c }, 3, 0x8d5 },
    { "test [rsi+20], rbx", { 0x48, 0x85, 0x5e, 0x14 }, 4, 0x8c5 },
    { "inc dword ptr [rsi+24]", { 0xff, 0x46, 0x18 }, 3, 0x8d5 },
    { "neg qword ptr [rsi+32]", { 0x48, 0xf7, 0x5e, 0x20 }, 4, 0x8d5 },
    { "not word ptr [rsi+40]", { 0x66, 0xf7, 0x56, 0x28 }, 4, 0x0 },
    { "mov [rsi+44], eax", { 0x89, 0x46, 0x2c }, 3, 0x0 },
    { "mov rbx, [rsi+48]", { 0x48, 0x8b, 0x5e, 0x30 }, 4, 0x0 },
    { "movzx ecx, byte ptr [rsi+5]", { 0x0f, 0xb6, 0x4e, 0x05 }, 4, 0x0 },
    { "movsx rdx, word ptr [rsi+6]", { 0x48, 0x0f, 0xbf, 0x56, 0x06 }, 5, 0x0 },
    { "xadd [rsi+8], ecx", { 0x0f, 0xc1, 0x4e, 0x08 }, 4, 0x8d5 },
    { "cmpxchg [rsi+16], edx", { 0x0f, 0xb1, 0x56, 0x10 }, 4, 0x8d5 },
    { "xchg [rsi+24], eax", { 0x87, 0x46, 0x18 }, 3, 0x0 },
    { "lock or dword ptr [rsi], 0x40", { 0xf0, 0x83, 0x0e, 0x40 }, 4, 0x8c5 },
    { "shl dword ptr [rsi+28], 1", { 0xd1, 0x66, 0x1c }, 3, 0x8c5 },
    { "rol word ptr [rsi+2], 1", { 0x66, 0xd1, 0x46, 0x02 }, 4, 0x8d5 },
    { "rcr byte ptr [rsi+9], 1", { 0xd0, 0x5e, 0x09 }, 3, 0x8d5 },
    { "setc byte ptr [rsi+50]", { 0x0f, 0x92, 0x46, 0x32 }, 4, 0x0 },
    { "cmovz eax, [rsi+52]", { 0x0f, 0x44, 0x46, 0x34 }, 4, 0x0 },
    { "add qword ptr [rsi+56], -3", { 0x48, 0x83, 0x46, 0x38, 0xfd }, 5, 0x8d5 },
    { "sbb al, [rsi+1]", { 0x1a, 0x46, 0x01 }, 3, 0x8d5 },
    { "lock cmpxchg [rsi+32], rbx", { 0xf0, 0x48, 0x0f, 0xb1, 0x5e, 0x20 }, 6, 0x8d5 },
    { "dec byte ptr [rsi+60]", { 0xfe, 0x4e, 0x3c }, 3, 0x8d5 },
    { "sar word ptr [rsi+14], 1", { 0x66, 0xd1, 0x7e, 0x0e }, 4, 0x8c5 },
    { "mov dword ptr [rsi+36], 0x12345678", { 0xc7, 0x46, 0x24, 0x78, 0x56, 0x34, 0x12 }, 7, 0x0 },
    { "add [rsi+44], al", { 0x00, 0x46, 0x2c }, 3, 0x8d5 },
    { "cmp byte ptr [rsi+7], 0x80", { 0x80, 0x7e, 0x07, 0x80 }, 4, 0x8d5 },
    { "or ax, [rsi+10]", { 0x66, 0x0b, 0x46, 0x0a }, 4, 0x8c5 },
    { "sub rdx, [rsi+40]", { 0x48, 0x2b, 0x56, 0x28 }, 4, 0x8d5 },
};
/*
    push rbx
    push r15
    mov r15, rdi
    push qword ptr [r15+32]
    popfq
    mov rax, [r15]
    mov rbx, [r15+8]
    mov rcx, [r15+16]
    mov rdx, [r15+24]
    mov rsi, [r15+40]
 */
static const uint8_t host_prologue_mem[] = {
    0x53, 0x41, 0x57, 0x49, 0x89, 0xff, 0x41, 0xff, 0x77, 0x20, 0x9d, 0x49,
    0x8b, 0x07, 0x49, 0x8b, 0x5f, 0x08, 0x49, 0x8b, 0x4f, 0x10, 0x49, 0x8b,
    0x57, 0x18, 0x49, 0x8b, 0x77, 0x28,
};


typedef struct HostState {
    uint64_t rax, rbx, rcx, rdx, rflags;
    uint64_t rsi;               /* memory forms: the buffer */
} HostState;

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t pick(void)
{
    static const uint64_t edge[] = { 0, 1, ~0ULL, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                     0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
                                     0x8000000000000000ULL, 0x99, 0x0f };
    uint64_t r = rnd();
    switch (r & 3) {
    case 0: return edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))];
    case 1: return (r >> 8) & 0xff;
    default: return rnd();
    }
}

typedef void (*HostFn)(HostState *s);

static HostFn host_build(uint8_t *page, const HostCase *c)
{
    size_t n = 0;
    memcpy(page + n, host_prologue, sizeof(host_prologue));
    n += sizeof(host_prologue);
    memcpy(page + n, c->bytes, c->len);
    n += c->len;
    memcpy(page + n, host_epilogue, sizeof(host_epilogue));
    return (HostFn)(void *)page;
}

static void emu_run(CPUState *cpu, uint64_t addr, HostState *s)
{
    CPUX86State *env = &cpu->env;
    env->regs[R_EAX] = s->rax;
    env->regs[R_EBX] = s->rbx;
    env->regs[R_ECX] = s->rcx;
    env->regs[R_EDX] = s->rdx;
    env->rip = addr;
    env->halted = false;
    cpu_load_flags(cpu, s->rflags);
    int r = tt_run(cpu);
    CHECK_EQ(r, -1);
    s->rax = env->regs[R_EAX];
    s->rbx = env->regs[R_EBX];
    s->rcx = env->regs[R_ECX];
    s->rdx = env->regs[R_EDX];
    s->rflags = tt_flags(cpu);
}

static void compare_table(const HostCase *cases, unsigned ncases, uint64_t code_base)
{
    CPUState *cpu = tt_cpu(64);
    host_model_apply(cpu);      /* where the vendors differ, as the host */
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        SKIP("no executable memory for the host side");
    unsigned fails = 0;
    for (unsigned i = 0; i < ncases && fails < 10; i++) {
        const HostCase *c = &cases[i];
        uint64_t addr = code_base + i * 32;
        for (unsigned k = 0; k < c->len; k++)
            tt_wr(addr + k, c->bytes[k], 1);
        tt_wr(addr + c->len, 0xf4, 1);
        HostFn fn = host_build(page, c);
        for (int n = 0; n < 200 && fails < 10; n++) {
            HostState in = { pick(), pick(), pick(), pick(), (rnd() & FL_ARITH) | 2 };
            HostState h = in, e = in;
            fn(&h);
            emu_run(cpu, addr, &e);
            uint64_t m = c->flags_mask;
            if (h.rax != e.rax || h.rbx != e.rbx || h.rcx != e.rcx || h.rdx != e.rdx ||
                ((h.rflags ^ e.rflags) & m)) {
                unit_fail(__FILE__, __LINE__,
                          "%s: in rax=%#llx rbx=%#llx rcx=%#llx rdx=%#llx fl=%#llx: host "
                          "%#llx %#llx %#llx %#llx fl=%#llx, tcg %#llx %#llx %#llx %#llx fl=%#llx",
                          c->text, (unsigned long long)in.rax, (unsigned long long)in.rbx,
                          (unsigned long long)in.rcx, (unsigned long long)in.rdx,
                          (unsigned long long)in.rflags, (unsigned long long)h.rax,
                          (unsigned long long)h.rbx, (unsigned long long)h.rcx,
                          (unsigned long long)h.rdx, (unsigned long long)(h.rflags & m),
                          (unsigned long long)e.rax, (unsigned long long)e.rbx,
                          (unsigned long long)e.rcx, (unsigned long long)e.rdx,
                          (unsigned long long)(e.rflags & m));
                fails++;
            }
        }
    }
    munmap(page, 4096);
}

TEST(tcg_host, integer_instructions_match_the_host_cpu)
{
    compare_table(host_cases, sizeof(host_cases) / sizeof(host_cases[0]), TT_CODE);
}

TEST(tcg_host, bmi_adx_lzcnt_match_the_host_cpu)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 3)) || !(b & (1u << 8)) ||
        !(b & (1u << 19)))
        SKIP("the host has no BMI1/BMI2/ADX");
    if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(c & (1u << 5)))
        SKIP("the host has no LZCNT");
    compare_table(host_bmi_cases, sizeof(host_bmi_cases) / sizeof(host_bmi_cases[0]), 0x10000);
}

/* Straight-line sequences of instructions whose flags are fully defined
 * (AF aside) run as one block: this exercises what the optimizer does
 * across instructions (register forwarding, dead flags, folding). */
TEST(tcg_host, instruction_sequences_match_the_host_cpu)
{
    CPUState *cpu = tt_cpu(64);
    host_model_apply(cpu);      /* where the vendors differ, as the host */
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        SKIP("no executable memory for the host side");
    const HostCase *pool[256];
    unsigned npool = 0, ncases = sizeof(host_cases) / sizeof(host_cases[0]), fails = 0;
    for (unsigned i = 0; i < ncases && npool < 256; i++) {
        uint32_t m = host_cases[i].flags_mask;
        if ((m == 0x8d5 || m == (0x8d5 & ~FL_AF) || m == 0) && strcmp(host_cases[i].text, "lahf"))
            pool[npool++] = &host_cases[i];
    }
    for (unsigned n = 0; n < 400 && fails < 10; n++) {
        HostCase seq = { "sequence", { 0 }, 0, 0x8d5 & ~FL_AF };
        uint8_t code[160];
        unsigned len = 0, count = 2 + rnd() % 9;
        char text[512] = "";
        for (unsigned k = 0; k < count; k++) {
            const HostCase *c = pool[rnd() % npool];
            memcpy(code + len, c->bytes, c->len);
            len += c->len;
            strncat(text, c->text, sizeof(text) - strlen(text) - 3);
            strncat(text, "; ", sizeof(text) - strlen(text) - 1);
        }
        uint64_t addr = 0x30000 + (n % 64) * 256;
        /* A fresh address each time the slot is reused: drop old code. */
        for (unsigned k = 0; k < len; k++)
            tt_wr(addr + k, code[k], 1);
        tt_wr(addr + len, 0xf4, 1);
        tb_invalidate_phys_range(cpu, addr, 256);
        memcpy(page + sizeof(host_prologue), code, len);
        memcpy(page, host_prologue, sizeof(host_prologue));
        memcpy(page + sizeof(host_prologue) + len, host_epilogue, sizeof(host_epilogue));
        HostFn fn = (HostFn)(void *)page;
        HostState in = { pick(), pick(), pick(), pick(), (rnd() & FL_ARITH) | 2 };
        HostState h = in, e = in;
        fn(&h);
        emu_run(cpu, addr, &e);
        if (h.rax != e.rax || h.rbx != e.rbx || h.rcx != e.rcx || h.rdx != e.rdx ||
            ((h.rflags ^ e.rflags) & seq.flags_mask)) {
            unit_fail(__FILE__, __LINE__, "%s in %#llx %#llx %#llx %#llx: host %#llx %#llx "
                      "%#llx %#llx fl=%#llx, tcg %#llx %#llx %#llx %#llx fl=%#llx", text,
                      (unsigned long long)in.rax, (unsigned long long)in.rbx,
                      (unsigned long long)in.rcx, (unsigned long long)in.rdx,
                      (unsigned long long)h.rax, (unsigned long long)h.rbx,
                      (unsigned long long)h.rcx, (unsigned long long)h.rdx,
                      (unsigned long long)(h.rflags & seq.flags_mask),
                      (unsigned long long)e.rax, (unsigned long long)e.rbx,
                      (unsigned long long)e.rcx, (unsigned long long)e.rdx,
                      (unsigned long long)(e.rflags & seq.flags_mask));
            fails++;
        }
    }
    munmap(page, 4096);
}

#define MEMBUF 0x40000

/* Memory forms, alone and in sequences: registers, flags and the buffer. */
TEST(tcg_host, memory_forms_match_the_host_cpu)
{
    CPUState *cpu = tt_cpu(64);
    host_model_apply(cpu);      /* where the vendors differ, as the host */
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        SKIP("no executable memory for the host side");
    unsigned ncases = sizeof(host_mem_cases) / sizeof(host_mem_cases[0]), fails = 0;
    for (unsigned n = 0; n < 600 && fails < 10; n++) {
        uint8_t code[160], hostbuf[64];
        unsigned len = 0, count = n < 2 * ncases ? 1 : 2 + rnd() % 6;
        char text[512] = "";
        for (unsigned k = 0; k < count; k++) {
            const HostCase *c = &host_mem_cases[count == 1 ? n % ncases : rnd() % ncases];
            memcpy(code + len, c->bytes, c->len);
            len += c->len;
            strncat(text, c->text, sizeof(text) - strlen(text) - 3);
            strncat(text, "; ", sizeof(text) - strlen(text) - 1);
        }
        uint64_t addr = 0x30000 + (n % 64) * 256;
        for (unsigned k = 0; k < len; k++)
            tt_wr(addr + k, code[k], 1);
        tt_wr(addr + len, 0xf4, 1);
        tb_invalidate_phys_range(cpu, addr, 256);
        for (unsigned k = 0; k < 64; k++) {
            hostbuf[k] = (uint8_t)rnd();
            tt_wr(MEMBUF + k, hostbuf[k], 1);
        }
        memcpy(page, host_prologue_mem, sizeof(host_prologue_mem));
        memcpy(page + sizeof(host_prologue_mem), code, len);
        memcpy(page + sizeof(host_prologue_mem) + len, host_epilogue, sizeof(host_epilogue));
        HostFn fn = (HostFn)(void *)page;
        HostState in = { pick(), pick(), pick(), pick(), (rnd() & FL_ARITH) | 2, 0 };
        HostState h = in, e = in;
        h.rsi = (uint64_t)(uintptr_t)hostbuf;
        fn(&h);
        cpu->env.regs[R_ESI] = MEMBUF;
        emu_run(cpu, addr, &e);
        uint32_t m = 0x8d5 & ~FL_AF;
        bool mem_ok = true;
        for (unsigned k = 0; k < 64; k++)
            mem_ok &= tt_rd(MEMBUF + k, 1) == hostbuf[k];
        if (!mem_ok || h.rax != e.rax || h.rbx != e.rbx || h.rcx != e.rcx || h.rdx != e.rdx ||
            ((h.rflags ^ e.rflags) & m)) {
            unit_fail(__FILE__, __LINE__, "%s: memory %s; host %#llx %#llx %#llx %#llx "
                      "fl=%#llx, tcg %#llx %#llx %#llx %#llx fl=%#llx", text,
                      mem_ok ? "same" : "differs", (unsigned long long)h.rax,
                      (unsigned long long)h.rbx, (unsigned long long)h.rcx,
                      (unsigned long long)h.rdx, (unsigned long long)(h.rflags & m),
                      (unsigned long long)e.rax, (unsigned long long)e.rbx,
                      (unsigned long long)e.rcx, (unsigned long long)e.rdx,
                      (unsigned long long)(e.rflags & m));
            fails++;
        }
    }
    munmap(page, 4096);
}
