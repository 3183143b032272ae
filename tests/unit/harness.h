/* A CPU-less test board for device tests (the qtest idea): a Machine with
 * memory and I/O address spaces, the virtual clock in manual mode, and every
 * GSI wired to a recorder the test inspects.  Each unit test runs in its own
 * process, so the board is a process-wide singleton. */
#ifndef KEMU_TEST_HARNESS_H
#define KEMU_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/clock.h"
#include "hw/core/device.h"
#include "hw/core/machine.h"

/* Build the board (1 MiB of RAM at 0, 64 KiB of ports) with time at 0. */
Machine *harness_init(void);
Machine *harness_machine(void);

/* Create and realize a device by name with a QEMU property string; fails the
 * test (and returns NULL) if that does not work. */
Device *harness_device(const char *name, const char *props);

/* Port and memory access on the board. */
uint8_t inb(uint16_t port);
uint16_t inw(uint16_t port);
uint32_t inl(uint16_t port);
void outb(uint16_t port, uint8_t v);
void outw(uint16_t port, uint16_t v);
void outl(uint16_t port, uint32_t v);
uint32_t readl(uint64_t addr);
void writel(uint64_t addr, uint32_t v);

/* PCI configuration dwords of slot dev on bus 0 (mechanism #1); the
 * first slot from 1 whose ID dword is id (vendor in the low half), or -1
 * if there is none. */
uint32_t pci_cfg_readl(int dev, unsigned reg);
void pci_cfg_writel(int dev, unsigned reg, uint32_t v);
int harness_pci_find(uint32_t id);

/* The GSI recorder: current level and rising/falling edges seen since the
 * last gsi_clear(). */
int gsi_level(int n);
int gsi_rises(int n);
int gsi_falls(int n);
void gsi_clear(void);
/* Virtual time of the last rising edge on gsi n (-1 if none). */
int64_t gsi_last_rise(int n);

/* Message-signalled interrupts the board received (Machine.msi): how
 * many since harness_init or msi_clear, and the last one. */
int msi_count(void);
uint64_t msi_last_addr(void);
uint32_t msi_last_data(void);
void msi_clear(void);

/* Advance the virtual clock (firing due timers). */
static inline void clock_advance(int64_t ns) { clock_step(ns); }

#endif
