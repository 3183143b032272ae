/* kemu-compare: the results, as a table on stdout and as a bar chart in an
 * SVG file written by hand (no plotting tool needed to make or view it). */
#include "ui/kemu-compare.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *title, *unit;
} metrics[M_COUNT] = {
    [M_READY] = { "ready", "time to the --ready line", "s" },
    [M_WORK] = { "work", "the guest's own workload time (--work)", "s" },
    [M_WALL] = { "wall", "time to the exit", "s" },
    [M_CPU] = { "cpu", "host CPU time (user + system)", "s" },
    [M_RSS] = { "peak RSS", "peak resident memory", "MiB" },
};

/* One colour per engine, in cmp_engines order. */
static const char *const colours[CMP_ENGINES] = {
    "#2b6cb0", "#63b3ed", "#2f855a", "#c05621", "#b7791f",
};

const char *cmp_metric_name(int m)
{
    return metrics[m].name;
}

bool cmp_metric_shown(const CmpOptions *o, int m)
{
    return (m != M_READY || o->ready_src) && (m != M_WORK || o->work_src);
}

static bool has(const CmpEngine *e, int m)
{
    return e && e->ok && e->med[m] >= 0;
}

static void fmt_value(char *buf, size_t n, int m, double v)
{
    if (m == M_RSS)
        snprintf(buf, n, "%.1fMiB", v);
    else
        snprintf(buf, n, "%.3fs", v);
}

static void fmt_ratio(char *buf, size_t n, const CmpEngine *e, const CmpEngine *base, int m)
{
    if (has(e, m) && has(base, m) && base->med[m] > 0)
        snprintf(buf, n, "%.2fx", e->med[m] / base->med[m]);
    else
        snprintf(buf, n, "-");
}

static void print_row(const CmpOptions *o, const CmpEngine *e, const CmpEngine *base)
{
    char v[32], r[32];
    printf("%-12s", e->name);
    if (!e->ok) {
        printf(" failed: %s\n", e->why);
        return;
    }
    for (int m = 0; m < M_COUNT; m++) {
        if (!cmp_metric_shown(o, m))
            continue;
        if (has(e, m))
            fmt_value(v, sizeof(v), m, e->med[m]);
        else
            snprintf(v, sizeof(v), "-");
        fmt_ratio(r, sizeof(r), e, base, m);
        printf(" %10s %6s", v, r);
    }
    printf("\n");
    if (e->failed)
        printf("%-12s (%d of %d runs failed: %s)\n", "", e->failed, e->failed + e->ok, e->why);
}

void cmp_print_table(const CmpOptions *o, const CmpEngine *base)
{
    printf("kemu-compare: %s of %d run%s per engine; ratio = engine / %s (lower is better)\n",
           o->runs > 1 ? "medians" : "figures", o->runs, o->runs > 1 ? "s" : "",
           base ? base->name : "(no baseline ran)");
    printf("%-12s", "engine");
    for (int m = 0; m < M_COUNT; m++) {
        if (cmp_metric_shown(o, m))
            printf(" %10s %6s", metrics[m].name, "ratio");
    }
    printf("\n");
    for (int i = 0; i < CMP_ENGINES; i++) {
        if (cmp_engines[i].selected && !cmp_engines[i].skip[0])
            print_row(o, &cmp_engines[i], base);
    }
    for (int i = 0; i < CMP_ENGINES; i++) {
        if (cmp_engines[i].selected && cmp_engines[i].skip[0])
            printf("skipped %s: %s\n", cmp_engines[i].name, cmp_engines[i].skip);
    }
}

/* ---- the SVG chart: one panel per figure, one bar per engine ---- */

enum { SVG_W = 880, LABEL_W = 120, BAR_MAX = 520, BAR_H = 18, ROW_H = 24, PANEL_GAP = 34 };

static void xml_text(FILE *f, const char *s, size_t max)
{
    for (size_t i = 0; s[i] && i < max; i++) {
        switch (s[i]) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)
                fputc(s[i], f);
            else
                fputc('?', f);
        }
    }
}

static int engines_with_data(void)
{
    int n = 0;
    for (int i = 0; i < CMP_ENGINES; i++)
        n += cmp_engines[i].selected && cmp_engines[i].ok;
    return n;
}

