# managed save and its removal
$ printf "save --managed test\nlist --all\nsave --remove-managed test\nlist --all\nsave --remove-managed test\n" | virt-state -c test:///default
--- stdout
 Id   Name   State      Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
------------------------------------------------------------------------------------------------------
 -    test   shut off   -        yes            0                0                0         -
 Id   Name   State      Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
------------------------------------------------------------------------------------------------------
 -    test   shut off   -        no             0                0                0         -
--- stderr
virt-state: save: domain 'test' saved to its managed save image; 'virsh start test' resumes it
virt-state: save: removed the managed save image of domain 'test'
virt-state: save: domain 'test' has no managed save image
--- exit 1
