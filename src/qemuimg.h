/* The few qemu-img calls the tool makes on images no QEMU process has open
 * for writing: overlays created ahead of a snapshot (so that guest I/O is
 * frozen only around the snapshot call itself) or a revert, and the offline
 * commit of a shut-off domain. qemu-img is Debian's qemu-utils, the same
 * package libvirt's QEMU driver depends on. */
#pragma once

#include <stdbool.h>

/* Creates a new qcow2 overlay (0600; the file must not exist) whose backing
 * file is 'backing' in 'backing_format', of 'size' bytes, without opening
 * the backing file (it may be in use by a running guest). A NULL backing
 * makes a plain empty qcow2 image. */
int qemuimg_create_overlay(const char *overlay, const char *backing, const char *backing_format,
                           unsigned long long size);
/* Commits an overlay into its backing file (offline). With 'drop', the
 * overlay is not emptied afterwards (it is about to be removed). */
int qemuimg_commit(const char *overlay, bool drop);
/* The backing file recorded in an image's header, and its format when
 * 'format' is given (NULL when none or on error; errors are reported only
 * with 'report'). */
char *qemuimg_backing_file(const char *image, char **format, bool report);

/* Adds to the image 'to' (a fresh overlay nothing has opened yet) an empty
 * persistent bitmap for each bitmap of 'from' that libvirt records into
 * (flag "auto", stored cleanly), so that libvirt checkpoints stay usable
 * once the domain runs on 'to': libvirt 9.0 needs a checkpoint's bitmap in
 * the top image, and adding it later through QEMU gives wrong incremental
 * backups (docs/research/checkpoints-and-external-snapshots.md). *copied
 * counts them. Returns 0, or -1 after reporting. */
int qemuimg_copy_bitmaps(const char *from, const char *to, int *copied);

/* The names of the persistent bitmaps in an image's top layer (NULL when
 * none); *ok is false (reported) when qemu-img could not read it. */
char **qemuimg_bitmap_names(const char *image, bool *ok);

/* Backups. qemu-img check of a qcow2 image (its backing chain opened too):
 * 0, or -1 with *why (not reported). */
int qemuimg_check(const char *image, char **why);
/* A standalone sparse qcow2 copy of what 'from' (and its backing chain)
 * holds, into the new file 'to' (0600; it must not exist). */
int qemuimg_convert(const char *from, const char *to);
/* The same from an image of format from_format ("qcow2" or "raw"). With
 * 'shared' (-U) the image may be open in QEMU (a file a snapshot froze:
 * nothing writes it); without, qemu-img holds its lock while it reads, so
 * QEMU cannot start writing it meanwhile. On a terminal, with a label,
 * qemu-img shows its progress. */
int qemuimg_copy(const char *from, const char *from_format, const char *to, bool shared, const char *label);
/* Guest data an image holds in its own layer (not its backing files). */
int qemuimg_data_bytes(const char *image, unsigned long long *bytes);
/* Waits until no process holds 'image' open for writing (QEMU lets go of
 * a backup target shortly after the job's completion event). 0, or -1
 * after reporting when it is still held after timeout_ms. */
int qemuimg_wait_closed(const char *image, int timeout_ms);
