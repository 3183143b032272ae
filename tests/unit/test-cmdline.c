/* Unit tests of the command line: sizes, -smp topology rules and QEMU's
 * messages, -boot, -drive keys, option-string escaping. */
#include "tests/unit/unit.h"
#include "ui/cmdline.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Run fn with stderr captured; returns its first line (static buffer). */
static char errbuf[1024];
static FILE *cap;
static int saved_fd = -1;

static void cap_begin(void)
{
    fflush(stderr);
    cap = tmpfile();
    saved_fd = dup(2);
    dup2(fileno(cap), 2);
}

static const char *cap_end(void)
{
    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    rewind(cap);
    errbuf[0] = '\0';
    if (!fgets(errbuf, sizeof(errbuf), cap))
        errbuf[0] = '\0';
    errbuf[strcspn(errbuf, "\n")] = '\0';
    fclose(cap);
    return errbuf;
}

static int parse_args(KemuOptions *o, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"kemu";
    while (*args)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    cmdline_init(o);
    return cmdline_parse(o, argc, argv);
}

/* Parse one option (plus its argument) and return the error line. */
static const char *parse_err(const char *opt, const char *arg)
{
    KemuOptions o;
    const char *args[] = { opt, arg, NULL };
    cap_begin();
    int r = parse_args(&o, args);
    const char *e = cap_end();
    return r == CMDLINE_ERROR ? e : "(no error)";
}

TEST(cmdline, mem_sizes)
{
    MachineConfig c = { 0 };
    CHECK_EQ(cmdline_parse_mem(&c, "512"), 0);
    CHECK_EQ(c.ram_size, 512 * MiB);
    CHECK_EQ(cmdline_parse_mem(&c, "256m"), 0);
    CHECK_EQ(c.ram_size, 256 * MiB);
    CHECK_EQ(cmdline_parse_mem(&c, "1G"), 0);
    CHECK_EQ(c.ram_size, 1 * GiB);
    CHECK_EQ(cmdline_parse_mem(&c, "size=2g"), 0);
    CHECK_EQ(c.ram_size, 2 * GiB);
    CHECK_EQ(cmdline_parse_mem(&c, "1.5G"), 0);
    CHECK_EQ(c.ram_size, 1536 * MiB);
    CHECK_EQ(cmdline_parse_mem(&c, "1k"), 0);   /* rounded up to 8 KiB */
    CHECK_EQ(c.ram_size, 8192);
    CHECK_EQ(cmdline_parse_mem(&c, "0"), 0);    /* the default */
    CHECK_EQ(c.ram_size, 128 * MiB);
}

TEST(cmdline, mem_errors)
{
    CHECK_STR(parse_err("-m", "foo"),
              "kemu: -m foo: Parameter 'size' expects a non-negative number below 2^64");
    CHECK_STR(parse_err("-m", "1x"),
              "kemu: -m 1x: Parameter 'size' expects a non-negative number below 2^64");
    CHECK_STR(parse_err("-m", "1.5"),
              "kemu: -m 1.5: Parameter 'size' expects a non-negative number below 2^64");
    CHECK_STR(parse_err("-m", "-1"),
              "kemu: -m -1: Parameter 'size' expects a non-negative number below 2^64");
    CHECK_STR(parse_err("-m", "foo=1"), "kemu: -m foo=1: Invalid parameter 'foo'");
    CHECK_STR(parse_err("-m", "99999999999999999"), "kemu: Parameter 'memory.size' expects size");
    CHECK_STR(parse_err("-m", "1G,slots=2"),
              "kemu: -m 1G,slots=2: memory hotplug (slots, maxmem) is not supported yet");
}

static void smp_ok(const char *arg, unsigned cpus, unsigned max, unsigned sockets,
                   unsigned cores, unsigned threads)
{
    MachineConfig c = { 0 };
    CHECK_EQ(cmdline_parse_smp(&c, arg), 0);
    CHECK_EQ(c.smp_cpus, cpus);
    CHECK_EQ(c.smp_max, max);
    CHECK_EQ(c.sockets, sockets);
    CHECK_EQ(c.cores, cores);
    CHECK_EQ(c.threads, threads);
    CHECK_EQ(c.dies, 1);
}

