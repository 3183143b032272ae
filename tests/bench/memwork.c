/* memwork: an in-guest memory-bound workload that times itself.
 *
 * usage: memwork [ROUNDS]   (default 10)
 * Each round inserts keys into an 8 MiB open-addressing hash table and
 * probes it (half the probes miss: linear probing over scattered cache
 * lines and pages, so loads and stores dominate and the TLB is exercised),
 * then insertion-sorts short runs copied from random places of a 4 MiB
 * array (many small dependent loads and stores).  Prints a checksum (the
 * same on every engine and natively) and the elapsed CLOCK_MONOTONIC time.
 * Built statically into the benchmark initramfs, beside cpuwork. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS       (1u << 20)          /* 8 MiB of 64-bit keys */
#define INSERTS     (SLOTS / 2)         /* load factor 1/2 */
#define PROBES      (SLOTS / 2)
#define POOL        (1u << 20)          /* 4 MiB of 32-bit values */
#define RUN         48                  /* insertion-sorted run length */
#define RUNS        4096

static uint64_t table[SLOTS];
static uint32_t pool[POOL];

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint32_t slot_of(uint64_t key)
{
    return (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 44);
}

static void insert(uint64_t key)
{
    uint32_t i = slot_of(key);
    while (table[i] && table[i] != key)
        i = (i + 1) & (SLOTS - 1);
    table[i] = key;
}

static int lookup(uint64_t key)
{
    for (uint32_t i = slot_of(key);; i = (i + 1) & (SLOTS - 1)) {
        if (table[i] == key)
            return 1;
        if (!table[i])
            return 0;
    }
}

/* Inserts keys from one seed, probes with keys of which every other one
 * comes from that seed again: the number found is part of the checksum. */
static uint64_t hash_round(uint64_t h)
{
    memset(table, 0, sizeof(table));
    uint64_t s = h | 1, t = h | 1, u = ~h | 1, found = 0;
    for (uint32_t n = 0; n < INSERTS; n++)
        insert(next(&s) | 1);
    for (uint32_t n = 0; n < PROBES; n++)
        found += lookup((n & 1 ? next(&u) : next(&t)) | 1);
    return h * 31 + found;
}

static void insertion_sort(uint32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static uint64_t sort_round(uint64_t h)
{
    uint64_t s = h | 1;
    uint32_t run[RUN];
    for (uint32_t i = 0; i < POOL; i++)
        pool[i] = (uint32_t)next(&s);
    for (int r = 0; r < RUNS; r++) {
        uint32_t at = (uint32_t)next(&s) % (POOL - RUN);
        memcpy(run, pool + at, sizeof(run));
        insertion_sort(run, RUN);
        memcpy(pool + at, run, sizeof(run));
        h = h * 1099511628211ULL ^ run[RUN / 2];
    }
    return h;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t h = 0x84222325cbf29ce4ULL;
    for (int r = 0; r < rounds; r++)
        h = sort_round(hash_round(h));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("memwork: %d rounds checksum %016llx in %.3f s\n", rounds, (unsigned long long)h, sec);
    return 0;
}
