/* Finish a legacy option ROM image: pad it to whole 512-byte blocks (one
 * byte at least stays free for the checksum), store the block count at
 * offset 2, make the PnP expansion header (its offset at 0x1a) sum to zero
 * over its length, and set the last byte so that all bytes sum to zero,
 * as the PCI Firmware and PnP BIOS specifications require.
 * Usage: romsign IN OUT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512
#define MAX_ROM (128 * 1024)

static unsigned char sum(const unsigned char *p, size_t n)
{
    unsigned char s = 0;
    while (n--)
        s = (unsigned char)(s + *p++);
    return s;
}

static int sign(unsigned char *rom, size_t len, size_t *out_len)
{
    size_t size = (len + 1 + BLOCK - 1) / BLOCK * BLOCK;
    if (len < 0x1c || rom[0] != 0x55 || rom[1] != 0xaa || size > MAX_ROM || size / BLOCK > 255)
        return -1;
    memset(rom + len, 0, size - len);
    rom[2] = (unsigned char)(size / BLOCK);
    size_t pnp = rom[0x1a] | (size_t)rom[0x1b] << 8;
    if (pnp && pnp + 32 <= size && !memcmp(rom + pnp, "$PnP", 4)) {
        size_t plen = (size_t)rom[pnp + 5] * 16;
        if (plen < 10 || pnp + plen > size)
            return -1;
        rom[pnp + 9] = 0;
        rom[pnp + 9] = (unsigned char)-sum(rom + pnp, plen);
    }
    rom[size - 1] = 0;
    rom[size - 1] = (unsigned char)-sum(rom, size);
    *out_len = size;
    return 0;
}

int main(int argc, char **argv)
{
    static unsigned char rom[MAX_ROM + 1];
    if (argc != 3) {
        fprintf(stderr, "usage: romsign IN OUT\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    size_t len = fread(rom, 1, sizeof(rom), in), size;
    fclose(in);
    if (sign(rom, len, &size)) {
        fprintf(stderr, "romsign: %s: not an option ROM image of at most %d KiB\n",
                argv[1], MAX_ROM / 1024);
        return 1;
    }
    FILE *out = fopen(argv[2], "wb");
    if (!out || fwrite(rom, 1, size, out) != size || fclose(out)) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