TEST(cmdline, smp_topology)
{
    /* Checked against QEMU 7.2's pc machine (info hotpluggable-cpus). */
    smp_ok("2", 2, 2, 1, 2, 1);               /* cores preferred over sockets */
    smp_ok("2,cores=2,sockets=1", 2, 2, 1, 2, 1);
    smp_ok("2,maxcpus=4,sockets=2,cores=2", 2, 4, 2, 2, 1);
    smp_ok("1,maxcpus=2,sockets=1,cores=2", 1, 2, 1, 2, 1);
    smp_ok("sockets=2", 2, 2, 2, 1, 1);
    smp_ok("cores=4", 4, 4, 1, 4, 1);
    smp_ok("8,sockets=2", 8, 8, 2, 4, 1);      /* cores computed */
    smp_ok("4,threads=2", 4, 4, 1, 2, 2);
    smp_ok("8,cores=2", 8, 8, 4, 2, 1);        /* sockets computed */
    smp_ok("8,sockets=2,cores=2", 8, 8, 2, 2, 2); /* threads computed last */
    smp_ok("maxcpus=4", 4, 4, 1, 4, 1);
    smp_ok("cpus=2,cpus=3", 3, 3, 1, 3, 1);      /* last one wins */
}

TEST(cmdline, smp_errors)
{
    CHECK_STR(parse_err("-smp", "3,cores=2,sockets=1"),
              "kemu: Invalid CPU topology: product of the hierarchy must match maxcpus: "
              "sockets (1) * dies (1) * cores (2) * threads (1) != maxcpus (3)");
    CHECK_STR(parse_err("-smp", "2,maxcpus=1"),
              "kemu: Invalid CPU topology: maxcpus must be equal to or greater than smp: "
              "sockets (1) * dies (1) * cores (1) * threads (1) == maxcpus (1) < smp_cpus (2)");
    CHECK_STR(parse_err("-smp", "4,sockets=2,cores=2,threads=2"),
              "kemu: Invalid CPU topology: product of the hierarchy must match maxcpus: "
              "sockets (2) * dies (1) * cores (2) * threads (2) != maxcpus (4)");
    CHECK_STR(parse_err("-smp", "300"),
              "kemu: Invalid SMP CPUs 300. The max CPUs supported by machine 'pc' is 255");
    CHECK_STR(parse_err("-smp", "foo"), "kemu: Parameter 'smp.cpus' expects integer");
    CHECK_STR(parse_err("-smp", "2,foo=1"), "kemu: Parameter 'smp.foo' is unexpected");
    CHECK_STR(parse_err("-smp", "1,clusters=2"),
              "kemu: clusters not supported by this machine's CPU topology");
    CHECK_STR(parse_err("-smp", "0"), "(no error)");   /* a warning, as QEMU */
}

TEST(cmdline, boot)
{
    MachineConfig c = { 0 };
    CHECK_EQ(cmdline_parse_boot(&c, "dc"), 0);
    CHECK_STR(c.boot_order, "dc");
    CHECK_EQ(cmdline_parse_boot(&c, "order=cd,once=d,menu=on,strict=off,"
                                    "splash-time=3000,reboot-timeout=-1"), 0);
    CHECK_STR(c.boot_order, "cd");
    CHECK_STR(c.boot_once, "d");
    CHECK(c.boot_menu);
    CHECK(!c.boot_strict);
    CHECK_EQ(c.boot_splash_time, 3000);
    CHECK_EQ(c.boot_reboot_timeout, -1);
    CHECK_STR(parse_err("-boot", "order=x"), "kemu: Invalid boot device 'x'");
    CHECK_STR(parse_err("-boot", "dx"), "kemu: Invalid boot device 'x'");
    CHECK_STR(parse_err("-boot", "order=cc"), "kemu: Boot device 'c' was given twice");
    CHECK_STR(parse_err("-boot", "order=g"), "kemu: Invalid boot device for PC: 'g'");
    CHECK_STR(parse_err("-boot", "order=acdn"), "kemu: Too many boot devices for PC");
    CHECK_STR(parse_err("-boot", "once=x"), "kemu: Invalid boot device 'x'");
    CHECK_STR(parse_err("-boot", "foo=1"), "kemu: Parameter 'boot.foo' is unexpected");
    CHECK_STR(parse_err("-boot", "menu=maybe"), "kemu: Parameter 'boot.menu' expects 'on' or 'off'");
    CHECK_STR(parse_err("-boot", "strict=x"), "kemu: Parameter 'boot.strict' expects 'on' or 'off'");
    CHECK_STR(parse_err("-boot", "splash-time=foo"),
              "kemu: Parameter 'boot.splash-time' expects integer");
    CHECK_STR(parse_err("-boot", "reboot-timeout=70000"),
              "kemu: reboot timeout is invalid,it should be a value between -1 and 65535");
    CHECK_STR(parse_err("-boot", "splash=/nonexistent/x"),
              "kemu: failed to find file '/nonexistent/x'");
}

