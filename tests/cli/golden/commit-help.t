# commit --help
$ virt-state commit --help
--- stdout
Usage: virt-state commit DOMAIN [--disk TARGET]... [--keep-overlay] [--bandwidth MIB_PER_S] [--timeout SECONDS]

Commits the overlay each disk of DOMAIN runs on (as a disk snapshot left it)
into its backing file, and makes the domain use that file again. On a running
domain this is an active block commit per disk: virt-state waits for libvirt's
ready events, then pivots every disk; if any disk fails before that, every
commit is cancelled and the domain stays on its overlays. On a shut-off domain
qemu-img commits each overlay, then the definition names the bases. Afterwards
the overlay files are removed unless --keep-overlay is given, and the disk
snapshots that had frozen the bases are forgotten: their frozen state is gone.
Ctrl-C cancels cleanly before the pivot.

Arguments:
  DOMAIN                     the domain: name, UUID or id

Options:
      --disk TARGET          commit only this disk; default: every disk running on an overlay; may be repeated
      --keep-overlay         leave the overlay files on disk after the pivot
      --bandwidth MIB_PER_S  limit the copy to this many MiB/s per disk (running domain)
      --timeout SECONDS      cancel, leaving the domain on its overlays, when not ready to pivot after this long
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
