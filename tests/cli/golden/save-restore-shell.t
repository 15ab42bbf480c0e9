# save, list and restore on the test driver, in one shell session
$ printf "save test $TMP/t.img\nlist --all\nrestore $TMP/t.img\nlist\n" | virt-state -c test:///default; echo "exit $?"; stat -c %a $TMP/t.img; ls -A $TMP
--- stdout
 Id   Name   State      Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
------------------------------------------------------------------------------------------------------
 -    test   shut off   -        no             0                0                0         -
 Id   Name   State     Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
-----------------------------------------------------------------------------------------------------
 2    test   running   -        no             0                0                0         -
exit 0
600
bin
home
store
t.img
--- stderr
virt-state: save: domain 'test' saved to '@TMP@/t.img' (1.0 KiB)
virt-state: restore: domain 'test' restored from '@TMP@/t.img'
--- exit 0
