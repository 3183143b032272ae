/* CPU models: lookup, `-cpu` parsing and `-cpu help`.  The CPUID leaves
 * themselves are computed in cpu/cpuid-leaves.c. */
#include "cpu/cpuid-internal.h"
#include "cpu/cpu.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_HOST_CPUID 1
#endif

/* "host": the processor kemu runs on, read with the CPUID instruction.
 * KVM then masks its features with what the kernel can virtualize. */
static struct CPUModel host_model;
static char host_vendor[13], host_brand[49];

#ifdef HAVE_HOST_CPUID
static void host_leaf(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

static void host_fill_features(uint32_t level, uint32_t xlevel)
{
    for (int w = 0; w < FEAT_WORDS; w++) {
        const CPUFeatureWordInfo *fw = &cpu_feature_words[w];
        uint32_t r[4] = { 0 };
        bool ext = fw->leaf >= 0x80000000;
        if ((ext && fw->leaf <= xlevel) || (!ext && fw->leaf <= level))
            host_leaf(fw->leaf, fw->subleaf, r);
        host_model.features[w] = r[fw->reg];
    }
}

static const struct CPUModel *host_model_get(void)
{
    uint32_t r[4];
    if (host_model.name)
        return &host_model;
    host_leaf(0, 0, r);
    host_model.level = r[0];
    memcpy(host_vendor, &r[1], 4);
    memcpy(host_vendor + 4, &r[3], 4);
    memcpy(host_vendor + 8, &r[2], 4);
    host_leaf(1, 0, r);
    uint32_t fam = (r[0] >> 8) & 0xf, mod = (r[0] >> 4) & 0xf;
    if (fam == 0xf)
        fam += (r[0] >> 20) & 0xff;
    if (fam == 6 || fam >= 0xf)
        mod |= ((r[0] >> 16) & 0xf) << 4;
    host_model.family = fam;
    host_model.model = mod;
    host_model.stepping = r[0] & 0xf;
    host_leaf(0x80000000, 0, r);
    host_model.xlevel = r[0] >= 0x80000000 ? r[0] : 0;
    host_fill_features(host_model.level, host_model.xlevel);
    if (host_model.xlevel >= 0x80000004) {
        for (uint32_t i = 0; i < 3; i++) {
            host_leaf(0x80000002 + i, 0, r);
            memcpy(host_brand + 16 * i, r, 16);
        }
    }
    host_model.vendor = host_vendor;
    host_model.model_id = host_brand;
    host_model.desc = "processor with all supported host features";
    host_model.name = "host";
    return &host_model;
}
#else
static const struct CPUModel *host_model_get(void)
{
    return NULL;
}
#endif

bool cpu_model_is_intel(const struct CPUModel *m)
{
    return m && m->vendor && !strcmp(m->vendor, "GenuineIntel");
}

bool cpu_is_intel(const CPUState *cpu)
{
    return cpu_model_is_intel(cpu->model);
}

const struct CPUModel *cpu_model_find(const char *name)
{
    if (!strcmp(name, "host"))
        return host_model_get();
    for (size_t i = 0; i < cpu_model_count; i++) {
        if (!strcmp(cpu_models[i].name, name))
            return &cpu_models[i];
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list_flags(void)
{
    const char **names = xmalloc(cpu_feature_count * sizeof(*names));
    for (size_t i = 0; i < cpu_feature_count; i++)
        names[i] = cpu_feature_names[i].name;
    qsort(names, cpu_feature_count, sizeof(*names), cmp_str);
    printf("\nRecognized CPUID flags:\n");
    size_t col = 0;
    for (size_t i = 0; i < cpu_feature_count; i++) {
        size_t len = strlen(names[i]);
        if (col && col + 1 + len > 75) {
            printf("\n");
            col = 0;
        }
        col += printf("%s%s", col ? " " : "  ", names[i]);
    }
    printf("\n");
    free(names);
}

void cpu_model_list(void)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < cpu_model_count && n < 63; i++)
        names[n++] = cpu_models[i].name;
    names[n++] = "host";
    qsort(names, n, sizeof(*names), cmp_str);
    printf("Available CPUs:\n");
    for (size_t i = 0; i < n; i++) {
        const char *desc = !strcmp(names[i], "host")
            ? "processor with all supported host features"
            : cpu_model_find(names[i])->desc;
        printf("x86 %-20s  %s\n", names[i], desc);
    }
    list_flags();
}

static void feature_set(uint32_t features[FEAT_WORDS], const CPUFeatureName *f, bool on)
{
    if (on)
        features[f->word] |= 1u << f->bit;
    else
        features[f->word] &= ~(1u << f->bit);
}

/* One "+feat", "-feat", "feat=on|off" or "feat" item.  plus/minus collect
 * the legacy forms, applied after the rest with "-" winning, as QEMU does. */
static int parse_item(const char *model, const char *item, uint32_t features[FEAT_WORDS],
                      uint32_t plus[FEAT_WORDS], uint32_t minus[FEAT_WORDS])
{
    char name[64];
    const char *eq = strchr(item, '=');
    bool legacy = item[0] == '+' || item[0] == '-';
    const char *start = legacy ? item + 1 : item;
    size_t len = eq ? (size_t)(eq - start) : strlen(start);
    if (len >= sizeof(name))
        len = sizeof(name) - 1;
    memcpy(name, start, len);
    name[len] = 0;
    const CPUFeatureName *f = cpu_feature_find(name);
    if (!f || (legacy && eq)) {
        error_report("Property '%s-x86_64-cpu.%s' not found", model, name);
        return -1;
    }
    if (legacy) {
        feature_set(item[0] == '+' ? plus : minus, f, true);
        return 0;
    }
    bool on = true;
    if (eq && parse_bool(eq + 1, &on) < 0) {
        error_report("Parameter '%s' expects 'on' or 'off'", name);
        return -1;
    }
    feature_set(features, f, on);
    return 0;
}

static const struct CPUModel *parse_model_name(const char *name, bool host_ok)
{
    if (!strcmp(name, "host") && !host_ok) {
        error_report("CPU model 'host' requires KVM");
        return NULL;
    }
    /* Under KVM, "max" is everything the host can virtualize. */
    if (!strcmp(name, "max") && host_ok && host_model_get())
        return host_model_get();
    const struct CPUModel *m = cpu_model_find(name);
    if (!m)
        error_report("unable to find CPU model '%s'", name);
    return m;
}

/* vendor=STRING (12 characters): the model as given with another CPUID
 * vendor, which also selects the vendor's MSRs and behaviour.  The copy
 * lives as long as kemu: one -cpu per machine. */
static const struct CPUModel *with_vendor(const struct CPUModel *m, const char *vendor)
{
    static struct CPUModel copy;
    static char name[13];
    if (strlen(vendor) != 12) {
        error_report("Property '%s-x86_64-cpu.vendor' doesn't take value '%s'", m->name, vendor);
        return NULL;
    }
    memcpy(name, vendor, sizeof(name));
    copy = *m;
    copy.vendor = name;
    return &copy;
}

int cpu_model_parse(const char *spec, bool host_ok, const struct CPUModel **model,
                    uint32_t features[FEAT_WORDS])
{
    char *copy = xstrdup(spec ? spec : "qemu64");
    char *save = NULL, *tok = strtok_r(copy, ",", &save);
    const struct CPUModel *m = parse_model_name(tok ? tok : "", host_ok);
    uint32_t plus[FEAT_WORDS] = { 0 }, minus[FEAT_WORDS] = { 0 };
    int ret = m ? 0 : -1;

    if (m)
        memcpy(features, m->features, sizeof(m->features));
    while (ret == 0 && (tok = strtok_r(NULL, ",", &save))) {
        if (!strncmp(tok, "vendor=", 7)) {
            m = with_vendor(m, tok + 7);
            ret = m ? 0 : -1;
        } else {
            ret = parse_item(m->name, tok, features, plus, minus);
        }
    }
    for (int w = 0; ret == 0 && w < FEAT_WORDS; w++)
        features[w] = (features[w] | plus[w]) & ~minus[w];
    if (ret == 0)
        *model = m;
    free(copy);
    return ret;
}
