# freeze --help: usage on stdout, generated from the table
$ virt-state freeze --help
--- stdout
Usage: virt-state freeze DOMAIN [--mountpoint PATH]... [--timeout SECONDS]

Freezes the filesystems of a running guest through the QEMU guest agent, so
that its disks are consistent while they are copied. With --timeout they
thaw by themselves after SECONDS, even if virt-state or its caller is killed;
without it they stay frozen until 'virt-state thaw'. Either way, a signal or
the death of virt-state while it is freezing thaws them.

Arguments:
  DOMAIN                     the domain: name, UUID or id

Options:
      --mountpoint PATH      freeze only the guest filesystem mounted at PATH (absolute, in the guest); may be repeated
      --timeout SECONDS      thaw by itself after SECONDS (1 to 86400), even once virt-state has exited
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0
