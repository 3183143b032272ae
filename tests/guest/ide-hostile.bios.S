/* ide-hostile: a bare-metal driver that feeds the PIIX IDE controller
 * (00:01.1, 8086:7010) bad programming and checks the answer of each case:
 * the device status, error register and bus-master status it reads back
 * must be what the hardware reports (ATA-6, MMC, the 82371 datasheet).
 *
 * Primary master: a 1 MiB ATA disk; secondary master: a 1 MiB CD (512
 * blocks).  ide-hostile.test fills both with a pattern (dword i of sector
 * or block N is N << 16 | i) except disk sectors 100-115, which hold PRD
 * entries pointing at this program's own PRD table.
 *
 * The cases: PRD tables and buffers outside RAM, in the local APIC's MMIO,
 * in ROM, straddling the end of RAM or wrapping at 4 GiB; PRD lists with no
 * end bit running off RAM or ending before the transfer; a buffer at the
 * bus-master registers' port number (memory there is RAM: DMA never
 * reaches I/O space); zero (64 KiB) and odd maximal byte counts; a read
 * that overwrites its own PRD table with entries pointing back at it; the engine started in the wrong direction;
 * ATA commands with sectors past the end (LBA28, LBA48, CHS sector 0, count
 * 65536) and invalid SET MULTIPLE use; a reset while a DMA command waits;
 * ATAPI packets by DMA (READ(10)/(12), across the 128 KiB pieces the device
 * reads) and by PIO with a zero byte count limit, out-of-range and
 * 2^32 - 1 block counts, DMA aimed outside RAM, unknown opcodes.  Honest
 * DMA transfers (data checked) run first, between and last.
 *
 * Prints "ide-hostile: PASS" and exits 0 (status 1); a wrong answer prints
 * "ide-hostile: FAIL: case: got X expected Y" and exits 3. */
#include "tests/guest/guest.h"

#define BM0     0xc000                  /* bus-master registers, primary */
#define BM1     0xc008                  /* secondary */
#define PRDT    0x10000
#define BUF     0x20000
#define RAM_END 0x4000000               /* -m 64 */
#define V_CASE  0x90000
#define V_LBA   0x90004
#define V_CNT   0x90008
#define V_CMD   0x9000c
#define V_DIR   0x90010                 /* BM command: 0x08 to memory */
#define V_PRDT  0x90014
#define V_DEV   0x90018
#define V_PKT   0x9001c
#define V_FEAT  0x90020
#define V_LBAHI 0x90024
#define STACK32 0x9f000

/* Result word: bus-master status << 16 | error << 8 | status. */
#define OK_      0x040050               /* interrupt, DRDY|DSC */
#define BUSERR   0x060441               /* BM error+irq, ABRT */
#define IDNF     0x041041               /* ID NOT FOUND */
#define ABRT     0x040441
#define CD_BUSERR 0x06b441              /* sense ABORTED COMMAND, BM error */
#define CD_ILLEGAL 0x045441             /* sense ILLEGAL REQUEST */

.macro CASE name
    movl $LIN(.Lname\@), V_CASE
    call case_start
    .pushsection .rodata
.Lname\@: .asciz "\name"
    .popsection
.endm

.macro CHECK expect
    mov $\expect, %ebx
    call check_result
.endm

.macro PRD n, addr, count, eot
    movl $\addr, PRDT + 8 * \n
    movl $((\count) | (\eot) << 31), PRDT + 8 * \n + 4
.endm

/* An ATA command on the primary master (LBA28 unless dev says CHS). */
.macro ATA cmd, lba, cnt, dir, dev=0xe0
    movl $\cmd, V_CMD
    movl $\lba, V_LBA
    movl $\cnt, V_CNT
    movl $\dir, V_DIR
    movl $\dev, V_DEV
    call run_ata
.endm

/* An ATAPI packet on the secondary master; feat 1: by DMA. */
.macro ATAPI pkt, feat, dir=0x08
    movl $LIN(\pkt), V_PKT
    movl $\feat, V_FEAT
    movl $\dir, V_DIR
    call run_atapi
.endm

/* The data at addr must be the disk's pattern for count sectors (or CD
 * blocks) from lba, of dwords dwords each. */
.macro EXPECT_PATTERN addr, lba, count, dwords
    mov $\addr, %esi
    mov $\lba, %eax
    mov $\count, %ecx
    mov $\dwords, %ebx
    call check_pattern
.endm

/* READ DMA of 8 sectors into a buffer DMA cannot reach: a bus error. */
.macro READ_INTO_BAD_BUF addr
    PRD 0, \addr, 4096, 1
    ATA 0xc8, 10, 8, 0x08
    CHECK BUSERR
