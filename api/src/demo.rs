//! `api demo`: sample cases across the flagship services, so a newcomer sees a filled queue
//! and a report at once. The cases go through the store like any other (the same commands,
//! the same rules, the same hash chain), dated back over the last weeks so that some
//! deadlines are near (warning) or past (overdue) when the timers fire, and some cases are
//! concluded, certified and rated.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use engine::case::state::{Deficiency, MaterialRef};
use engine::case::{Actor, Command};
use serde_json::json;

use crate::store::{Request, Store, StoreError};

/// Someone the demo's cases know, for the development sign-in.
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    /// User id.
    pub sub: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Roles.
    pub roles: &'static [&'static str],
    /// Office code.
    pub office: &'static str,
    /// Who this is, for the sign-in page.
    pub about: &'static str,
}

/// The demo's people: applicants with cases of their own, one without, and the staff who
/// work the demo's cases.
pub const IDENTITIES: [Identity; 25] = [
    Identity {
        sub: "school-7",
        name: "新申办学校",
        roles: &["applicant"],
        office: "",
        about: "申请人：尚无办件的举办者，可申请民办学校正式设立",
    },
    Identity {
        sub: "school-2",
        name: "博雅教育科技有限公司",
        roles: &["applicant"],
        office: "",
        about: "申请人：举办者，办件待补正",
    },
    Identity {
        sub: "guardian-1",
        name: "李父",
        roles: &["applicant"],
        office: "",
        about: "申请人：学生家长，转学办理中",
    },
    Identity {
        sub: "guardian-9",
        name: "新转学家长",
        roles: &["applicant"],
        office: "",
        about: "申请人：尚无办件的学生家长，可一键申请转学",
    },
    Identity {
        sub: "guardian-6",
        name: "孙父",
        roles: &["applicant"],
        office: "",
        about: "申请人：学生家长，转学已办结，尚未评价",
    },
    Identity {
        sub: "teacher-1",
        name: "林晓雨",
        roles: &["applicant"],
        office: "",
        about: "申请人：教师，教师资格认定已办结",
    },
    Identity {
        sub: "chen.ck",
        name: "陈窗口",
        roles: &["window_clerk"],
        office: "410105",
        about: "工作人员：金水区教育局窗口受理人员",
    },
    Identity {
        sub: "he.kc",
        name: "何考察",
        roles: &["inspector"],
        office: "410105",
        about: "工作人员：金水区教育局考察评估人员",
    },
    Identity {
        sub: "expert-01", name: "专家一", roles: &["expert"], office: "41", about: "工作人员：河南省评估专家"
    },
    Identity {
        sub: "ma.ld",
        name: "马领导",
        roles: &["leader"],
        office: "410105",
        about: "工作人员：金水区教育局分管领导（可启动听证、专家评审）",
    },
    Identity {
        sub: "li.fz",
        name: "李局长",
        roles: &["agency_head"],
        office: "410105",
        about: "工作人员：金水区教育局机关负责人（可批准延期）",
    },
    Identity {
        sub: "sun.sp",
        name: "孙审批",
        roles: &["approver"],
        office: "410105",
        about: "工作人员：金水区教育局审批科室",
    },
    Identity {
        sub: "zhang.xj",
        name: "张学籍",
        roles: &["school_registrar"],
        office: "110105001",
        about: "工作人员：朝阳区转入学校学籍管理员",
    },
    Identity {
        sub: "liu.sh",
        name: "刘审核",
        roles: &["reviewer"],
        office: "4101",
        about: "工作人员：郑州市教师资格认定机构审核人员",
    },
    Identity {
        sub: "teacher-3",
        name: "马俊杰",
        roles: &["applicant"],
        office: "",
        about: "申请人：教师资格认定，已预约现场确认",
    },
    Identity {
        sub: "org-1",
        name: "启航体育培训中心",
        roles: &["applicant"],
        office: "",
        about: "申请人：校外培训机构设立，网上预审已答复，待正式提交",
    },
    Identity {
        sub: "teacher-7",
        name: "李芳",
        roles: &["applicant"],
        office: "",
        about: "申请人：教师职称评审，推荐人选公示中",
    },
    Identity {
        sub: "zhao.xw",
        name: "赵校务",
        roles: &["school_admin"],
        office: "4101050101",
        about: "工作人员：金水区第一中学职称工作人员（受理、推荐、答复公示异议）",
    },
    Identity {
        sub: "qian.xj",
        name: "钱县级",
        roles: &["county_reviewer"],
        office: "410105",
        about: "工作人员：金水区教育局职称审核人员",
    },
    Identity {
        sub: "wu.zr",
        name: "吴主任",
        roles: &["title_expert", "committee_chair"],
        office: "410105",
        about: "工作人员：职称评审委员会主任委员（表决、结束表决）",
    },
    Identity {
        sub: "sun.zz",
        name: "孙资助",
        roles: &["aid_officer"],
        office: "4101050201",
        about: "工作人员：金水区第二中学学生资助工作人员",
    },
    Identity {
        sub: "zhou.pz",
        name: "周组长",
        roles: &["assessor", "assessment_lead"],
        office: "4101050201",
        about: "工作人员：家庭经济困难学生认定评议小组组长",
    },
    Identity {
        sub: "zheng.zx",
        name: "郑资助中心",
        roles: &["county_aid"],
        office: "410105",
        about: "工作人员：金水区学生资助管理中心（县级确认）",
    },
    Identity {
        sub: "audit-1",
        name: "省审计",
        roles: &["auditor"],
        office: "41",
        about: "监督人员：河南省（只读，个人信息脱敏）",
    },
    Identity {
        sub: "admin", name: "管理员", roles: &["admin"], office: "41", about: "管理员：发布事项和工作日历"
    },
];

