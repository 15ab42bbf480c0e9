#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quiesce.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/vs-test-quiesce-XXXXXX";
static const char uuid[] = "6695eb01-f6a4-8304-79aa-97f2502e193f";

static void test_uuid(void)
{
    ok(quiesce_uuid_is_valid(uuid), "uuid: lowercase");
    ok(quiesce_uuid_is_valid("6695EB01-F6A4-8304-79AA-97F2502E193F"), "uuid: uppercase");
    ok(!quiesce_uuid_is_valid("6695eb01f6a4830479aa97f2502e193f"), "uuid: without dashes refused");
    ok(!quiesce_uuid_is_valid("6695eb01-f6a4-8304-79aa-97f2502e193"), "uuid: short refused");
    ok(!quiesce_uuid_is_valid("6695eb01-f6a4-8304-79aa-97f2502e193g"), "uuid: not hex refused");
    ok(!quiesce_uuid_is_valid(""), "uuid: empty refused");
    ok(!quiesce_uuid_is_valid(NULL), "uuid: NULL refused");
}

static void test_record(void)
{
    char *ddir = vs_asprintf("%s/web1", tmpdir);
    vs_frozen_record r = {0}, back;
    char *mounts[] = {(char *)"/data", (char *)"/srv/a b", NULL};

    ok(store_mkdirs(ddir) == 0, "record: domain directory");
    ok(quiesce_record_read(ddir, &back) == 0, "record: none yet");
    r.uuid = (char *)uuid;
    r.frozen_at = 1700000000;
    r.deadline = 1700000060;
    r.guardian_pid = 4242;
    r.filesystems = 2;
    r.mountpoints = mounts;
    ok(quiesce_record_write(ddir, &r) == 0, "record: written");
    char *path = vs_asprintf("%s/frozen", ddir);
    struct stat st;
    ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "record: file is 0600");
    ok(quiesce_record_read(ddir, &back) == 1, "record: read back");
    is_str(back.uuid, uuid, "record: uuid");
    ok(back.frozen_at == 1700000000 && back.deadline == 1700000060, "record: times");
    ok(back.guardian_pid == 4242 && back.filesystems == 2, "record: guardian and count");
    ok(back.mountpoints && vs_strv_len(back.mountpoints) == 2, "record: two mount points");
    is_str(back.mountpoints ? back.mountpoints[1] : NULL, "/srv/a b", "record: a mount point with a blank");
    ok(quiesce_record_current(&back, 1700000059), "record: current before the deadline");
    ok(!quiesce_record_current(&back, 1700000060), "record: stale at the deadline");
    back.deadline = 0;
    ok(quiesce_record_current(&back, 1900000000), "record: open-ended stays current");
    quiesce_record_clear(&back);

    FILE *f = fopen(path, "w");
    if (f) {
        fputs("frozen_at=-3\nguardian=abc\nmountpoint=relative\nnonsense\n", f);
        fclose(f);
    }
    ok(quiesce_record_read(ddir, &back) == 1, "record: a damaged one is still read");
    ok(back.frozen_at == 0 && back.guardian_pid == 0 && back.mountpoints == NULL && back.uuid == NULL,
       "record: what cannot be trusted is zero");
    quiesce_record_clear(&back);

    ok(quiesce_record_remove(ddir) == 0 && access(path, F_OK) != 0, "record: removed");
    ok(quiesce_record_remove(ddir) == 0, "record: removing none is fine");
    free(path);
    free(ddir);
}

static void test_guardian_matches(void)
{
    ok(!quiesce_guardian_matches(getpid(), uuid), "matches: this test program is no guardian");
    ok(!quiesce_guardian_matches(1, uuid), "matches: init is never one");
    ok(!quiesce_guardian_matches(0, uuid), "matches: no pid");

    /* A process whose command line reads like a guardian's. */
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "virt-state", "-c", "sleep 5; exit 0", "guardian", uuid, "--fd", "3", (char *)NULL);
        _exit(127);
    }
    usleep(200 * 1000);
    ok(quiesce_guardian_matches(pid, uuid), "matches: 'virt-state ... guardian UUID'");
    ok(!quiesce_guardian_matches(pid, "00000000-0000-0000-0000-000000000000"),
       "matches: not the guardian of another domain");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ok(!quiesce_guardian_matches(pid, uuid), "matches: gone");
    ok(quiesce_guardian_stop(pid, uuid) == 0, "stop: a guardian gone is stopped");
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 99;
    test_uuid();
    test_record();
    test_guardian_matches();
    char *rm = vs_asprintf("rm -rf %s", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(rm);
    return done_testing();
}
