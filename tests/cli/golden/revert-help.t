# revert --help
$ virt-state revert --help
--- stdout
Usage: virt-state revert DOMAIN NAME [--force] [--start] [--discard-current]

Takes the disks of DOMAIN back to disk snapshot NAME. The domain must be shut
off, or --force stops it. Each disk gets a fresh overlay on the file the
snapshot froze, and the persistent definition names the new overlays, so the
next start boots the snapshot's state. The files the domain used before stay
on disk (the abandoned branch) unless --discard-current is given.

Arguments:
  DOMAIN                     the domain: name, UUID or id
  NAME                       the disk snapshot to go back to

Options:
      --force                stop a running domain first (like pulling its plug: unsaved memory is lost)
      --start                start the domain after the revert
      --discard-current      remove the overlays the domain used before, when no snapshot refers to them
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
