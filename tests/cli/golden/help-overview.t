# virt-state help lists commands and global options
$ virt-state help
--- stdout
Usage: virt-state [GLOBAL OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]
       virt-state [GLOBAL OPTIONS]            (interactive shell)

Capture and restore the state of QEMU/KVM guests through libvirt.

Commands:
  list                   list domains and what virt-state holds for each
  save                   save a domain's memory to a file and stop it
  restore                start a domain from a memory image
  restore-point create   capture a domain's memory and every disk as one restore point
  restore-point list     list restore points
  restore-point show     show one restore point
  restore-point verify   check a restore point against its manifest
  restore-point delete   delete a restore point without losing any other state
  disk-snapshot create   take an external snapshot of a domain's disks
  disk-snapshot list     list a domain's disk snapshots
  disk-snapshot show     show one disk snapshot
  disk-snapshot delete   delete a disk snapshot
  backup create          back up a domain's disks, full or incremental
  backup list            list a domain's backups
  backup show            show one backup
  backup verify          check backups against their manifests
  backup restore         write standalone disk images of a backup
  backup end             end a domain's pull backup
  backup prune           remove old backups by a retention policy
  commit                 fold a domain's overlays back into their base
  revert                 go back to a restore point or a disk snapshot
  recover                finish or roll back interrupted operations
  freeze                 freeze a guest's filesystems through its agent
  thaw                   thaw a guest's frozen filesystems
  shell                  interactive shell with history and completion
  help                   show the commands, or one command's usage and options
  version                show the versions of virt-state, libvirt and the hypervisor

Global options:
  -c, --connect URI          libvirt connection URI (default: LIBVIRT_DEFAULT_URI, then libvirt's own default)
  -r, --readonly             open a read-only connection
      --store DIR            the store directory (default: VIRT_STATE_STORE, the config file, /var/lib/virt-state)
      --config FILE          configuration file (default: /etc/virt-state.conf)
  -q, --quiet                no progress or chatter on standard error
      --json                 print results as JSON on standard output
      --debug                print debugging messages on standard error
  -V, --version              print the program's version and exit
  -h, --help                 show help and exit

A command may be abbreviated to a unique prefix.
Run 'virt-state help COMMAND' or 'virt-state COMMAND --help' for a command's options.
--- stderr
--- exit 0