.endm

    BIOS_START16
    PUTS16 m_start
    ENTER_PM32 $STACK32
    call find_controller
    movl $PRDT, V_PRDT
    mov $0x3f6, %dx                     /* nIEN: polled, no interrupts */
    mov $0x02, %al
    out %al, %dx
    mov $0x376, %dx
    out %al, %dx

    CASE "honest DMA read"
    call honest_read

    CASE "PRD buffer beyond RAM"
    READ_INTO_BAD_BUF 0xf0000000
    CASE "PRD buffer in the local APIC"
    READ_INTO_BAD_BUF 0xfee00000
    CASE "PRD buffer in the BIOS ROM"
    READ_INTO_BAD_BUF 0xffff0000
    CASE "PRD buffer across the end of RAM"
    READ_INTO_BAD_BUF (RAM_END-512)
    CASE "PRD buffer wrapping at 4 GiB"
    READ_INTO_BAD_BUF 0xfffffe00
    CASE "PRD table in the local APIC"
    movl $0xfee00000, V_PRDT
    ATA 0xc8, 10, 8, 0x08
    movl $PRDT, V_PRDT
    CHECK BUSERR
    CASE "PRD list without end bit off the end of RAM"
    movl $RAM_END - 8, V_PRDT
    movl $BUF, RAM_END - 8
    movl $512, RAM_END - 4
    ATA 0xc8, 10, 8, 0x08
    movl $PRDT, V_PRDT
    CHECK BUSERR
    CASE "PRD list shorter than the transfer"
    PRD 0, BUF, 512, 1
    ATA 0xc8, 10, 8, 0x08
    CHECK BUSERR
    CASE "engine started in the wrong direction"
    PRD 0, BUF, 4096, 1
    ATA 0xc8, 10, 8, 0x00
    CHECK BUSERR
    CASE "WRITE DMA from beyond RAM"
    PRD 0, 0xf0000000, 4096, 1
    ATA 0xca, 300, 8, 0x00
    CHECK BUSERR
    CASE "odd maximal byte count (PRD longer than the transfer)"
    PRD 0, BUF, 0xffff, 1
    ATA 0xc8, 20, 8, 0x08
    CHECK OK_
    EXPECT_PATTERN BUF, 20, 8, 128
    CASE "zero byte count means 64 KiB"
    PRD 0, BUF, 0, 1
    ATA 0xc8, 1000, 128, 0x08
    CHECK OK_
    EXPECT_PATTERN BUF, 1000, 128, 128
    CASE "DMA at the bus-master registers' port number as a memory address"
    PRD 0, BM0, 4096, 1
    ATA 0xc8, 10, 8, 0x08
    CHECK OK_
    mov $BM0 + 4, %dx                   /* the registers are untouched */
    in %dx, %eax
    mov $PRDT, %ebx
    call check_result
    EXPECT_PATTERN BM0, 10, 8, 128      /* the data went to RAM there */
    CASE "read overwriting its own PRD table"
    PRD 0, PRDT, 512, 0
    ATA 0xc8, 100, 16, 0x08
    CHECK OK_

    CASE "READ SECTORS past the end (LBA28)"
    ATA 0x20, 0x0fffffff, 1, 0x08
    CHECK IDNF
    CASE "READ DMA running past the last sector"
    PRD 0, BUF, 4096, 1
    ATA 0xc8, 2047, 2, 0x08
    CHECK IDNF
    CASE "CHS sector 0"
    ATA 0x20, 0, 1, 0x08, 0xa0
    CHECK IDNF
    CASE "READ DMA EXT of 65536 sectors"
    movl $0, V_LBAHI
    ATA 0x25, 0, 0, 0x08
    CHECK IDNF
    CASE "READ DMA EXT at LBA 2^40"
    movl $0x100, V_LBAHI
    ATA 0x25, 0, 1, 0x08
    movl $0, V_LBAHI
    CHECK IDNF
    CASE "READ MULTIPLE before SET MULTIPLE"
    ATA 0xc4, 0, 1, 0x08
    CHECK ABRT
    CASE "SET MULTIPLE 3"
    ATA 0xc6, 0, 3, 0x08
    CHECK ABRT
    CASE "unknown command"
    ATA 0xff, 0, 1, 0x08
    CHECK ABRT
    CASE "reset while a DMA command waits"
    call reset_during_dma
    CASE "honest DMA write and read-back"
    call write_readback
    CASE "honest DMA read after the attacks"
    call honest_read

    CASE "ATAPI DMA READ(10)"
    call cd_honest
    CASE "ATAPI DMA READ(12) across device pieces"
    PRD 0, BUF, 0, 0
    PRD 1, BUF+0x10000, 0, 0
    PRD 2, BUF+0x20000, 0x8000, 1
    ATAPI pkt_read12_10_80, 1
    CHECK OK_
    EXPECT_PATTERN BUF, 10, 80, 512
    CASE "ATAPI DMA with the buffer in the local APIC"
    PRD 0, 0xfee00000, 8192, 1
    ATAPI pkt_read10_3_4, 1
    CHECK CD_BUSERR
    CASE "ATAPI DMA with the PRD table off the end of RAM"
    movl $RAM_END - 8, V_PRDT
    movl $BUF, RAM_END - 8
    movl $2048, RAM_END - 4
    ATAPI pkt_read10_3_4, 1
    movl $PRDT, V_PRDT
    CHECK CD_BUSERR
    CASE "ATAPI DMA with a PRD list shorter than the data"
    PRD 0, BUF, 2048, 1
    ATAPI pkt_read10_3_4, 1
    CHECK CD_BUSERR
    CASE "ATAPI DMA in the wrong direction"
    PRD 0, BUF, 8192, 1
    ATAPI pkt_read10_3_4, 1, 0x00
    CHECK CD_BUSERR
    CASE "ATAPI READ(10) past the last block"
    ATAPI pkt_read10_600_1, 1
    CHECK CD_ILLEGAL
    CASE "ATAPI READ(12) of 2^32 - 1 blocks"
    ATAPI pkt_read12_huge, 1
    CHECK CD_ILLEGAL
    CASE "ATAPI DMA READ(10) of 0 blocks"
    ATAPI pkt_read10_0, 1
    CHECK OK_
    CASE "ATAPI TEST UNIT READY with the DMA bit"
    ATAPI pkt_tur, 1
    CHECK OK_
    CASE "ATAPI MODE SENSE by DMA, allocation 65535"
    PRD 0, BUF, 0, 1
    ATAPI pkt_mode_sense, 1
    CHECK OK_
    CASE "ATAPI unknown opcode"
    ATAPI pkt_bogus, 1
    CHECK CD_ILLEGAL
    CASE "ATAPI INQUIRY by PIO, byte count limit 0"
    call cd_inquiry_pio
    CASE "ATAPI DMA READ(10) after the attacks"
    call cd_honest

    mov $LIN(m_pass), %esi
    call puts32
    EXIT32 0

