/* Multiboot 1 kernels for -kernel (the Multiboot Specification 0.6.96):
 * the header lies 4-byte aligned in the first 8 KiB; the image is an ELF
 * file or, with header flag 16, loaded by the addresses in the header (the
 * "a.out kludge").  -initrd gives modules ("file args,file2 args", with ",,"
 * for a comma), -append the command line.  The information structure, its
 * memory map, strings and module list go after the last module; the BSP
 * starts at the entry with EAX = 0x2BADB002 and EBX = the structure, in
 * flat 32-bit protected mode with paging and interrupts off. */
#include "hw/pc/pc-board.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#ifdef CONFIG_LIBELF
#include <gelf.h>
#include <libelf.h>
#endif

#define MB_MAGIC       0x1badb002u
#define MB_BOOT_MAGIC  0x2badb002u
#define MB_SEARCH      8192
#define MB_PAGE_ALIGN  (1u << 0)
#define MB_MEMORY_INFO (1u << 1)
#define MB_VIDEO_MODE  (1u << 2)
#define MB_AOUT_KLUDGE (1u << 16)
#define MB_KNOWN_REQUIRED (MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE)

/* Information structure flags and offsets */
#define MBI_MEM       (1u << 0)
#define MBI_BOOTDEV   (1u << 1)
#define MBI_CMDLINE   (1u << 2)
#define MBI_MODS      (1u << 3)
#define MBI_MMAP      (1u << 6)
#define MBI_LOADER    (1u << 9)
#define MBI_SIZE      88
#define MBI_MOD_SIZE  16
#define MBI_MMAP_SIZE 24
#define MB_MAX_MODS   64
#define MB_MAX_MMAP   32
#define MB_LOW_RESERVED 0x1000  /* IVT, BDA and our GDT: no kernel there */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

long multiboot_find_header(const uint8_t *img, size_t size)
{
    for (size_t off = 0; off + 12 <= MIN(size, (size_t)MB_SEARCH); off += 4) {
        const uint8_t *h = img + off;
        if (le32(h) == MB_MAGIC && (uint32_t)(le32(h) + le32(h + 4) + le32(h + 8)) == 0)
            return (long)off;
    }
    return -1;
}

typedef struct MbLoad {
    Machine *m;
    const char *path;
    uint64_t end;             /* highest byte the kernel occupies, +1 */
    uint32_t entry;
} MbLoad;

/* Copy filesz bytes and zero up to memsz at paddr, all inside RAM. */
static int load_segment(MbLoad *l, uint64_t paddr, const uint8_t *data, uint64_t filesz,
                        uint64_t memsz)
{
    if (memsz < filesz || paddr < MB_LOW_RESERVED || paddr + memsz > PC_HIGHMEM_BASE ||
        !as_ram_ptr(&l->m->mem, paddr, memsz ? memsz : 1, true)) {
        error_report("-kernel %s: segment at 0x%llx (%llu bytes) is not in RAM above 4 KiB",
                     l->path, (unsigned long long)paddr, (unsigned long long)memsz);
        return -1;
    }
    uint8_t *p = as_ram_ptr(&l->m->mem, paddr, memsz ? memsz : 1, true);
    memcpy(p, data, filesz);
    memset(p + filesz, 0, memsz - filesz);
    l->end = MAX(l->end, paddr + memsz);
    return 0;
}

static int load_aout(MbLoad *l, const uint8_t *img, size_t size, long off)
{
    const uint8_t *h = img + off;
    if ((size_t)off + 32 > size) {
        error_report("-kernel %s: truncated Multiboot header", l->path);
        return -1;
    }
    uint32_t header_addr = le32(h + 12), load_addr = le32(h + 16);
    uint32_t load_end = le32(h + 20), bss_end = le32(h + 24);
    if (load_addr > header_addr || header_addr - load_addr > (uint32_t)off) {
        error_report("-kernel %s: Multiboot load_addr 0x%x does not fit header_addr 0x%x",
                     l->path, load_addr, header_addr);
        return -1;
    }
    size_t file_off = (size_t)off - (header_addr - load_addr);
    uint64_t load_size = load_end ? (uint64_t)load_end - load_addr : size - file_off;
    if (load_end && load_end < load_addr) {
        error_report("-kernel %s: Multiboot load_end_addr below load_addr", l->path);
        return -1;
    }
    if (file_off + load_size > size) {
        error_report("-kernel %s: Multiboot load range beyond the end of the file", l->path);
        return -1;
    }
    uint64_t mem_size = bss_end ? (uint64_t)bss_end - load_addr : load_size;
    if (mem_size < load_size) {
        error_report("-kernel %s: Multiboot bss_end_addr below the loaded image", l->path);
        return -1;
    }
    l->entry = le32(h + 28);
    return load_segment(l, load_addr, img + file_off, load_size, mem_size);
}