static int svg_panel(FILE *f, const CmpEngine *base, int m, int y)
{
    double max = 0;
    for (int i = 0; i < CMP_ENGINES; i++) {
        if (cmp_engines[i].selected && has(&cmp_engines[i], m) && cmp_engines[i].med[m] > max)
            max = cmp_engines[i].med[m];
    }
    fprintf(f, "<text x=\"10\" y=\"%d\" class=\"panel\">%s (%s)</text>\n", y, metrics[m].title,
            metrics[m].unit);
    y += 10;
    for (int i = 0; i < CMP_ENGINES; i++) {
        const CmpEngine *e = &cmp_engines[i];
        if (!e->selected || !e->ok)
            continue;
        char v[32], r[32];
        double w = has(e, m) && max > 0 ? e->med[m] / max * BAR_MAX : 0;
        fmt_value(v, sizeof(v), m, has(e, m) ? e->med[m] : 0);
        fmt_ratio(r, sizeof(r), e, base, m);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"engine\">%s</text>\n", LABEL_W - 6,
                y + BAR_H - 5, e->name);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"%s/>\n",
                LABEL_W, y, w, BAR_H, colours[i],
                e == base ? " stroke=\"#000\" stroke-width=\"1.5\"" : "");
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"value\">%s%s%s</text>\n",
                LABEL_W + w + 6, y + BAR_H - 5, has(e, m) ? v : "not measured",
                has(e, m) ? "  " : "", has(e, m) ? r : "");
        y += ROW_H;
    }
    return y + PANEL_GAP;
}

static void svg_header(FILE *f, const CmpOptions *o, const CmpEngine *base, int height)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\">\n", SVG_W, height, SVG_W, height);
    fprintf(f, "<style>text { font-family: sans-serif; font-size: 12px; }\n"
               ".title { font-size: 15px; font-weight: bold; }\n"
               ".panel { font-size: 13px; font-weight: bold; }\n"
               ".engine { text-anchor: end; }</style>\n");
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"22\" class=\"title\">kemu-compare:");
    size_t room = 100;          /* characters of the command line that fit */
    for (char **a = o->guest; *a; a++) {
        size_t n = strlen(*a) + 1;
        fputc(' ', f);
        xml_text(f, *a, room > 1 ? room - 1 : 0);
        if (n > room) {
            fputs("...", f);
            break;
        }
        room -= n;
    }
    fprintf(f, "</text>\n<text x=\"10\" y=\"42\">%s of %d run%s per engine; ratio = engine / ",
            o->runs > 1 ? "medians" : "figures", o->runs, o->runs > 1 ? "s" : "");
    xml_text(f, base ? base->name : "(no baseline ran)", 40);
    fprintf(f, " (outlined); shorter is better</text>\n");
}

/* Writes the chart to PATH; 0, or -1 with the error reported. */
int cmp_write_svg(const CmpOptions *o, const CmpEngine *base, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "kemu-compare: --svg %s: %s\n", path, strerror(errno));
        return -1;
    }
    int panels = 0;
    for (int m = 0; m < M_COUNT; m++)
        panels += cmp_metric_shown(o, m);
    int height = 70 + panels * (10 + engines_with_data() * ROW_H + PANEL_GAP);
    svg_header(f, o, base, height);
    int y = 76;
    for (int m = 0; m < M_COUNT; m++) {
        if (cmp_metric_shown(o, m))
            y = svg_panel(f, base, m, y);
    }
    fprintf(f, "</svg>\n");
    if (fclose(f)) {
        fprintf(stderr, "kemu-compare: --svg %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- CSV, for scripts: one line per selected engine ---- */

static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Writes the medians to PATH (header: engine,status,runs_ok,runs_failed,
 * ready_s,work_s,wall_s,cpu_s,peak_rss_mib,why); 0, or -1 reported. */
int cmp_write_csv(const CmpOptions *o, const char *path)
{
    static const char *const cols[M_COUNT] = { "ready_s", "work_s", "wall_s", "cpu_s",
                                              "peak_rss_mib" };
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "kemu-compare: --csv %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "engine,status,runs_ok,runs_failed");
    for (int m = 0; m < M_COUNT; m++)
        fprintf(f, ",%s", cols[m]);
    fprintf(f, ",why\n");
    for (int i = 0; i < CMP_ENGINES; i++) {
        const CmpEngine *e = &cmp_engines[i];
        if (!e->selected)
            continue;
        fprintf(f, "%s,%s,%d,%d", e->name, e->skip[0] ? "skipped" : e->failed ? "failed" : "ok",
                e->ok, e->failed);
        for (int m = 0; m < M_COUNT; m++) {
            if (has(e, m) && cmp_metric_shown(o, m))
                fprintf(f, ",%.6f", e->med[m]);
            else
                fprintf(f, ",");
        }
        fputc(',', f);
        csv_field(f, e->skip[0] ? e->skip : e->why);
        fputc('\n', f);
    }
    if (fclose(f)) {
        fprintf(stderr, "kemu-compare: --csv %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}
