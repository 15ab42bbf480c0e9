#include "config.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int store_mkdirs(const char *path)
{
    autofree char *p = vs_xstrdup(path);
    size_t len = strlen(p);

    while (len > 1 && p[len - 1] == '/')
        p[--len] = '\0';
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0700) == 0) {
            /* The umask may have taken bits away or a parent's ACL added some. */
            if (chmod(p, 0700) < 0)
                return vs_error("cannot set the mode of '%s': %s", p, strerror(errno));
        } else if (errno != EEXIST) {
            return vs_error("cannot create directory '%s': %s", p, strerror(errno));
        } else {
            struct stat st;
            if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
                return vs_error("'%s' exists and is not a directory", p);
        }
        *s = saved;
        if (!saved)
            break;
    }
    return 0;
}

char *store_domain_dir(const char *store, const char *domain)
{
    if (!vs_name_is_safe(domain)) {
        vs_error("domain name '%s' cannot be used as a directory name in the store", domain);
        return NULL;
    }
    return vs_asprintf("%s/%s", store, domain);
}

int store_fsync_dir(const char *dir)
{
    autoclose int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        return vs_error("cannot sync directory '%s': %s", dir, strerror(errno));
    return 0;
}

int store_fsync_path(const char *path)
{
    autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        return vs_error("cannot sync '%s': %s", path, strerror(errno));
    return 0;
}

static char *dir_of(const char *path)
{
    autofree char *copy = vs_xstrdup(path);
    return vs_xstrdup(dirname(copy));
}

int store_rename_durable(const char *from, const char *to)
{
    if (rename(from, to) < 0)
        return vs_error("cannot rename '%s' to '%s': %s", from, to, strerror(errno));
    autofree char *dir = dir_of(to);
    return store_fsync_dir(dir);
}

char *store_make_temp_beside(const char *final_path)
{
    autofree char *copy = vs_xstrdup(final_path);
    autofree char *dir = dir_of(final_path);
    char *tmpl = vs_asprintf("%s/.%s.vs-XXXXXX", dir, basename(copy));
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        vs_error("cannot create a temporary file in '%s': %s", dir, strerror(errno));
        free(tmpl);
        return NULL;
    }
    fchmod(fd, 0600);
    close(fd);
    return tmpl;
}

int store_write_atomic(const char *path, const void *data, size_t len)
{
    autofree char *tmp = store_make_temp_beside(path);
    if (!tmp)
        return -1;
    autoclose int fd = open(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC);
    const char *p = data;
    size_t left = len;
    int saved = 0;

    if (fd < 0)
        saved = errno;
    while (!saved && left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            saved = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!saved && fsync(fd) < 0)
        saved = errno;
    if (saved) {
        unlink(tmp);
        return vs_error("cannot write '%s': %s", path, strerror(saved));
    }
    if (rename(tmp, path) < 0) {
        saved = errno;
        unlink(tmp);
        return vs_error("cannot rename '%s' into place: %s", path, strerror(saved));
    }
    autofree char *dir = dir_of(path);
    return store_fsync_dir(dir);
}

int store_lock_domain(const char *store, const char *domain, const char *operation, vs_lock **out)
{
    autofree char *ddir = store_domain_dir(store, domain);
    if (!ddir || store_mkdirs(ddir) < 0)
        return -1;
    autofree char *path = vs_asprintf("%s/lock", ddir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return vs_error("cannot open lock '%s': %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int err = errno;
        char holder[128] = "";
        ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
        close(fd);
        if (err != EWOULDBLOCK)
            return vs_error("cannot lock '%s': %s", path, strerror(err));
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        vs_error("domain '%s' is busy: another virt-state operation holds its lock%s%s%s", domain,
                 *holder ? " (" : "", holder, *holder ? ")" : "");
        return -2;
    }
    fchmod(fd, 0600);
    char line[128];
    int len = snprintf(line, sizeof(line), "pid %ld, %s\n", (long)getpid(), operation);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len)
        vs_debug("cannot record the lock holder in '%s'", path);
    vs_lock *lock = vs_xcalloc(1, sizeof(*lock));
    lock->fd = fd;
    lock->path = vs_steal(&path);
    *out = lock;
    return 0;
}

void store_unlock(vs_lock *lock)
{
    if (!lock)
        return;
    if (ftruncate(lock->fd, 0) < 0)
        vs_debug("cannot clear the lock holder in '%s'", lock->path);
    close(lock->fd);
    free(lock->path);
    free(lock);
}

/* Subdirectories of dir that hold the file must_contain. */
static int count_with(const char *dir, const char *must_contain)
{
    autostrv char **names = vs_list_dir(dir, NULL);
    int n = 0;
    for (char **p = names; p && *p; p++) {
        autofree char *path = vs_asprintf("%s/%s/%s", dir, *p, must_contain);
        n += access(path, F_OK) == 0;
    }
    return n;
}

/* Backups: one "<id>.manifest.xml" per backup in each chain directory. */
static int count_backups(const char *dir)
{
    autostrv char **chains = vs_list_dir(dir, NULL);
    int n = 0;
    for (char **p = chains; p && *p; p++) {
        autofree char *chain = vs_asprintf("%s/%s", dir, *p);
        autostrv char **manifests = vs_list_dir(chain, ".manifest.xml");
        n += (int)vs_strv_len(manifests);
    }
    return n;
}

void store_count(const char *store, const char *domain, vs_store_counts *out)
{
    memset(out, 0, sizeof(*out));
    if (!vs_name_is_safe(domain))
        return;
    autofree char *rp = vs_asprintf("%s/%s/restore-points", store, domain);
    autofree char *ds = vs_asprintf("%s/%s/disk-snapshots", store, domain);
    autofree char *bk = vs_asprintf("%s/%s/backups", store, domain);
    autofree char *jn = vs_asprintf("%s/%s/journal", store, domain);
    autostrv char **journals = vs_list_dir(jn, ".xml");
    out->restore_points = count_with(rp, "manifest.xml");
    out->disk_snapshots = count_with(ds, "manifest.xml");
    out->backups = count_backups(bk);
    out->pending_journals = (int)vs_strv_len(journals);
}

char *store_resolve_new_path(const char *path)
{
    autofree char *copy = vs_xstrdup(path);
    autofree char *copy2 = vs_xstrdup(path);
    const char *base = basename(copy);
    const char *dir = dirname(copy2);

    if (!*path || path[strlen(path) - 1] == '/' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        vs_error("'%s' does not name a file", path);
        return NULL;
    }
    autofree char *real = realpath(dir, NULL);
    if (!real) {
        vs_error("directory '%s' of '%s': %s", dir, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
        vs_error("'%s' is not a directory", dir);
        return NULL;
    }
    return vs_asprintf("%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/", base);
}
