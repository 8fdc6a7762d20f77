#!/usr/bin/env bash
# The demo: the 2017 Dalian plan lived through its year in ./taizhang.db.
# Each step pins the ledger's clock (--now) to the day it happens, so the story is told
# inside 2017: import in June, reports through the summer (one of them recorded late),
# and the state of the plan as it stood on 5 September 2017.
set -euo pipefail
cd "$(dirname "$0")/.."
export TAIZHANG_DB="${TAIZHANG_DB:-sqlite:///taizhang.db}"
export TAIZHANG_ACTOR="${TAIZHANG_ACTOR:-市政府办公厅督查室}"
export COLUMNS="${COLUMNS:-160}"  # wide enough for the task tables when not on a terminal

if [ "$TAIZHANG_DB" = "sqlite:///taizhang.db" ] && [ -e taizhang.db ]; then
  backup="taizhang.db.bak-$(date +%Y%m%d%H%M%S)"
  mv taizhang.db "$backup"; rm -f taizhang.db-wal taizhang.db-shm
  echo "(kept the previous ./taizhang.db as ./$backup)"
fi

at() { local when=$1; shift; taizhang --now "$when" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1 June 2017: the supervisor imports the breakdown table"
at 2017-06-01T09:00 init
at 2017-06-01T09:05 plan import examples/dalian-2017.xlsx \
  --title "大连市2017年政务公开工作要点" --issuer "大连市人民政府办公厅" \
  --doc-no "大政办发〔2017〕70号" --issued-on 2017-05-26
at 2017-06-01T09:06 plan import examples/dalian-2017.csv \
  --title "大连市2017年政务公开工作要点" --issuer "大连市人民政府办公厅" \
  --doc-no "大政办发〔2017〕70号" --issued-on 2017-05-26   # the CSV twin: nothing new
at 2017-06-01T09:07 plan list

step "June: units report and complete; May's monthly figures are reported late"
at 2017-06-02T10:00 task complete dalian-2017/2 --unit 市财政局 --period 2017-05 \
  --evidence "https://czj.dl.gov.cn/szqk/201705.html" --on 2017-05-28
at 2017-06-02T10:05 task complete dalian-2017/23 --unit 市环保局 --period 2017-05 \
  --evidence "https://hbj.dl.gov.cn/sz/201705.html" --on 2017-05-29
at 2017-06-20T10:00 task report dalian-2017/37 --unit 市政府办公厅 \
  --note "已与各部门对接栏目设置" --on 2017-06-19
at 2017-06-23T16:00 task complete dalian-2017/37 --unit 承担重点公开工作任务的市政府部门 --on 2017-06-23

step "Summer: monthly and quarterly publications one period at a time, a meeting toward a target"
for month in 06 07 08; do
  if [ "$month" = 07 ]; then
    at 2017-07-16T09:00 task report dalian-2017/28 --unit 市政府办公厅 --count 1 \
      --note "全市经济运行电视电话会议网络直播" --on 2017-07-15
  fi
  if [ "$month" = 08 ]; then
    at 2017-08-21T09:00 task report dalian-2017/7 --unit 市发展改革委 --note "清单已公开" \
      --evidence https://www.dl.gov.cn/xmsp/list.html --on 2017-08-20
  fi
  at "2017-${month}-28T15:00" task complete dalian-2017/2 --unit 市财政局 --period "2017-${month}" \
    --evidence "https://czj.dl.gov.cn/szqk/2017${month}.html" --on "2017-${month}-28"
  at "2017-${month}-29T15:00" task complete dalian-2017/23 --unit 市环保局 --period "2017-${month}" \
    --evidence "https://hbj.dl.gov.cn/sz/2017${month}.html" --on "2017-${month}-29"
  if [ "$month" = 06 ]; then
    at 2017-06-29T16:00 task complete dalian-2017/43 --unit 各地区各部门 \
      --evidence https://www.dl.gov.cn/zwgk/ssfa.html --on 2017-06-29
    at 2017-06-30T10:00 task complete dalian-2017/14 --unit 市国资委 --period 2017-Q2 --on 2017-06-30
    at 2017-06-30T10:10 task complete dalian-2017/19 --unit 市服务业委 --period 2017-Q2 --on 2017-06-30
    at 2017-06-30T10:20 task complete dalian-2017/31 --unit 市国土房屋局 --period 2017-Q2 --on 2017-06-30
  fi
done

step "End of summer: a completion, a late report, an extension"
at 2017-08-30T17:00 task complete dalian-2017/7 --unit 市发展改革委 --on 2017-08-28
at 2017-09-02T10:00 task complete dalian-2017/36 --unit 各单位 \
  --evidence https://www.dl.gov.cn/zwgk/jg.html --on 2017-08-30   # happened 30 Aug, recorded 2 Sep
at 2017-09-04T09:00 task extend dalian-2017/34 --to 2018-01-31 \
  --reason "事项目录需与省级平台同步" --approved-by "市政府秘书长"

step "5 September 2017: the scheduler raises what fell due (each alert once, even if run twice)"
at 2017-09-05T09:00 sweep
at 2017-09-05T09:00 sweep
at 2017-09-05T09:00 alerts --since 2017-09-01

step "The two time axes: task 36 was done on 30 Aug but recorded on 2 Sep"
at 2017-09-05T09:00 dashboard --plan dalian-2017 --by plan --as-of 2017-09-01T09:00
at 2017-09-05T09:00 dashboard --plan dalian-2017 --by plan --valid-at 2017-08-31

step "5 September 2017: where the plan stands"
at 2017-09-05T09:00 dashboard --plan dalian-2017 --by section
at 2017-09-05T09:00 task list --plan dalian-2017 --status done --status done_late \
  --status overdue --status in_progress --status open
at 2017-09-05T09:00 task list --plan dalian-2017 --unit 市财政局
at 2017-09-05T09:00 task show dalian-2017/36