static char img[64];

static void make_img(void)
{
    snprintf(img, sizeof(img), "/tmp/kemu-cmdline-%d.img", (int)getpid());
    FILE *f = fopen(img, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
}

TEST(cmdline, drive_keys)
{
    make_img();
    char arg[256];
    snprintf(arg, sizeof(arg), "file=%s,if=none,cache=none,format=raw,readonly=on,id=d0", img);
    KemuOptions o;
    const char *args[] = { "-drive", arg, NULL };
    CHECK_EQ(parse_args(&o, args), CMDLINE_RUN);
    CHECK_EQ(o.ndrives, 1);
    CHECK_STR(o.drives[0].file, img);
    CHECK_EQ(o.drives[0].iface, IF_NONE);
    CHECK_EQ(o.drives[0].cache, CACHE_NONE);
    CHECK(o.drives[0].cache_direct && o.drives[0].cache_writeback);
    CHECK(o.drives[0].readonly);
    CHECK_STR(o.drives[0].format, "raw");
    CHECK_STR(o.drives[0].id, "d0");
    CHECK(drive_get(IF_NONE, 0) == &o.drives[0]);
    unlink(img);
}

TEST(cmdline, drive_errors)
{
    make_img();
    char a[256];
#define DRIVE_ERR(extra, msg) do { \
        snprintf(a, sizeof(a), "file=%s,if=none%s", img, extra); \
        char want_[512]; snprintf(want_, sizeof(want_), "kemu: -drive %s: %s", a, msg); \
        CHECK_STR(parse_err("-drive", a), want_); } while (0)
    DRIVE_ERR(",cache=foo", "invalid cache option");
    DRIVE_ERR(",media=foo", "'foo' invalid media");
    DRIVE_ERR(",format=foo", "Unknown driver 'foo'");
    DRIVE_ERR(",index=foo", "Parameter 'index' expects a number");
    DRIVE_ERR(",readonly=maybe", "Parameter 'read-only' expects 'on' or 'off'");
    DRIVE_ERR(",foo=bar", "Invalid parameter 'foo'");
    DRIVE_ERR(",index=1,unit=1", "index cannot be used with bus and unit");
    snprintf(a, sizeof(a), "file=%s,if=foo", img);
    char want[512];
    snprintf(want, sizeof(want), "kemu: -drive %s: unsupported bus type 'foo'", a);
    CHECK_STR(parse_err("-drive", a), want);
    CHECK_STR(parse_err("-drive", "file=/nonexistent.img"),
              "kemu: -drive file=/nonexistent.img: Could not open '/nonexistent.img': "
              "No such file or directory");
    CHECK_STR(parse_err("-hda", "/nonexistent.img"),
              "kemu: -hda /nonexistent.img: Could not open '/nonexistent.img': "
              "No such file or directory");
    unlink(img);
}