/// What `demo` loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Cases created.
    pub cases: usize,
    /// Of those, concluded.
    pub concluded: usize,
    /// Timers that came due and fired (levels raised to warning or overdue).
    pub timers_fired: usize,
}

struct Demo<'a> {
    store: &'a Store,
    now: DateTime<Utc>,
    loaded: Loaded,
    serial: u32,
    /// Ratings to give once the cases have concluded.
    ratings: Vec<(String, String, u8, &'static str)>,
    /// The cases made.
    made: Vec<String>,
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Publish(format!("demo: {e}"))
}

impl Demo<'_> {
    /// 09:30 China time, `n` working days before today.
    fn working_days_ago(&self, n: u32) -> Result<DateTime<Utc>, StoreError> {
        let calendar = self.store.calendar();
        let mut day = engine::calendar::local_date(self.now);
        let mut left = n;
        while left > 0 {
            day = day.pred_opt().ok_or_else(|| failed("date out of range"))?;
            if calendar.is_working_day(day).map_err(failed)? {
                left -= 1;
            }
        }
        Ok(at(day, 9, 30))
    }

    async fn run(&mut self, case: &str, actor: &Actor, command: Command, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.store.execute(&Request::new(case, actor.clone(), command, at)).await.map(|_| ())
    }

    /// Completes the open task at `step` with `action`.
    async fn complete(
        &mut self,
        case: &str,
        step: &str,
        action: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let state = self.store.case(case).await?.ok_or_else(|| StoreError::CaseNotFound(case.to_owned()))?;
        let task = state.tasks.values().find(|t| t.step == step).ok_or_else(|| failed(format!("{case}: no {step}")))?;
        let command = Command::CompleteTask { task: task.id, action: action.to_owned(), data: serde_json::Map::new() };
        self.run(case, actor, command, at).await
    }

    /// Submits a case with one stored PDF per material; returns its id.
    async fn submit(
        &mut self,
        service: &str,
        applicant: &str,
        form: serde_json::Value,
        materials: &[&str],
        at: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.submit_with(service, applicant, form, materials, &[], false, at).await
    }

    /// Submits a draft for 网上预审 or an application with commitments; returns its id.
    #[allow(clippy::too_many_arguments)]
    async fn submit_with(
        &mut self,
        service: &str,
        applicant: &str,
        form: serde_json::Value,
        materials: &[&str],
        commitments: &[&str],
        draft: bool,
        at: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.serial += 1;
        let case_id = uuid::Uuid::now_v7().to_string();
        let materials = self.files(applicant, materials).await?;
        let commitments = commitments.iter().map(|c| (*c).to_owned()).collect();
        let command = Command::SubmitCase { case_id: case_id.clone(), form, materials, commitments, draft };
        let request = Request {
            service: Some(service.to_owned()),
            query_code: Some(format!("{:06}", 100_000 + self.serial)),
            ..Request::new(case_id.clone(), Actor::applicant(applicant), command, at)
        };
        self.store.execute(&request).await?;
        self.made.push(case_id.clone());
        Ok(case_id)
    }

    /// Completes the open task at `step` with `action` and `data`.
    async fn complete_with(
        &mut self,
        case: &str,
        step: &str,
        action: &str,
        data: serde_json::Value,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let state = self.store.case(case).await?.ok_or_else(|| StoreError::CaseNotFound(case.to_owned()))?;
        let task = state.tasks.values().find(|t| t.step == step).ok_or_else(|| failed(format!("{case}: no {step}")))?;
        let data = data.as_object().cloned().unwrap_or_default();
        let command = Command::CompleteTask { task: task.id, action: action.to_owned(), data };
        self.run(case, actor, command, at).await
    }

    /// The last working day inside one of `service`'s windows, `days_back` working days
    /// before today or earlier (so what the demo does after it is in the past).
    fn last_window_day(&self, service: &str, days_back: u32) -> Result<Option<NaiveDate>, StoreError> {
        let spec = &self.store.latest(service)?.spec;
        let calendar = self.store.calendar();
        let mut day = engine::calendar::local_date(self.working_days_ago(days_back)?);
        for _ in 0..400 {
            if engine::case::batch::window_for(&spec.batches, day).is_ok()
                && calendar.is_working_day(day).map_err(failed)?
            {
                return Ok(Some(day));
            }
            day = day.pred_opt().ok_or_else(|| failed("date out of range"))?;
        }
        Ok(None)
    }

    async fn files(&self, owner: &str, codes: &[&str]) -> Result<BTreeMap<String, MaterialRef>, StoreError> {
        let mut out = BTreeMap::new();
        for code in codes {
            let body = format!("%PDF-1.4\n% 示例材料 {owner} {code}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n");
            let file = self.store.save_file(owner, body.into_bytes()).await.map_err(failed)?;
            out.insert((*code).to_owned(), MaterialRef { sha256: file.sha256, file_name: format!("{code}.pdf") });
        }
        Ok(out)
    }

    async fn rate(&mut self, case: &str, applicant: &str, score: u8, comment: &str) -> Result<(), StoreError> {
        let command = Command::RateCase { score, comment: comment.to_owned() };
        self.run(case, &Actor::applicant(applicant), command, self.now - Duration::hours(1)).await
    }
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    engine::calendar::start_of(day) + (NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default() - NaiveTime::MIN)
}

