/* QEMU's firmware configuration interface ("fw_cfg", docs/specs/fw_cfg.txt
 * in QEMU's tree): a selector port 0x510 (16-bit), a data port 0x511
 * (8-bit) and a DMA address register at 0x514 (two big-endian 32-bit
 * halves; writing the low half at 0x518 runs the transfer).  SeaBIOS reads
 * the RAM size, CPU count, e820 map, boot order and kernel from it. */
#ifndef KEMU_FW_CFG_H
#define KEMU_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "hw/core/device.h"

#define FW_CFG_IO_BASE   0x510
#define FW_CFG_DMA_BASE  0x514

/* Selector keys */
#define FW_CFG_SIGNATURE      0x00
#define FW_CFG_ID             0x01
#define FW_CFG_UUID           0x02
#define FW_CFG_RAM_SIZE       0x03
#define FW_CFG_NOGRAPHIC      0x04
#define FW_CFG_NB_CPUS        0x05
#define FW_CFG_MACHINE_ID     0x06
#define FW_CFG_KERNEL_ADDR    0x07
#define FW_CFG_KERNEL_SIZE    0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR    0x0a
#define FW_CFG_INITRD_SIZE    0x0b
#define FW_CFG_BOOT_DEVICE    0x0c
#define FW_CFG_NUMA           0x0d
#define FW_CFG_BOOT_MENU      0x0e
#define FW_CFG_MAX_CPUS       0x0f
#define FW_CFG_KERNEL_ENTRY   0x10
#define FW_CFG_KERNEL_DATA    0x11
#define FW_CFG_INITRD_DATA    0x12
#define FW_CFG_CMDLINE_ADDR   0x13
#define FW_CFG_CMDLINE_SIZE   0x14
#define FW_CFG_CMDLINE_DATA   0x15
#define FW_CFG_SETUP_ADDR     0x16
#define FW_CFG_SETUP_SIZE     0x17
#define FW_CFG_SETUP_DATA     0x18
#define FW_CFG_FILE_DIR       0x19
#define FW_CFG_FILE_FIRST     0x20
#define FW_CFG_WRITE_CHANNEL  0x4000
#define FW_CFG_ARCH_LOCAL     0x8000
#define FW_CFG_IRQ0_OVERRIDE  (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE     (FW_CFG_ARCH_LOCAL + 3)

/* FW_CFG_ID feature bits */
#define FW_CFG_VERSION     0x01
#define FW_CFG_VERSION_DMA 0x02

/* DMA control bits (FWCfgDmaAccess.control, big-endian in guest memory) */
#define FW_CFG_DMA_ERROR  0x01
#define FW_CFG_DMA_READ   0x02
#define FW_CFG_DMA_SKIP   0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE  0x10

#define FW_CFG_MAX_FILES 64
#define FW_CFG_FILE_NAME 56

/* Items.  Numbers are stored little-endian as QEMU does; data is copied
 * (add_bytes) or taken over and freed with the device (add_bytes_owned).
 * Adding a key that exists replaces it. */
void fw_cfg_add_bytes(Device *fw, uint16_t key, const void *data, size_t len);
void fw_cfg_add_bytes_owned(Device *fw, uint16_t key, void *data, size_t len);
void fw_cfg_add_i16(Device *fw, uint16_t key, uint16_t v);
void fw_cfg_add_i32(Device *fw, uint16_t key, uint32_t v);
void fw_cfg_add_i64(Device *fw, uint16_t key, uint64_t v);
void fw_cfg_add_string(Device *fw, uint16_t key, const char *s);
/* A named file in the directory (key FW_CFG_FILE_DIR); returns its key or
 * -1 after error_report when the directory is full or the name too long. */
int fw_cfg_add_file(Device *fw, const char *name, const void *data, size_t len);
/* Replace the contents of a file added before (or add it). */
int fw_cfg_set_file(Device *fw, const char *name, const void *data, size_t len);

#endif
