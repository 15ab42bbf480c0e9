# restore-point list --help
$ virt-state restore-point list --help
--- stdout
Usage: virt-state restore-point list [DOMAIN] [--tree]

Lists the restore points of DOMAIN, or of every domain in the store, oldest
first: when each was taken, the domain's state then, its consistency, how long
the guest was paused, the memory image's size and the parent point. --tree
shows each point under its parent. Only the store is read: no libvirt call is
made per point.

Arguments:
  DOMAIN                     the domain (default: every domain in the store)

Options:
      --tree                 show each point under its parent
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
