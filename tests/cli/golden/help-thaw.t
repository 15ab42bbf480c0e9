# thaw --help
$ virt-state thaw --help
--- stdout
Usage: virt-state thaw DOMAIN

Thaws the filesystems of a guest frozen by 'virt-state freeze' or by anything
else (virsh domfsfreeze, a killed backup tool), stops the thaw guardian of a
freeze --timeout, and forgets the freeze. A guest that is not frozen is
left as it is.

Arguments:
  DOMAIN                     the domain: name, UUID or id

Options:
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
