# restore-point delete --help
$ virt-state restore-point delete --help
--- stdout
Usage: virt-state restore-point delete DOMAIN NAME [--dry-run]

Deletes restore point NAME of DOMAIN: its manifest, memory image and definition.
Its frozen disk files stay as long as the current state or another point builds
on them; when the domain still runs on the point's overlay and nothing else
names it, the overlay is committed back into the frozen file (as 'virt-state
commit' does) and removed. Points whose parent it was get its parent.

Arguments:
  DOMAIN                     the domain: name, UUID or id
  NAME                       the restore point's name

Options:
  -n, --dry-run              print the steps it would take; change nothing
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