/// What a complete application of `service` supplies, in its definition's order: every
/// required material, and for one with alternatives the documents of its first.
fn complete_materials(store: &Store, service: &str) -> Result<Vec<String>, StoreError> {
    let spec = &store.latest(service)?.spec;
    let required = spec.materials.iter().filter(|m| m.required);
    Ok(required
        .flat_map(|m| match m.any_of.first() {
            Some(first) => first.all_of.iter().map(|d| d.code.clone()).collect(),
            None => vec![m.code.clone()],
        })
        .collect())
}

/// Loads the sample cases (at `now`), then fires the timers that came due.
///
/// # Errors
/// A command was refused (a definition changed under the demo) or the database failed.
pub async fn load(store: &Store, now: DateTime<Utc>) -> Result<Loaded, StoreError> {
    let mut d = Demo { store, now, loaded: Loaded::default(), serial: 0, ratings: Vec::new(), made: Vec::new() };
    transfers(&mut d).await?;
    licences(&mut d).await?;
    teachers(&mut d).await?;
    reforms(&mut d).await?;
    let scheduler = crate::runtime::timers::Scheduler::new(store.clone(), "demo");
    d.loaded.timers_fired = scheduler.fire_due(now).await?.fired;
    // Deliveries go to the log (no endpoints): the registries "acknowledge" them.
    let deliverer =
        crate::runtime::outbox::Deliverer::new(store.clone(), "demo", crate::runtime::outbox::Endpoints::default());
    deliverer.deliver_due(now).await?;
    for (case, applicant, score, comment) in std::mem::take(&mut d.ratings) {
        d.rate(&case, &applicant, score, comment).await?;
    }
    d.loaded.cases = d.made.len();
    for case in &d.made {
        if store.case(case).await?.is_some_and(|s| s.is_concluded()) {
            d.loaded.concluded += 1;
        }
    }
    Ok(d.loaded)
}

