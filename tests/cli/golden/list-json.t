# list --json
$ virt-state -c test:///default --json list --all
--- stdout
[{"id":1,"name":"test","uuid":"6695eb01-f6a4-8304-79aa-97f2502e193f","state":"running","persistent":true,"frozen":false,"managed_save":false,"restore_points":0,"disk_snapshots":0,"backups":0,"needs_recovery":false}]
--- stderr
--- exit 0
