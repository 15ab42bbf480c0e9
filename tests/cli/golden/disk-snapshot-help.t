# disk-snapshot create --help shows the synopsis, arguments and options
$ virt-state disk-snapshot create --help
--- stdout
Usage: virt-state disk-snapshot create DOMAIN [NAME] [--disk TARGET]... [--quiesce POLICY] [--description TEXT]

Takes an external, disk-only snapshot of every writable disk of DOMAIN (or of the
disks given with --disk), atomically across them, on a running or shut-off domain.
Each disk's current file is frozen and the domain goes on in a new qcow2 overlay
beside it (<file>.<NAME>.qcow2). The overlays are created before guest I/O is
frozen, so the guest agent freezes the guest only around libvirt's snapshot call;
the thaw is guaranteed, even when virt-state is killed. The manifest goes to
<store>/<domain>/disk-snapshots/NAME/manifest.xml.

Arguments:
  DOMAIN                     the domain: name, UUID or id
  NAME                       the snapshot's name (default: snapshot-DATE-TIME)

Options:
      --disk TARGET          snapshot only this disk; default: every writable disk; may be repeated
      --quiesce POLICY       freeze guest I/O through the agent: auto (default: crash-consistent when no agent answers), required, off (auto, required, off)
      --description TEXT     a description kept in the manifest
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