/// 中小学生转学: eight guardians' one-click transfers into 北京市朝阳区 at every stage.
async fn transfers(d: &mut Demo<'_>) -> Result<(), StoreError> {
    let offices = [
        ("receiving_school", Actor::staff("zhang.xj", "school_registrar", "110105001")),
        ("receiving_bureau", Actor::staff("li.jyj", "bureau_registrar", "110105")),
        ("sending_school", Actor::staff("wang.xj", "school_registrar", "440524003")),
        ("sending_bureau", Actor::staff("zhao.jyj", "bureau_registrar", "440524")),
    ];
    let pupils = [
        ("李明轩", "110105201304150037", 2, 0, None),
        ("王梓涵", "110105201205200027", 5, 1, None),
        ("陈思远", "110105201109090016", 9, 0, None), // near the school's 10-day limit
        ("刘一诺", "110105201402280046", 13, 0, None), // past it
        ("赵子墨", "110105201311110017", 25, 4, Some((5, "一次都没跑，孩子顺利入学"))),
        ("孙雨桐", "110105201207070027", 30, 4, None), // done, not yet rated
        ("周浩然", "110105201010100018", 18, 4, Some((2, "转出学校审核拖了很久"))),
        ("吴欣怡", "110105201306060027", 7, 2, None),
    ];
    for (i, (name, id_card, days_ago, approvals, rating)) in pupils.into_iter().enumerate() {
        let guardian = format!("guardian-{}", i + 1);
        let form = json!({"student_name": name, "student_id_card": id_card, "student_number": format!("G{id_card}"),
            "grade": "三年级", "guardian_name": format!("{}父", name.chars().next().unwrap_or('李')), "guardian_phone": "13800138000",
            "receiving_school_code": "110105001", "receiving_bureau_code": "110105",
            "sending_school_code": "440524003", "sending_bureau_code": "440524", "reason": "随父母工作调动"});
        let start = d.working_days_ago(days_ago)?;
        let case = d.submit("JY-GG-0001", &guardian, form, &[], start).await?;
        for (k, (step, who)) in offices.iter().take(approvals).enumerate() {
            d.complete(&case, step, "approve", who, start + Duration::days(i64::try_from(k).unwrap_or(0) * 2 + 1))
                .await?;
        }
        if let Some((score, comment)) = rating {
            // Rated once the registries have acknowledged and the case concluded.
            d.ratings.push((case, guardian, score, comment));
        }
    }
    Ok(())
}

/// 民办学校办学许可证 at 郑州市金水区: one just in, one sent back for corrections, one in
/// assessment near its promised 9 days, and two concluded with their e-licences.
async fn licences(d: &mut Demo<'_>) -> Result<(), StoreError> {
    let clerk = Actor::staff("chen.ck", "window_clerk", "410105");
    let inspector = Actor::staff("he.kc", "inspector", "410105");
    let expert = Actor::staff("expert-01", "expert", "41");
    let leader = Actor::staff("ma.ld", "leader", "410105");
    let approver = Actor::staff("sun.sp", "approver", "410105");
    let schools = [
        ("郑州市金水区启航学校", "启航教育集团", 1, 0),
        ("郑州市金水区博雅学校", "博雅教育科技有限公司", 3, 1),
        ("郑州市金水区明德实验学校", "明德教育集团", 8, 2),
        ("郑州市金水区育才中学", "育才教育基金会", 20, 3),
        ("郑州市金水区致远小学", "致远教育咨询有限公司", 16, 3),
    ];
    for (i, (school, organiser, days_ago, stage)) in schools.into_iter().enumerate() {
        let applicant = format!("school-{}", i + 1);
        let form = json!({"office_code": "410105", "school_name": school, "organiser_name": organiser});
        let start = d.working_days_ago(days_ago)?;
        let all = complete_materials(d.store, "JY-XK-0001")?;
        // Stage 1 lacks the last two (teacher and accountant credentials): the notice below.
        let have: Vec<&str> = all.iter().take(if stage == 1 { 6 } else { all.len() }).map(String::as_str).collect();
        let case = d.submit("JY-XK-0001", &applicant, form, &have, start).await?;
        let step = |k: i64| start + Duration::days(k);
        match stage {
            0 => {}
            1 => {
                let deficiencies = vec![
                    Deficiency { material: Some("charter".into()), note: "缺少学校章程".into() },
                    Deficiency {
                        material: Some("teacher_credentials".into()), note: "教师资格证明不全".into()
                    },
                ];
                d.run(&case, &clerk, Command::RequestCorrection { deficiencies }, step(1)).await?;
            }
            _ => {
                d.run(&case, &clerk, Command::AcceptCase { deferred: Vec::new() }, step(1)).await?;
                if stage >= 3 {
                    d.complete(&case, "site_inspection", "approve", &inspector, step(2)).await?;
                    d.complete(&case, "expert_evaluation", "approve", &expert, step(3)).await?;
                    d.complete(&case, "leadership_review", "approve", &leader, step(4)).await?;
                    d.complete(&case, "decision", "approve", &approver, step(5)).await?;
                    d.complete(&case, "online_approval", "approve", &approver, step(6)).await?;
                    let (score, comment) =
                        if i == 3 { (5, "全程网办，9天拿证") } else { (3, "现场核查时间约了两次") };
                    d.ratings.push((case, applicant, score, comment));
                }
            }
        }
    }
    Ok(())
}