TEST(cmdline, drive_escaping)
{
    /* A file name with a comma: ",," in -drive, plain in -hda. */
    char name[64];
    snprintf(name, sizeof(name), "/tmp/kemu,cmdline-%d.img", (int)getpid());
    FILE *f = fopen(name, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    char arg[160];
    snprintf(arg, sizeof(arg), "file=/tmp/kemu,,cmdline-%d.img,if=none", (int)getpid());
    KemuOptions o;
    const char *args[] = { "-drive", arg, NULL };
    CHECK_EQ(parse_args(&o, args), CMDLINE_RUN);
    CHECK_STR(o.drives[0].file, name);
    unlink(name);
}

TEST(cmdline, options_and_errors)
{
    CHECK_STR(parse_err("-foo", NULL), "kemu: -foo: invalid option");
    CHECK_STR(parse_err("-m", NULL), "kemu: -m: requires an argument");
    CHECK_STR(parse_err("-vnc", ":0"), "(no error)");
    CHECK_STR(parse_err("-vnc", "[::1]:3,to=9,password=on"), "(no error)");
    CHECK_STR(parse_err("-vnc", "none"), "(no error)");
    CHECK_STR(parse_err("-vnc", ":::5900"), "(no error)");          /* "::", display 5900 */
    CHECK_STR(parse_err("-vnc", "unix:"), "kemu: -vnc unix:: UNIX socket path '' is invalid");
    CHECK_STR(parse_err("-vnc", "foo"), "kemu: -vnc foo: no vnc port specified");
    CHECK_STR(parse_err("-vnc", ":1,share=bogus"), "kemu: -vnc :1,share=bogus: unknown vnc share= option");
    CHECK_STR(parse_err("-vnc", ":1,websocket=on"),
              "kemu: -vnc :1,websocket=on: VNC option 'websocket' is not supported");
    CHECK_STR(parse_err("-display", "vnc=unix:/tmp/x.sock"), "(no error)");
    CHECK_STR(parse_err("-vga", "foo"), "kemu: unknown vga type: foo");
    CHECK_STR(parse_err("-display", "foo"),
              "kemu: -display foo: Parameter 'type' does not accept value 'foo'");
    CHECK_STR(parse_err("-net", "foo"), "kemu: -net foo: Parameter 'type' does not accept value 'foo'");
    CHECK_STR(parse_err("-net", "nic,macaddr=zz"),
              "kemu: -net nic,macaddr=zz: invalid syntax for ethernet address");
    CHECK_STR(parse_err("-net", "nic,model=foo"), "kemu: -net nic,model=foo: Unsupported NIC model: foo");
    CHECK_STR(parse_err("-net", "user,foo=1"), "kemu: -net user,foo=1: Invalid parameter 'foo'");
    CHECK_STR(parse_err("-netdev", "user"), "kemu: -netdev user: Parameter 'id' is missing");
    CHECK_STR(parse_err("-nic", "user,model=ne3000"),
              "kemu: -nic user,model=ne3000: Unsupported NIC model: ne3000");
    CHECK_STR(parse_err("-nic", "user,foo=1"), "kemu: -nic user,foo=1: Invalid parameter 'foo'");
    CHECK_STR(parse_err("-nic", "user,mac=1:2"),
              "kemu: -nic user,mac=1:2: invalid syntax for ethernet address");
    CHECK_STR(parse_err("-net", "user,vlan=x"),
              "kemu: -net user,vlan=x: Parameter 'vlan' expects a hub number");
    CHECK_STR(parse_err("-net", "nic,model=e1000"), "(no error)");
    CHECK_STR(parse_err("-netdev", "user,id=n0,hostfwd=tcp::2222-:22"), "(no error)");
    CHECK_STR(parse_err("-nic", "none"), "(no error)");
    CHECK_STR(parse_err("-no-hpet", NULL), "kemu: -no-hpet: this option is not supported yet");
    CHECK_STR(parse_err("-usb", NULL), "(no error)");
    CHECK_STR(parse_err("-usbdevice", "tablet"), "(no error)");
    CHECK_STR(parse_err("-usbdevice", "mouse"),
              "kemu: -usbdevice mouse: 'mouse' is not a valid device model name (kemu has: tablet)");
    CHECK_STR(parse_err("-k", "de"), "(no error)");      /* the keymap is read at start */
    KemuOptions quit;
    CHECK_EQ(parse_args(&quit, (const char *const[]){ "-display", "sdl", NULL }), CMDLINE_RUN);
    CHECK(quit.window_close);                           /* closing the window quits */
    CHECK_EQ(parse_args(&quit, (const char *const[]){ "-no-quit", NULL }), CMDLINE_RUN);
    CHECK(!quit.window_close);
    CHECK_STR(parse_err("-mon", "chardev=c0,mode=control"),
              "kemu: -mon chardev=c0,mode=control: QMP (mode=control) is not supported yet");
    CHECK_STR(parse_err("-mon", "mode=readline"),
              "kemu: -mon mode=readline: Parameter 'chardev' is missing");
    CHECK_STR(parse_err("-mon", "c0"), "(no error)");
    CHECK_STR(parse_err("-rtc", "base=utc,clock=host,driftfix=none"), "(no error)");
    CHECK_STR(parse_err("-rtc", "base=localtime"),
              "kemu: -rtc base=localtime: base=localtime is not supported yet");
    CHECK_STR(parse_err("-rtc", "clock=foo"),
              "kemu: -rtc clock=foo: Parameter 'clock' does not accept value 'foo'");
    CHECK_STR(parse_err("-rtc", "foo=1"), "kemu: -rtc foo=1: Invalid parameter 'foo'");
    CHECK_STR(parse_err("-name", "foo,bar=1"), "kemu: -name foo,bar=1: Invalid parameter 'bar'");
    CHECK_STR(parse_err("-accel", "foo"), "kemu: -accel foo: invalid accelerator foo");
    CHECK_STR(parse_err("-machine", "accel=foo"), "kemu: invalid accelerator foo");
    CHECK_STR(parse_err("-gdb", "tcp::1234"), "(no error)");
    CHECK_STR(parse_err("-gdb", "tcp::12x4"), "kemu: -gdb tcp::12x4: invalid port");
    KemuOptions o;
    const char *both[] = { "-machine", "accel=kvm", "-accel", "kvm", NULL };
    cap_begin();
    CHECK_EQ(parse_args(&o, both), CMDLINE_ERROR);
    CHECK_STR(cap_end(), "kemu: The -accel and \"-machine accel=\" options are incompatible");
}

TEST(cmdline, accel_lists_and_names)
{
    KemuOptions o;
    const char *args[] = { "-name", "centos7", "-accel", "kvm", "-accel", "tcg",
                           "-machine", "pc,kernel-irqchip=off", NULL };
    CHECK_EQ(parse_args(&o, args), CMDLINE_RUN);
    CHECK_STR(o.accel_list, "kvm:tcg");
    CHECK_STR(o.cfg.name, "centos7");
    CHECK(!o.cfg.kernel_irqchip && o.cfg.kernel_irqchip_set);
    const char *m[] = { "-machine", "type=pc,accel=kvm:tcg", NULL };
    CHECK_EQ(parse_args(&o, m), CMDLINE_RUN);
    CHECK_STR(o.accel_list, "kvm:tcg");
}

TEST(cmdline, finish_defaults_and_checks)
{
    KemuOptions o;
    const char *ng[] = { "-nographic", NULL };
    CHECK_EQ(parse_args(&o, ng), CMDLINE_RUN);
    CHECK_EQ(cmdline_finish(&o), CMDLINE_RUN);
    CHECK_EQ(o.nserial, 1);
    CHECK_STR(o.serial[0], "mon:stdio");
    CHECK(o.monitor == NULL);
    const char *ng2[] = { "-nographic", "-monitor", "none", NULL };
    CHECK_EQ(parse_args(&o, ng2), CMDLINE_RUN);
    CHECK_EQ(cmdline_finish(&o), CMDLINE_RUN);
    CHECK_STR(o.serial[0], "stdio");
    /* A "mon:" serial port carries the monitor: no second one on stdio. */
    const char *ng3[] = { "-nographic", "-serial", "mon:stdio", NULL };
    CHECK_EQ(parse_args(&o, ng3), CMDLINE_RUN);
    CHECK_EQ(cmdline_finish(&o), CMDLINE_RUN);
    CHECK_EQ(o.nserial, 1);
    CHECK(o.monitor == NULL);
    const char *ini[] = { "-initrd", "/x", NULL };
    CHECK_EQ(parse_args(&o, ini), CMDLINE_RUN);
    cap_begin();
    CHECK_EQ(cmdline_finish(&o), CMDLINE_ERROR);
    CHECK_STR(cap_end(), "kemu: -initrd only allowed with -kernel option");
    const char *k[] = { "-kernel", "/nonexistent/vmlinuz", NULL };
    CHECK_EQ(parse_args(&o, k), CMDLINE_RUN);
    cap_begin();
    CHECK_EQ(cmdline_finish(&o), CMDLINE_ERROR);
    CHECK_STR(cap_end(), "kemu: could not open kernel file '/nonexistent/vmlinuz': "
              "No such file or directory");
    const char *d[] = { "-daemonize", "-nographic", NULL };
    CHECK_EQ(parse_args(&o, d), CMDLINE_RUN);
    cap_begin();
    CHECK_EQ(cmdline_finish(&o), CMDLINE_ERROR);
    CHECK_STR(cap_end(), "kemu: -nographic cannot be used with -daemonize");
}
