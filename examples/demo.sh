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

step "June: units report and complete (set-up: nobody registered yet); May's figures come late"
at 2017-06-02T10:00 task complete dalian-2017/2 --unit 市财政局 --period 2017-05 \
  --evidence "https://czj.dl.gov.cn/szqk/201705.html" --on 2017-05-28
at 2017-06-02T10:05 task complete dalian-2017/23 --unit 市环保局 --period 2017-05 \
  --evidence "https://hbj.dl.gov.cn/sz/201705.html" --on 2017-05-29
at 2017-06-20T10:00 task report dalian-2017/37 --unit 市政府办公厅 \
  --note "已与各部门对接栏目设置" --on 2017-06-19
at 2017-06-23T16:00 task complete dalian-2017/37 --unit 承担重点公开工作任务的市政府部门 --on 2017-06-23

# The clerks who answer for their units' shares (registered in July, below).
clerk() { case $1 in 市财政局) echo 王芳;; 市环保局) echo 刘伟;; 市政府办公厅) echo 陈静;;
  市发展改革委) echo 周涛;; 市政府审改办) echo 吴敏;; esac; }

monthly() {  # the monthly figures of tasks 2 and 23, each by its unit's clerk
  local month=$1 who=()
  [ "$month" != 06 ] && who=(--as "$(clerk 市财政局)")
  at "2017-${month}-28T15:00" "${who[@]}" task complete dalian-2017/2 --unit 市财政局 \
    --period "2017-${month}" --evidence "https://czj.dl.gov.cn/szqk/2017${month}.html" --on "2017-${month}-28"
  [ "$month" != 06 ] && who=(--as "$(clerk 市环保局)")
  at "2017-${month}-29T15:00" "${who[@]}" task complete dalian-2017/23 --unit 市环保局 \
    --period "2017-${month}" --evidence "https://hbj.dl.gov.cn/sz/2017${month}.html" --on "2017-${month}-29"
}

step "Late June: monthly and quarterly publications, one period (and one unit's share) at a time"
monthly 06
at 2017-06-29T16:00 task complete dalian-2017/43 --unit 各地区各部门 \
  --evidence https://www.dl.gov.cn/zwgk/ssfa.html --on 2017-06-29
at 2017-06-30T10:00 task complete dalian-2017/14 --unit 市国资委 --period 2017-Q2 --on 2017-06-30
at 2017-06-30T10:10 task complete dalian-2017/19 --unit 市服务业委 --period 2017-Q2 --on 2017-06-30
at 2017-06-30T10:20 task complete dalian-2017/31 --unit 市国土房屋局 --period 2017-Q2 --on 2017-06-30

step "3 July: who answers — 各区市县政府 is ten districts and counties; people and their roles"
at 2017-07-03T09:00 unit group 各区市县政府 --members \
  中山区政府,西岗区政府,沙河口区政府,甘井子区政府,旅顺口区政府,金州区政府,普兰店区政府,瓦房店市政府,庄河市政府,长海县政府
at 2017-07-03T09:05 person add 张主任 --unit 市政府办公厅 --role admin   # the first: set-up ends
at 2017-07-03T09:06 --as 张主任 person add 督查室李明 --unit 市政府办公厅督查室 --role supervisor
for unit in 市财政局 市环保局 市政府办公厅 市发展改革委 市政府审改办; do
  at 2017-07-03T09:07 --as 张主任 person add "$(clerk "$unit")" --unit "$unit" --role clerk
done
export TAIZHANG_ACTOR=督查室李明   # from here on every change names a registered person
at 2017-07-03T09:10 person list
at 2017-07-03T09:10 task list --unit 中山区政府 --plan dalian-2017 --status open --status no_deadline

step "Summer: each clerk reports and completes for their own unit; a meeting toward a target"
at 2017-07-16T09:00 --as "$(clerk 市政府办公厅)" task report dalian-2017/28 --count 1 \
  --note "全市经济运行电视电话会议网络直播" --on 2017-07-15
monthly 07
at 2017-08-21T09:00 --as "$(clerk 市发展改革委)" task report dalian-2017/7 --note "清单已公开" \
  --evidence https://www.dl.gov.cn/xmsp/list.html --on 2017-08-20