/// 教师资格认定 at 郑州市: three applications from the last window, one recognised with its
/// 17-digit certificate, one awaiting the decision, one still at confirmation.
async fn teachers(d: &mut Demo<'_>) -> Result<(), StoreError> {
    let service = d.store.latest("JY-XK-0006")?;
    // The last day of the most recent window: the cases were filed then.
    let calendar = d.store.calendar();
    let mut day = engine::calendar::local_date(d.now);
    let filed = loop {
        if engine::case::batch::window_for(&service.spec.batches, day).is_ok()
            && calendar.is_working_day(day).map_err(failed)?
        {
            break day;
        }
        day = day.pred_opt().ok_or_else(|| failed("date out of range"))?;
        if (engine::calendar::local_date(d.now) - day).num_days() > 400 {
            return Ok(());
        }
    };
    let reviewer = Actor::staff("liu.sh", "reviewer", "4101");
    let approver = Actor::staff("gao.rd", "approver", "4101");
    let teachers = [
        ("林晓雨", "410102199503120027", "小学", "语文", 2),
        ("郭佳琪", "410105199807210047", "初级中学", "英语", 1),
        ("马俊杰", "410102199301080039", "高级中学", "物理", 0),
    ];
    for (i, (name, id_card, level, subject, stage)) in teachers.into_iter().enumerate() {
        let applicant = format!("teacher-{}", i + 1);
        let form = json!({"office_code": "410102001", "name": name, "id_card": id_card, "teaching_level": level,
            "subject": subject, "putonghua_level": "二级甲等", "medical_conclusion": "合格", "phone": "13900139000"});
        let all = complete_materials(d.store, "JY-XK-0006")?;
        let have: Vec<&str> = all.iter().map(String::as_str).collect();
        let start = (at(filed, 10, 0) - Duration::days(i64::try_from(i).unwrap_or(0))).min(d.now - Duration::hours(6));
        let case = d.submit("JY-XK-0006", &applicant, form, &have, start).await?;
        d.run(&case, &reviewer, Command::AcceptCase { deferred: Vec::new() }, start + Duration::hours(1)).await?;
        if stage >= 1 {
            d.complete(&case, "confirmation_review", "approve", &reviewer, start + Duration::hours(3)).await?;
        }
        if stage >= 2 {
            d.complete(&case, "decision", "approve", &approver, start + Duration::hours(5)).await?;
            d.ratings.push((case, applicant, 5, "认定流程清楚，证书很快"));
        }
    }
    Ok(())
}