/* ---- the controller ------------------------------------------------------ */

find_controller:
    mov $0x80000900, %eax               /* 00:01.1 */
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    in %dx, %eax
    cmp $0x70108086, %eax
    je 5f
    mov $LIN(m_nodev), %esi
    call puts32
    EXIT32 2
5:  mov $0x80000920, %eax               /* BAR4: the bus-master registers */
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    mov $BM0 | 1, %eax
    out %eax, %dx
    mov $0x80000904, %eax               /* I/O decoding, bus master */
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    mov $5, %ax
    out %ax, %dx
    ret

/* Engine at %edi stopped, status cleared, table V_PRDT, direction V_DIR. */
bm_prep:
    mov %edi, %edx
    xor %al, %al
    out %al, %dx
    add $2, %dx
    mov $0x06, %al
    out %al, %dx
    add $2, %dx
    mov V_PRDT, %eax
    out %eax, %dx
    mov %edi, %edx
    mov V_DIR, %eax
    out %al, %dx
    ret

bm_start:
    mov %edi, %edx
    mov V_DIR, %eax
    or $1, %al
    out %al, %dx
    ret

/* Poll the status register at %dx until neither BSY nor DRQ is set;
 * %al = status.  A device that never finishes fails the case. */
wait_idle:
    mov $50000000, %ecx
1:  in %dx, %al
    test $0x88, %al
    jz 2f
    loop 1b
    mov $LIN(m_timeout), %esi
    jmp fail_case
2:  ret

/* Until BSY clears with DRQ set. */
wait_drq:
    mov $50000000, %ecx
1:  in %dx, %al
    test $0x80, %al
    jnz 2f
    test $0x08, %al
    jnz 3f
2:  loop 1b
    mov $LIN(m_nodrq), %esi
    jmp fail_case
3:  ret

/* The command on the channel at %ebp (0x1f0, 0x170) with its engine at
 * %edi is over: the result word in %eax, the engine stopped. */
collect:
    lea 7(%ebp), %edx
    call wait_idle
    movzbl %al, %ebx
    lea 1(%ebp), %edx
    in %dx, %al
    movzbl %al, %eax
    shl $8, %eax
    or %eax, %ebx
    mov %edi, %edx
    xor %al, %al
    out %al, %dx
    add $2, %dx
    in %dx, %al
    and $7, %eax
    shl $16, %eax
    or %ebx, %eax
    ret

