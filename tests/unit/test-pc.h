/* A PC board for unit tests, built without running a CPU: RAM and holes,
 * a synthetic BIOS, CPUs that never run (a no-op accelerator records
 * state syncs), fw_cfg, and helpers to write files and capture errors. */
#ifndef KEMU_TEST_PC_H
#define KEMU_TEST_PC_H

#include <stddef.h>
#include <stdint.h>

#include "hw/core/machine.h"
#include "hw/pc/pc-board.h"

/* Machine with ram bytes, smp CPUs, the memory map, a 256 KiB synthetic
 * BIOS (byte i of the image is (i * 7) & 0xff) and fw_cfg. */
Machine *pct_machine(uint64_t ram, unsigned smp);
/* Write the synthetic BIOS to a temporary file; returns its path. */
const char *pct_bios(void);
/* Number of accel->sync_state(cpu, false) calls so far. */
int pct_syncs(void);
/* Write len bytes to a new temporary file; returns its path (static storage
 * per slot 0..7). */
const char *pct_file(int slot, const void *data, size_t len);
/* Run fn(m) with stderr captured; returns fn's result and copies the first
 * line printed into msg. */
int pct_capture(int (*fn)(Machine *m), Machine *m, char *msg, size_t len);

/* A synthetic bzImage: 4 setup sectors (header for protocol version,
 * code32_start 1 MiB, cmdline_size 2048), then 8 KiB of "kernel" where
 * byte i is i ^ 0x5a. */
uint8_t *pct_bzimage(size_t *size, uint16_t version);

/* fw_cfg through its ports: read len bytes of key; find a file by name
 * (its key, or -1; *size gets its size). */
void pct_fw_read(Machine *m, uint16_t key, uint8_t *buf, size_t len);
int pct_fw_find(Machine *m, const char *name, uint32_t *size);

uint8_t pcb(Machine *m, uint64_t a);
uint16_t pcw(Machine *m, uint64_t a);
uint32_t pcl(Machine *m, uint64_t a);
uint64_t pcq(Machine *m, uint64_t a);

#endif