#ifdef CONFIG_LIBELF
static int load_elf_phdrs(MbLoad *l, Elf *elf, const uint8_t *img, size_t size,
                          const GElf_Ehdr *eh)
{
    size_t n;
    if (elf_getphdrnum(elf, &n)) {
        error_report("-kernel %s: bad ELF program headers: %s", l->path, elf_errmsg(-1));
        return -1;
    }
    uint64_t entry = eh->e_entry;
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph)) {
            error_report("-kernel %s: bad ELF program header %zu", l->path, i);
            return -1;
        }
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
            error_report("-kernel %s: ELF segment %zu beyond the end of the file", l->path, i);
            return -1;
        }
        if (load_segment(l, ph.p_paddr, img + ph.p_offset, ph.p_filesz, ph.p_memsz))
            return -1;
        /* The entry is a virtual address: find it in physical memory. */
        if (eh->e_entry >= ph.p_vaddr && eh->e_entry - ph.p_vaddr < ph.p_memsz)
            entry = eh->e_entry - ph.p_vaddr + ph.p_paddr;
    }
    if (!l->end) {
        error_report("-kernel %s: ELF Multiboot kernel has no loadable segment", l->path);
        return -1;
    }
    l->entry = (uint32_t)entry;
    return 0;
}

static int load_elf(MbLoad *l, const uint8_t *img, size_t size)
{
    elf_version(EV_CURRENT);
    Elf *elf = elf_memory((char *)img, size);   /* only read */
    GElf_Ehdr eh;
    int ret = -1;
    if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
        error_report("-kernel %s: Multiboot kernel is neither ELF nor has load addresses "
                     "(header flag 16)", l->path);
    } else if (gelf_getclass(elf) != ELFCLASS32 || eh.e_machine != EM_386) {
        error_report("-kernel %s: cannot load a 64-bit Multiboot ELF kernel; give a 32-bit one",
                     l->path);
    } else {
        ret = load_elf_phdrs(l, elf, img, size, &eh);
    }
    if (elf)
        elf_end(elf);
    return ret;
}
#else
static int load_elf(MbLoad *l, const uint8_t *img, size_t size)
{
    error_report("-kernel %s: ELF Multiboot kernels need kemu built with libelf", l->path);
    return -1;
}
#endif

/* Split -initrd at commas (",," is a literal comma). */
static int split_modules(const char *spec, char **out, int max)
{
    int n = 0;
    const char *p = spec;
    while (*p && n < max) {
        char *s = xmalloc(strlen(p) + 1), *d = s;
        while (*p && !(p[0] == ',' && p[1] != ',')) {
            if (p[0] == ',')
                p++;
            *d++ = *p++;
        }
        *d = 0;
        out[n++] = s;
        if (*p == ',')
            p++;
    }
    if (!*p)
        return n;
    while (n)
        free(out[--n]);
    return -1;
}

typedef struct MbModules {
    int n;
    char *spec[MB_MAX_MODS];
    uint32_t start[MB_MAX_MODS], end[MB_MAX_MODS];
} MbModules;

static void free_modules(MbModules *mods)
{
    for (int i = 0; i < mods->n; i++)
        free(mods->spec[i]);
}

/* Each module page-aligned from *cur on; *cur ends past the last one.
 * 0, or -1 after error_report. */
static int load_modules(MbLoad *l, MbModules *mods, uint64_t *cur)
{
    uint64_t limit = pc_board(l->m)->below_4g;
    for (int i = 0; i < mods->n; i++) {
        size_t flen = strcspn(mods->spec[i], " ");
        char *fname = xmalloc(flen + 1);
        memcpy(fname, mods->spec[i], flen);
        fname[flen] = 0;
        size_t size;
        uint8_t *data = pc_load_file("-initrd", fname, &size);
        bool fits = data && *cur + size <= limit;
        if (fits)
            pc_write_guest(l->m, *cur, data, size);
        else if (data)
            error_report("-initrd %s: module of %zu bytes does not fit in RAM", fname, size);
        free(data);
        free(fname);
        if (!fits)
            return -1;
        mods->start[i] = (uint32_t)*cur;
        mods->end[i] = (uint32_t)(*cur + size);
        *cur = ALIGN_UP(*cur + size, 4096);
    }
    return 0;
}

/* The information structure being built: bytes for guest address base,
 * with strings appended at str. */
typedef struct MbInfo {
    uint8_t *p;
    uint64_t base;
    size_t str;
} MbInfo;

