#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/vs-test-journal-XXXXXX";

static void test_roundtrip(void)
{
    char *ddir = vs_asprintf("%s/web1", tmpdir);
    vs_journal *j = journal_begin(ddir, "save", "web1", "6695eb01-f6a4-8304-79aa-97f2502e193f");
    ok(j != NULL, "begin: journal written");
    journal_set(j, "file", "/tmp/a <&> \"b\".img");
    ok(journal_step(j, "temp") == 0 && journal_step_done(j, "temp") == 0, "steps: temp begun and done");
    ok(journal_step(j, "save") == 0, "steps: save begun");

    char **list = journal_list(ddir);
    ok(list && list[0] && !list[1], "list: one pending journal");
    struct stat st;
    ok(list && stat(list[0], &st) == 0 && (st.st_mode & 0777) == 0600, "list: journal file is 0600");
    vs_journal *r = list ? journal_load(list[0]) : NULL;
    ok(r != NULL, "load: reads back");
    if (r) {
        is_str(journal_operation(r), "save", "load: operation");
        is_str(journal_domain(r), "web1", "load: domain");
        is_str(journal_get(r, "file"), "/tmp/a <&> \"b\".img", "load: parameter with XML specials");
        ok(journal_step_state(r, "temp") == VS_STEP_DONE, "load: finished step is done");
        ok(journal_step_state(r, "save") == VS_STEP_BEGUN, "load: current step is begun");
        ok(journal_step_state(r, "rename") == VS_STEP_NONE, "load: future step not recorded");
        vs_step_state s;
        is_str(journal_last_step(r, &s), "save", "load: last step");
    }
    journal_free(r);
    vs_strv_free(list);

    ok(journal_finish(j) == 0, "finish: journal removed");
    list = journal_list(ddir);
    ok(list == NULL, "finish: nothing pending");
    journal_free(j);
    free(ddir);
}

static void test_fault_injection(void)
{
    /* Not on the heap: the children die by SIGKILL and must not show leaks. */
    static char ddir[64];
    snprintf(ddir, sizeof(ddir), "%s/web2", tmpdir);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("VIRT_STATE_FAULT_AT", "demo:copy", 1);
        vs_journal *j = journal_begin(ddir, "demo", "web2", NULL);
        journal_step(j, "prepare");
        journal_step_done(j, "prepare");
        journal_step(j, "copy"); /* dies here */
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "fault: process killed at the named step");
    char **list = journal_list(ddir);
    vs_journal *r = list ? journal_load(list[0]) : NULL;
    ok(r && journal_step_state(r, "prepare") == VS_STEP_DONE, "fault: earlier step recorded done");
    ok(r && journal_step_state(r, "copy") == VS_STEP_BEGUN, "fault: fatal step recorded as begun");
    journal_free(r);
    vs_strv_free(list);

    pid = fork();
    if (pid == 0) {
        setenv("VIRT_STATE_FAULT_AT", "demo:copy:done", 1);
        vs_journal *j = journal_begin(ddir, "demo", "web2", NULL);
        journal_step(j, "copy");
        journal_step_done(j, "copy"); /* dies here */
        _exit(0);
    }
    waitpid(pid, &status, 0);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "fault: ':done' kills after the step is done");

    pid = fork();
    if (pid == 0) {
        setenv("VIRT_STATE_FAULT_AT", "other:copy", 1);
        vs_journal *j = journal_begin(ddir, "demo", "web2", NULL);
        journal_step(j, "copy");
        journal_finish(j);
        journal_free(j);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fault: another operation's step does not fire");
}

static void test_bad_journals(void)
{
    char *dir = vs_asprintf("%s/web3/journal", tmpdir);
    store_mkdirs(dir);
    char *p = vs_asprintf("%s/bad.xml", dir);
    store_write_atomic(p, "<operation id='x' type='save'", 29);
    ok(journal_load(p) == NULL, "load: truncated journal refused");
    const char *xxe = "<?xml version='1.0'?><!DOCTYPE operation [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                      "<operation id='x' type='save' domain='web3' started='now'><param name='f' value='&e;'/></operation>";
    store_write_atomic(p, xxe, strlen(xxe));
    ok(journal_load(p) == NULL, "load: journal with a DTD refused");
    const char *trav = "<operation id='x' type='save' domain='../../etc' started='now'/>";
    store_write_atomic(p, trav, strlen(trav));
    ok(journal_load(p) == NULL, "load: journal naming an unsafe domain refused");
    free(p);
    free(dir);
}

static void test_disk_params(void)
{
    char *ddir = vs_asprintf("%s/web2", tmpdir);
    vs_journal *j = journal_begin(ddir, "commit", "web2", "6695eb01-f6a4-8304-79aa-97f2502e193f");
    journal_set_disk_count(j, 2);
    journal_set_disk(j, 0, "target", "vda");
    journal_set_disk(j, 1, "top", "/i/vdb.s1.qcow2");
    ok(journal_step(j, "start") == 0, "disks: written with the next step");
    char **list = journal_list(ddir);
    vs_journal *r = list ? journal_load(list[0]) : NULL;
    ok(r && journal_disk_count(r, "the commit") == 2, "disks: the count reads back");
    is_str(r ? journal_get_disk(r, 0, "target") : NULL, "vda", "disks: disk 0's target reads back");
    is_str(r ? journal_get(r, "disk.1.top") : NULL, "/i/vdb.s1.qcow2", "disks: stored as disk.<i>.<field>");
    ok(r && !journal_get_disk(r, 1, "target"), "disks: a field never set is missing");
    journal_set(j, "disks", "0");
    journal_step(j, "next");
    vs_journal *z = list ? journal_load(list[0]) : NULL;
    ok(z && journal_disk_count(z, "the commit") == 0, "disks: a count of 0 is refused");
    journal_set(j, "disks", "65");
    journal_step(j, "again");
    vs_journal *big = list ? journal_load(list[0]) : NULL;
    ok(big && journal_disk_count(big, "the commit") == 0, "disks: more than 64 is refused");
    journal_finish(j);
    journal_free(big);
    journal_free(z);
    journal_free(r);
    journal_free(j);
    vs_strv_free(list);
    free(ddir);
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 99;
    test_roundtrip();
    test_disk_params();
    test_fault_injection();
    test_bad_journals();
    char *rm = vs_asprintf("rm -rf %s", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(rm);
    return done_testing();
}
