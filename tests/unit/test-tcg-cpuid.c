/* Under TCG, model features kemu does not implement are dropped at vCPU
 * creation with QEMU's warning; the rest of the model is kept. */
#include "tests/unit/unit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accel/tcg.h"
#include "cpu/cpuid.h"
#include "tests/unit/cpu-harness.h"

TEST(tcg_cpuid, haswell_loses_avx_keeps_bmi)
{
    const struct CPUModel *model;
    uint32_t features[FEAT_WORDS];
    CHECK_EQ(cpu_model_parse("Haswell", false, &model, features), 0);
    CHECK(features[FEAT_1_ECX] & (1u << 28));           /* the model has AVX */
    CPUState *cpu = tcpu_setup(1);
    cpu->model = model;
    memcpy(cpu->features, features, sizeof(features));

    char out[4096] = "";
    FILE *f = tmpfile();
    CHECK(f != NULL);
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(f), 2);
    tcg_filter_features(cpu);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = 0;
    fclose(f);

    CHECK(!(cpu->features[FEAT_1_ECX] & (1u << 28)));          /* avx */
    CHECK(!(cpu->features[FEAT_1_ECX] & (1u << 12)));          /* fma */
    CHECK(!(cpu->features[FEAT_7_0_EBX] & (1u << 5)));         /* avx2 */
    CHECK(cpu->features[FEAT_7_0_EBX] & (1u << 3));            /* bmi1 stays */
    CHECK(cpu->features[FEAT_7_0_EBX] & (1u << 8));            /* bmi2 stays */
    CHECK(cpu->features[FEAT_1_ECX] & (1u << 20));             /* sse4.2 stays */
    CHECK(strstr(out, "kemu: warning: TCG doesn't support requested feature: "
                      "CPUID.01H:ECX.avx [bit 28]\n") != NULL);
    CHECK(strstr(out, "CPUID.07H:EBX.avx2 [bit 5]") != NULL);
    CHECK(strstr(out, "bmi2") == NULL);
}

/* SVM (qemu64) is in the model by default but not implemented by TCG: the
 * guest must not see it, and no warning is due.  VME (named models) is
 * implemented (cpu/v86.c) and stays. */
TEST(tcg_cpuid, default_svm_dropped_quietly_vme_kept)
{
    static const char *const names[] = { "qemu64", "Nehalem" };
    for (int i = 0; i < 2; i++) {
        const struct CPUModel *model;
        uint32_t features[FEAT_WORDS];
        CHECK_EQ(cpu_model_parse(names[i], false, &model, features), 0);
        CPUState *cpu = tcpu_setup(1);
        cpu->model = model;
        memcpy(cpu->features, features, sizeof(features));
        FILE *f = tmpfile();
        fflush(stderr);
        int saved = dup(2);
        dup2(fileno(f), 2);
        tcg_filter_features(cpu);
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        CHECK_EQ(ftell(f), 0);                                     /* no warning */
        fclose(f);
        CHECK(!(cpu->features[FEAT_8000_0001_ECX] & (1u << 2)));   /* svm */
        bool vme_in_model = features[FEAT_1_EDX] & (1u << 1);
        CHECK_EQ(!!(cpu->features[FEAT_1_EDX] & (1u << 1)), vme_in_model); /* vme */
        if (i == 1)
            CHECK(vme_in_model);                                   /* Nehalem lists it */
        CHECK(cpu->features[FEAT_8000_0001_EDX] & (1u << 29));     /* lm stays */
    }
}