at 2017-08-22T10:00 --as "$(clerk 市财政局)" task complete dalian-2017/1 --on 2017-08-22 \
  --evidence https://czj.dl.gov.cn/zcjd/2017.html   # 市财政局's share of a five-unit task
at 2017-08-22T10:05 --as "$(clerk 市财政局)" task complete dalian-2017/1 --unit 市人社局 \
  || echo "(refused, as it should be: a clerk answers for their own unit only)"
monthly 08

step "End of summer: a completion, a whole task confirmed late, an extension asked and granted"
at 2017-08-30T17:00 --as "$(clerk 市发展改革委)" task complete dalian-2017/7 --on 2017-08-28
at 2017-09-02T10:00 task complete dalian-2017/36 --whole \
  --evidence https://www.dl.gov.cn/zwgk/jg.html --on 2017-08-30   # happened 30 Aug, recorded 2 Sep
at 2017-09-04T09:00 --as "$(clerk 市政府审改办)" task request-extension dalian-2017/34 \
  --to 2018-01-31 --reason "事项目录需与省级平台同步"
at 2017-09-04T11:00 task extension approve dalian-2017/34
at 2017-09-04T11:00 task show dalian-2017/1

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

step "6 September: a spot check (双随机) of six shares, two inspectors each, never of their own unit"
at 2017-09-06T09:00 --as 张主任 person add 督查员赵 --unit 市监察局 --role supervisor
at 2017-09-06T09:00 --as 张主任 person add 督查员钱 --unit 市财政局 --role supervisor
at 2017-09-06T09:01 spotcheck draw --plan dalian-2017 --size 6 --per-task 2 \
  --inspectors 督查室李明,督查员赵,督查员钱 --seed 2017-9
at 2017-09-06T09:02 spotcheck verify SC-2017-001   # anyone redoes the draw from its record

step "29 September: 市财政局's share fails and must be put right within 5 working days"
at 2017-09-29T10:00 --as 督查员赵 spotcheck record SC-2017-001 dalian-2017/6 --unit 市财政局 \
  --verdict fail --problem "预算公开未细化到项" --deduct 1 --rectify "5个工作日内"   # by 12 Oct
at 2017-09-29T10:01 --format csv spotcheck show SC-2017-001 | tail -n +2 |
  while IFS=, read -r task unit inspectors _; do   # the other shares pass
    [ "$unit" = 市财政局 ] && continue
    at 2017-09-29T10:05 --as "${inspectors%%、*}" spotcheck record SC-2017-001 "$task" \
      --unit "$unit" --verdict pass > /dev/null
  done
at 2017-10-10T16:00 --as "$(clerk 市财政局)" task report dalian-2017/6 --rectification SC-2017-001 \
  --note "已将预算公开细化到项" --evidence https://czj.dl.gov.cn/ys/2017xh.html
at 2017-10-11T09:00 --as 督查员赵 spotcheck recheck SC-2017-001 dalian-2017/6 --unit 市财政局 \
  --verdict pass
at 2017-10-11T09:05 spotcheck close SC-2017-001
at 2017-10-11T09:05 spotcheck show SC-2017-001

step "11 October: scores, and the papers a leader reads (in ./demo-papers/)"
mkdir -p demo-papers
at 2017-10-11T09:08 score adjust --plan dalian-2017 --unit 市财政局 \
  --reason "省政务公开办2017年第3期通报：财政预决算公开不完整"   # 每项扣1分
at 2017-10-11T09:10 score --plan dalian-2017 --explain 市财政局
at 2017-10-11T09:10 score export --plan dalian-2017 -o demo-papers/考核得分.xlsx
at 2017-10-11T09:10 plan export dalian-2017 -o demo-papers/台账.xlsx
at 2017-10-11T09:10 report notice --plan dalian-2017 -o demo-papers/督查通报.docx
at 2017-10-11T09:10 spotcheck publish SC-2017-001 -o demo-papers/抽查结果公示.xlsx

step "An auditor checks that the stored history is the one recorded"
at 2017-10-11T09:15 audit verify
at 2017-10-11T09:15 audit log --task dalian-2017/7
