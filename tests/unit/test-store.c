#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/vs-test-store-XXXXXX";

static mode_t mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void test_mkdirs(void)
{
    umask(0);
    char *p = vs_asprintf("%s/a/b/c", tmpdir);
    ok(store_mkdirs(p) == 0, "mkdirs: creates nested directories");
    ok(mode_of(p) == 0700, "mkdirs: 0700 with umask 000");
    char *a = vs_asprintf("%s/a", tmpdir);
    ok(mode_of(a) == 0700, "mkdirs: parents 0700 too");
    ok(store_mkdirs(p) == 0, "mkdirs: existing directories are fine");
    free(a);
    free(p);
    umask(0777);
    p = vs_asprintf("%s/u/v", tmpdir);
    ok(store_mkdirs(p) == 0 && mode_of(p) == 0700, "mkdirs: 0700 with umask 777");
    free(p);
    umask(022);
}

static void test_atomic_write(void)
{
    char *path = vs_asprintf("%s/file.xml", tmpdir);
    umask(0);
    ok(store_write_atomic(path, "one\n", 4) == 0, "atomic write: first version");
    ok(mode_of(path) == 0600, "atomic write: 0600 whatever the umask");
    umask(022);
    ok(store_write_atomic(path, "second\n", 7) == 0, "atomic write: replaces");
    FILE *f = fopen(path, "r");
    char buf[32] = "";
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    ok(n == 7 && strcmp(buf, "second\n") == 0, "atomic write: new content in place");
    char *cmd = vs_asprintf("test $(ls -A %s | grep -c '^\\.file') -eq 0", tmpdir);
    ok(system(cmd) == 0, "atomic write: no temporary left behind");
    free(cmd);
    char *missing = vs_asprintf("%s/nodir/file", tmpdir);
    ok(store_write_atomic(missing, "x", 1) < 0, "atomic write: missing directory is an error");
    free(missing);
    free(path);
}

static void test_lock(void)
{
    vs_lock *lock = NULL;
    ok(store_lock_domain(tmpdir, "web1", "test", &lock) == 0 && lock, "lock: taken");
    char *lp = vs_asprintf("%s/web1/lock", tmpdir);
    ok(mode_of(lp) == 0600, "lock: file is 0600");

    /* A second process is refused at once. */
    pid_t pid = fork();
    if (pid == 0) {
        vs_lock *l2 = NULL;
        _exit(store_lock_domain(tmpdir, "web1", "second", &l2) == -2 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lock: a second holder gets 'busy'");
    store_unlock(lock);

    /* A holder killed with SIGKILL leaves no lock behind. */
    int ready[2];
    if (pipe(ready) < 0)
        abort();
    pid = fork();
    if (pid == 0) {
        vs_lock *l3 = NULL;
        if (store_lock_domain(tmpdir, "web1", "doomed", &l3) != 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char c;
    ok(read(ready[0], &c, 1) == 1, "lock: child holds the lock");
    vs_lock *busy = NULL;
    ok(store_lock_domain(tmpdir, "web1", "test", &busy) == -2, "lock: busy while the child holds it");
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ok(store_lock_domain(tmpdir, "web1", "test", &lock) == 0, "lock: free again after the holder was killed");
    store_unlock(lock);
    close(ready[0]);
    close(ready[1]);

    ok(store_lock_domain(tmpdir, "../etc", "test", &lock) == -1, "lock: unsafe domain name refused");
    free(lp);
}

static void test_resolve(void)
{
    char *p = store_resolve_new_path("/tmp/../tmp/x.img");
    is_str(p, "/tmp/x.img", "resolve: directory made absolute");
    free(p);
    ok(store_resolve_new_path("/nonexistent-dir/x") == NULL, "resolve: missing directory refused");
    ok(store_resolve_new_path("/tmp/") == NULL, "resolve: a directory is no file name");
    ok(store_resolve_new_path("/tmp/..") == NULL, "resolve: '..' is no file name");
    char *cwd = getcwd(NULL, 0);
    if (chdir(tmpdir) == 0) {
        p = store_resolve_new_path("rel.img");
        char *want = vs_asprintf("%s/rel.img", tmpdir);
        is_str(p, want, "resolve: relative path made absolute");
        free(want);
        free(p);
        if (chdir(cwd) < 0)
            abort();
    }
    free(cwd);
}

static void test_counts(void)
{
    char *d = vs_asprintf("%s/web2/restore-points/p1", tmpdir);
    store_mkdirs(d);
    char *m = vs_asprintf("%s/manifest.xml", d);
    store_write_atomic(m, "<x/>", 4);
    char *d2 = vs_asprintf("%s/web2/restore-points/incomplete", tmpdir);
    store_mkdirs(d2);
    vs_store_counts c;
    store_count(tmpdir, "web2", &c);
    ok(c.restore_points == 1, "counts: only points with a manifest count");
    ok(c.backups == 0 && c.disk_snapshots == 0 && c.pending_journals == 0, "counts: empty kinds are zero");
    free(d);
    free(d2);
    free(m);
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 99;
    test_mkdirs();
    test_atomic_write();
    test_lock();
    test_resolve();
    test_counts();
    char *rm = vs_asprintf("rm -rf %s", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(rm);
    return done_testing();
}
