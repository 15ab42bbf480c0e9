# revert --help
$ virt-state revert --help
--- stdout
Usage: virt-state revert DOMAIN NAME [--running] [--paused] [--discard-current] [--dry-run] [--force] [--start]

Takes DOMAIN back to restore point or disk snapshot NAME, on libvirt versions that
cannot revert external snapshots themselves.

Restore point: the point is verified first (nothing it needs may have changed).
The state being left is kept as a restore point of its own, pre-revert-DATE-TIME
(a running domain is saved to memory for it), unless --discard-current is given.
Each disk gets a fresh overlay on the point's frozen file, the persistent
definition becomes the point's, and the memory is restored onto the new overlays:
the guest resumes where it was, running or paused as at the point (--running,
--paused). A point of a shut-off domain leaves it shut off unless told otherwise.

Disk snapshot: the domain must be shut off, or --force stops it. Each disk gets a
fresh overlay on the file the snapshot froze, and the persistent definition names
the new overlays, so the next start (--start) boots the snapshot's state. The
files the domain used before stay unless --discard-current is given.

Arguments:
  DOMAIN                     the domain: name, UUID or id
  NAME                       the restore point or disk snapshot to go back to

Options:
      --running              restore point: leave the domain running afterwards (default: the point's state)
      --paused               restore point: leave the domain paused afterwards
      --discard-current      do not keep the state being left (restore point: no pre-revert point) and remove the overlays it used when nothing else refers to them
  -n, --dry-run              print the steps it would take; change nothing
      --force                disk snapshot: stop a running domain first (like pulling its plug: unsaved memory is lost)
      --start                disk snapshot: start the domain after the revert
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