run_ata:
    mov $BM0, %edi
    mov $0x1f0, %ebp
    call bm_prep
    cmpl $0x25, V_CMD
    jne 1f
    mov $0x1f2, %dx                     /* LBA48: the high-order bytes first */
    mov V_CNT + 1, %al
    out %al, %dx
    mov $0x1f3, %dx
    mov V_LBA + 3, %al
    out %al, %dx
    mov $0x1f4, %dx
    mov V_LBAHI, %al
    out %al, %dx
    mov $0x1f5, %dx
    mov V_LBAHI + 1, %al
    out %al, %dx
1:  mov $0x1f2, %dx
    mov V_CNT, %al
    out %al, %dx
    mov $0x1f3, %dx
    mov V_LBA, %al
    out %al, %dx
    mov $0x1f4, %dx
    mov V_LBA + 1, %al
    out %al, %dx
    mov $0x1f5, %dx
    mov V_LBA + 2, %al
    out %al, %dx
    mov $0x1f6, %dx
    mov V_LBA + 3, %al
    and $0x0f, %al
    or V_DEV, %al
    out %al, %dx
    mov $0x1f7, %dx
    mov V_CMD, %al
    out %al, %dx
    call bm_start
    jmp collect

/* The packet at V_PKT with feature V_FEAT and a byte count limit 0xfffe. */
atapi_issue:
    mov $0x176, %dx
    mov $0xa0, %al
    out %al, %dx
    mov $0x171, %dx
    mov V_FEAT, %al
    out %al, %dx
    mov $0x174, %dx
    mov $0xfe, %al
    out %al, %dx
    mov $0x175, %dx
    mov $0xff, %al
    out %al, %dx
    mov $0x177, %dx
    mov $0xa0, %al
    out %al, %dx
    call wait_drq
    mov V_PKT, %esi
    mov $0x170, %dx
    mov $6, %ecx
    rep outsw
    ret

run_atapi:
    mov $BM1, %edi
    mov $0x170, %ebp
    call bm_prep
    call atapi_issue
    call bm_start
    jmp collect

/* %ecx units (sectors: %ebx = 128 dwords, CD blocks: 512) from unit %eax
 * at %esi must hold the pattern. */
check_pattern:
1:  xor %edx, %edx
2:  mov %eax, %edi
    shl $16, %edi
    or %edx, %edi
    cmp (%esi), %edi
    jne 3f
    add $4, %esi
    inc %edx
    cmp %ebx, %edx
    jb 2b
    inc %eax
    loop 1b
    ret
3:  mov $LIN(m_data), %esi
    jmp fail_case

check_result:
    cmp %ebx, %eax
    jne 1f
    ret
1:  push %eax
    mov $LIN(m_fail), %esi
    call puts32
    mov V_CASE, %esi
    call puts32
    mov $LIN(m_got), %esi
    call puts32
    pop %eax
    call puthex32
    mov $LIN(m_expected), %esi
    call puts32
    mov %ebx, %eax
    call puthex32
    mov $LIN(m_nl), %esi
    call puts32
    EXIT32 3

case_start:
    mov $LIN(m_case), %esi
    call puts32
    mov V_CASE, %esi
    call puts32
    mov $LIN(m_nl), %esi
    jmp puts32

/* "FAIL: case: what" with the message at %esi. */
fail_case:
    push %esi
    mov $LIN(m_fail), %esi
    call puts32
    mov V_CASE, %esi
    call puts32
    pop %esi
    call puts32
    EXIT32 3

/* ---- the honest transfers ------------------------------------------------ */

honest_read:
    movl $0, BUF + 4 * 128 * 7
    PRD 0, BUF, 2048, 0
    PRD 1, BUF+2048, 2048, 1
    ATA 0xc8, 10, 8, 0x08
    CHECK OK_
    mov $BUF, %esi
    mov $10, %eax
    mov $8, %ecx
    mov $128, %ebx
    jmp check_pattern

/* Sectors 300-307 written from this program's ROM, read back and compared. */
write_readback:
    PRD 0, 0xf0000, 4096, 1
    ATA 0xca, 300, 8, 0x00
    CHECK OK_
    PRD 0, BUF, 4096, 1
    ATA 0xc8, 300, 8, 0x08
    CHECK OK_
    mov $BUF, %esi
    mov $0xf0000, %edi
    mov $1024, %ecx
    repe cmpsl
    je 1f
    mov $LIN(m_data), %esi
    jmp fail_case
1:  ret

