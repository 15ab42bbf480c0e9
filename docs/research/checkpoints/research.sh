#!/bin/bash
# holds a testbed guest until /tmp/research-ckpt/stop-$1 exists
export VIRT_STATE_TESTBED_WORK=/tmp/research-ckpt/work
. /work/main/tests/testbed/lib.sh
tb_require
tb_define_guest "$1" --disks 2
dom=$TB_DOMAIN
echo "$dom" > /tmp/research-ckpt/dom-$1
echo "$TB_RUN/$dom" > /tmp/research-ckpt/dir-$1
tb_wait_agent "$dom" && echo ready > /tmp/research-ckpt/ready-$1
while [[ ! -e /tmp/research-ckpt/stop-$1 ]]; do sleep 2; done