/// The reforms: a 校外培训机构 draft answered by 网上预审 and one approved on commitment
/// awaiting its 核查; a teacher's title on public notice now and one whose notice has ended
/// (the scheduler then sends it to the county);
/// a pupil's aid application before the assessment group, two of five having voted;
/// 现场确认 slots for the coming days, one booked.
async fn reforms(d: &mut Demo<'_>) -> Result<(), StoreError> {
    let clerk = Actor::staff("chen.ck", "window_clerk", "410105");
    let reviewer = Actor::staff("liu.sh", "reviewer", "4101");
    let inspector = Actor::staff("he.kc", "inspector", "410105");
    let approver = Actor::staff("sun.sp", "approver", "410105");
    let training = |name: &str| {
        json!({"office_code": "410105", "institution_name": name, "training_category": "体育",
            "organiser_name": "郑州启航教育咨询有限公司", "organiser_credit_code": "91350100M000100Y43",
            "address": "郑州市金水区农业路 1 号", "site_area": 320, "legal_representative": "王明"})
    };
    let base = ["application", "organiser_qualification", "charter", "staff_credentials", "fund_proof"];
    let start = d.working_days_ago(3)?;
    let draft =
        d.submit_with("JY-XK-0008", "org-1", training("启航体育培训中心"), &base[..3], &[], true, start).await?;
    let notice = json!({ "notice": "请补充拟聘从业人员资质证明和资产证明；场所证明可以告知承诺方式办理。" });
    d.complete_with(&draft, "pre_review", "answer", notice, &reviewer, start + Duration::days(1)).await?;
    let start = d.working_days_ago(12)?;
    let committed = ["site_title", "fire_safety"];
    let case =
        d.submit_with("JY-XK-0008", "org-2", training("致远科技培训中心"), &base, &committed, false, start).await?;
    d.run(&case, &clerk, Command::AcceptCase { deferred: Vec::new() }, start + Duration::hours(2)).await?;
    d.complete(&case, "review", "approve", &reviewer, start + Duration::days(1)).await?;
    d.complete(&case, "site_inspection", "approve", &inspector, start + Duration::days(2)).await?;
    d.complete(&case, "decision", "approve", &approver, start + Duration::days(3)).await?;

    // Filed 20 working days ago or before: one recommendation 12 working days ago (its list
    // has ended), one yesterday (its list is up).
    if let Some(filed) = d.last_window_day("JY-GG-0003", 20)? {
        let school = Actor::staff("zhao.xw", "school_admin", "4101050101");
        let materials = ["application_form", "teaching_record", "ethics_assessment", "annual_reviews"];
        for (applicant, name, id_card, recommended) in
            [("teacher-7", "李芳", "410105198803150027", 1), ("teacher-8", "王磊", "410105198511020017", 12)]
        {
            let form = json!({"school_code": "4101050101", "county_office": "410105", "name": name,
                "id_card": id_card, "school_name": "郑州市金水区第一中学", "subject": "语文",
                "current_title": "二级教师", "applied_title": "一级教师", "years_in_title": 6});
            let at = at(filed, 10, 0);
            let case = d.submit("JY-GG-0003", applicant, form, &materials, at).await?;
            d.run(&case, &school, Command::AcceptCase { deferred: Vec::new() }, at + Duration::hours(1)).await?;
            let when = d.working_days_ago(recommended)?.max(at + Duration::hours(2));
            d.complete(&case, "school_recommendation", "approve", &school, when).await?;
        }
    }

    if let Some(filed) = d.last_window_day("JY-GG-0004", 1)? {
        let officer = Actor::staff("sun.zz", "aid_officer", "4101050201");
        let form = json!({"school_code": "4101050201", "county_office": "410105", "student_name": "张小雨",
            "id_card": "410105201001010026", "grade_class": "高一（3）班", "household": "随迁子女（外地户籍）",
            "family_situation": "最低生活保障家庭", "requested_level": "特别困难", "guardian_name": "张建国",
            "guardian_phone": "13800138000"});
        let at = at(filed, 10, 0);
        let case = d.submit("JY-GG-0004", "guardian-3", form, &["application"], at).await?;
        d.run(&case, &officer, Command::AcceptCase { deferred: Vec::new() }, at + Duration::hours(1)).await?;
        for n in 2..=3 {
            let member = Actor::staff(&format!("assessor-{n}"), "assessor", "4101050201");
            d.complete(&case, "assessment", "approve", &member, at + Duration::hours(2)).await?;
        }
    }

    // 现场确认 slots, 09:00 to 11:00 on the next three working days, three places each.
    let calendar = d.store.calendar();
    let mut day = engine::calendar::local_date(d.now);
    let mut slots = Vec::new();
    while slots.len() < 6 {
        day = day.succ_opt().ok_or_else(|| failed("date out of range"))?;
        if calendar.is_working_day(day).map_err(failed)? {
            for hour in [9, 10] {
                let starts_at = at(day, hour, 0);
                slots.push(crate::store::NewSlot { starts_at, ends_at: starts_at + Duration::hours(1), capacity: 3 });
            }
        }
    }
    let published = d.store.publish_slots("JY-XK-0006", "410102001", &slots, "liu.sh").await?;
    let teacher = d.store.cases_of("teacher-3", 5).await?;
    if let (Some(first), Some(case)) = (published.first(), teacher.first()) {
        let book = Command::BookVisit { slot: first.booking() };
        d.run(case, &Actor::applicant("teacher-3"), book, d.now - Duration::hours(1)).await?;
    }
    Ok(())
}