static uint32_t add_string(MbInfo *mi, const char *str)
{
    size_t n = strlen(str) + 1;
    memcpy(mi->p + mi->str, str, n);
    mi->str += n;
    return (uint32_t)(mi->base + mi->str - n);
}

static void fill_mods(MbInfo *mi, const MbModules *mods, size_t off)
{
    for (int i = 0; i < mods->n; i++) {
        uint8_t *e = mi->p + off + MBI_MOD_SIZE * (size_t)i;
        put32(e, mods->start[i]);
        put32(e + 4, mods->end[i]);
        put32(e + 8, add_string(mi, mods->spec[i]));
    }
}

static void fill_mmap(MbInfo *mi, const E820Entry *e820, int n, size_t off)
{
    for (int i = 0; i < n; i++) {
        uint8_t *e = mi->p + off + MBI_MMAP_SIZE * (size_t)i;
        put32(e, MBI_MMAP_SIZE - 4);          /* size, not counting itself */
        put64(e + 4, e820[i].addr);
        put64(e + 12, e820[i].size);
        put32(e + 20, e820[i].type);
    }
}

/* The information structure at addr: the 88-byte header, the module list,
 * the memory map, then the strings. */
static int write_info(MbLoad *l, const MbModules *mods, uint64_t addr)
{
    Machine *m = l->m;
    E820Entry e820[MB_MAX_MMAP];
    int nmap = MIN(pc_e820(m, e820, MB_MAX_MMAP), MB_MAX_MMAP);
    const char *append = m->cfg.append;
    char *cmdline = xasprintf("%s%s%s", l->path, append ? " " : "", append ? append : "");
    static const char loader[] = "kemu";
    size_t mods_off = MBI_SIZE, mmap_off = mods_off + MBI_MOD_SIZE * (size_t)mods->n;
    size_t str_off = mmap_off + MBI_MMAP_SIZE * (size_t)nmap;
    size_t len = str_off + strlen(cmdline) + 1 + sizeof(loader);
    for (int i = 0; i < mods->n; i++)
        len += strlen(mods->spec[i]) + 1;
    if (addr + len > pc_board(m)->below_4g) {
        error_report("-kernel %s: no room in RAM for the Multiboot information", l->path);
        free(cmdline);
        return -1;
    }
    MbInfo mi = { .p = xzalloc(len), .base = addr, .str = str_off };
    uint8_t *p = mi.p;
    put32(p + 0, MBI_MEM | MBI_BOOTDEV | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER);
    put32(p + 4, 640);                                        /* mem_lower, KiB */
    put32(p + 8, (uint32_t)((pc_board(m)->below_4g - MiB) / KiB)); /* mem_upper */
    put32(p + 12, 0x8000ffffu);                               /* boot_device: first disk */
    put32(p + 16, add_string(&mi, cmdline));
    put32(p + 20, (uint32_t)mods->n);
    put32(p + 24, (uint32_t)(addr + mods_off));
    fill_mods(&mi, mods, mods_off);
    put32(p + 44, (uint32_t)(MBI_MMAP_SIZE * nmap));
    put32(p + 48, (uint32_t)(addr + mmap_off));
    fill_mmap(&mi, e820, nmap, mmap_off);
    put32(p + 64, add_string(&mi, loader));
    pc_write_guest(m, addr, p, len);
    free(p);
    free(cmdline);
    return 0;
}

int multiboot_load(Machine *m, const char *path, const uint8_t *img, size_t size)
{
    long off = multiboot_find_header(img, size);
    uint32_t flags = le32(img + off + 4);
    if (flags & 0xffff & ~MB_KNOWN_REQUIRED) {
        error_report("-kernel %s: Multiboot header requires unsupported features (flags 0x%x)",
                     path, flags);
        return -1;
    }
    MbLoad l = { .m = m, .path = path };
    int ret = (flags & MB_AOUT_KLUDGE) ? load_aout(&l, img, size, off) : load_elf(&l, img, size);
    if (ret)
        return -1;
    MbModules mods = { 0 };
    if (m->cfg.initrd) {
        mods.n = split_modules(m->cfg.initrd, mods.spec, MB_MAX_MODS);
        if (mods.n < 0) {
            error_report("-initrd: more than %d Multiboot modules", MB_MAX_MODS);
            return -1;
        }
    }
    uint64_t cur = ALIGN_UP(l.end, 4096);
    ret = load_modules(&l, &mods, &cur);
    if (!ret)
        ret = write_info(&l, &mods, cur);
    free_modules(&mods);
    if (ret)
        return -1;
    pc_enter_flat32(m, l.entry, MB_BOOT_MAGIC, (uint32_t)cur, 0);
    return 0;
}