/* READ DMA issued, the engine never started, then a software reset: the
 * channel must come back with the disk's signature and serve reads. */
reset_during_dma:
    mov $BM0, %edi
    PRD 0, BUF, 4096, 1
    movl $0x08, V_DIR
    call bm_prep
    mov $0x1f2, %dx
    mov $8, %al
    out %al, %dx
    mov $0x1f3, %dx
    mov $10, %al
    out %al, %dx
    mov $0x1f7, %dx
    mov $0xc8, %al
    out %al, %dx
    mov $0x3f6, %dx
    mov $0x06, %al                      /* SRST, nIEN */
    out %al, %dx
    mov $0x02, %al
    out %al, %dx
    mov $0x1f7, %dx
    call wait_idle
    mov $0x1f4, %dx                     /* ATA signature: cylinder 0 */
    in %dx, %al
    mov %al, %ah
    mov $0x1f5, %dx
    in %dx, %al
    test %ax, %ax
    jz 1f
    mov $LIN(m_sig), %esi
    jmp fail_case
1:  jmp honest_read

cd_honest:
    movl $0, BUF + 3 * 2048
    PRD 0, BUF, 4096, 0
    PRD 1, BUF+4096, 4096, 1
    ATAPI pkt_read10_3_4, 1
    CHECK OK_
    mov $BUF, %esi
    mov $3, %eax
    mov $4, %ecx
    mov $512, %ebx
    jmp check_pattern

/* INQUIRY (allocation 255) by PIO with a byte count limit of 0, which the
 * device takes as 0xfffe: one DRQ block of 36 bytes, then the end. */
cd_inquiry_pio:
    movl $LIN(pkt_inquiry), V_PKT
    movl $0, V_FEAT
    mov $0x176, %dx
    mov $0xa0, %al
    out %al, %dx
    mov $0x171, %dx
    xor %al, %al
    out %al, %dx
    mov $0x174, %dx
    out %al, %dx
    mov $0x175, %dx
    out %al, %dx
    mov $0x177, %dx
    mov $0xa0, %al
    out %al, %dx
    call wait_drq
    mov V_PKT, %esi
    mov $0x170, %dx
    mov $6, %ecx
    rep outsw
    mov $0x177, %dx
    call wait_drq
    mov $0x174, %dx
    in %dx, %al
    mov %al, %bl
    mov $0x175, %dx
    in %dx, %al
    mov %al, %bh
    movzwl %bx, %eax
    mov $36, %ebx
    call check_result
    mov $BUF, %edi
    mov $0x170, %dx
    mov $18, %ecx
    rep insw
    cmpl $0x554d4551, BUF + 8           /* "QEMU" */
    je 1f
    mov $LIN(m_data), %esi
    jmp fail_case
1:  mov $BM1, %edi
    mov $0x170, %ebp
    call collect
    and $0xffff, %eax                   /* no DMA: the engine's bits do not matter */
    mov $0x0050, %ebx
    jmp check_result

    PUTHEX_FUNC putc32, %ecx
    SERIAL32_FUNCS

    .balign 4
/* ATAPI packets (big-endian fields, 12 bytes each). */
pkt_read10_3_4:   .byte 0x28, 0, 0, 0, 0, 3, 0, 0, 4, 0, 0, 0
pkt_read10_600_1: .byte 0x28, 0, 0, 0, 0x02, 0x58, 0, 0, 1, 0, 0, 0
pkt_read10_0:     .byte 0x28, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0
pkt_read12_10_80: .byte 0xa8, 0, 0, 0, 0, 10, 0, 0, 0, 80, 0, 0
pkt_read12_huge:  .byte 0xa8, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0
pkt_tur:          .byte 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
pkt_mode_sense:   .byte 0x5a, 0, 0x2a, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0
pkt_bogus:        .byte 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
pkt_inquiry:      .byte 0x12, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0

    FLAT_GDT32

m_start:    .asciz "ide-hostile: start\r\n"
m_case:     .asciz "ide-hostile: "
m_pass:     .asciz "ide-hostile: PASS\r\n"
m_fail:     .asciz "ide-hostile: FAIL: "
m_got:      .asciz ": got "
m_expected: .asciz " expected "
m_nl:       .asciz "\r\n"
m_nodev:    .asciz "ide-hostile: FAIL: no PIIX IDE at 00:01.1\r\n"
m_timeout:  .asciz ": the device stayed busy\r\n"
m_nodrq:    .asciz ": the device never asked for data\r\n"
m_data:     .asciz ": the data read differs\r\n"
m_sig:      .asciz ": no disk signature after the reset\r\n"

    RESET_VECTOR _start
