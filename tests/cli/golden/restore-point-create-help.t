# restore-point create --help
$ virt-state restore-point create --help
--- stdout
Usage: virt-state restore-point create DOMAIN [NAME] [--live] [--quiesce POLICY] [--description TEXT] [--dry-run]

Captures the memory of DOMAIN and every writable disk at one instant: libvirt writes
the memory image and switches every disk to a new qcow2 overlay beside its file
(<file>.<NAME>.qcow2) in one call, so the files the domain used are frozen at the
point. Without --live the guest is paused while its memory is written; with --live
it runs meanwhile and pauses only for the last part. With the guest agent answering
(--quiesce auto), guest I/O is frozen around the capture and thawed after, always.
A shut-off domain gets a point of its disks and definition. The point lives in
<store>/<domain>/restore-points/NAME/: memory.img, domain.xml and manifest.xml; it
exists once its manifest is written.

Arguments:
  DOMAIN                     the domain: name, UUID or id
  NAME                       the point's name (default: point-DATE-TIME)

Options:
      --live                 keep the guest running while its memory is copied; it pauses only for the last part
      --quiesce POLICY       freeze guest I/O through the agent around the capture: auto (default: only when the agent answers), required, off (auto, required, off)
      --description TEXT     a description kept in the manifest
  -n, --dry-run              print the steps it would take; change nothing
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
