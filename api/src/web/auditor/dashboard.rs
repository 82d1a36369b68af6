//! The dashboard: per service, on-time rates against the legal and the promised limit,
//! processing days against both, each step's mean time against its limit as a heat strip
//! over the process diagram, the process before and after the reform, extensions and
//! pauses, corrections, visits, ratings and the follow-ups of 差评. Every chart is SVG drawn
//! on the server (charts-rs) with its figures as a table beside it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::http::App;
use crate::web::diagram::{self, Mark, Node};
use crate::web::session::{Visit, urlencode};
use crate::web::{Chrome, day};

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Durations {
    mean: Option<f64>,
    median: Option<f64>,
    p90: Option<f64>,
    max: Option<f64>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct CountDays {
    count: i64,
    days: f64,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Ratings {
    count: i64,
    mean: Option<f64>,
    by_score: Vec<i64>,
    bad: i64,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct FollowUps {
    opened: i64,
    open: i64,
    overdue: i64,
    closed: i64,
    closed_late: i64,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Commitments {
    approved: i64,
    verified: i64,
    revoked: i64,
    pending: i64,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct CreditRecord {
    case_id: String,
    service: String,
    holder: String,
    reason: String,
    recorded_at: String,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct StepFigures {
    step: String,
    step_name: String,
    completed: i64,
    on_time: Option<f64>,
    mean_days: Option<f64>,
    limit_days: Option<i64>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Process {
    steps: Vec<String>,
    promised_days: Option<i64>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct DayCount {
    days: i64,
    cases: i64,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Figures {
    service: String,
    service_name: String,
    received: i64,
    accepted: i64,
    open: i64,
    concluded: i64,
    on_time_legal: Option<f64>,
    on_time_promised: Option<f64>,
    processing_days: Durations,
    legal_days: i64,
    promised_days: i64,
    pauses: CountDays,
    extensions: CountDays,
    corrections_per_case: Option<f64>,
    cases_with_second_notice: i64,
    visits_per_case: Option<f64>,
    max_visits: i64,
    cases_over_max_visits: i64,
    ratings: Ratings,
    follow_ups: FollowUps,
    commitments: Commitments,
    no_shows: i64,
    steps: Vec<StepFigures>,
    baseline: Option<Process>,
    current: Process,
    distribution: Vec<DayCount>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    office: String,
    from: String,
    to: String,
    services: Vec<Figures>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Late {
    case_id: String,
    service_name: String,
    office: String,
    level: String,
    working_days_late: i64,
    legal_deadline: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    id: String,
    name: String,
    next: Vec<String>,
}

/// One service's block on the dashboard.
pub struct ServiceBlock {
    name: String,
    rows: Vec<(String, String)>,
    days_chart: String,
    days_table: Vec<(String, String, String)>,
    heat: String,
    heat_table: Vec<(String, String, String, String, &'static str)>,
    before: String,
    after: String,
    ratings: Vec<(String, i64)>,
}

#[derive(Template)]
#[template(path = "auditor/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    office: String,
    from: String,
    to: String,
    service: String,
    services: Vec<(String, String)>,
    error: Option<String>,
    rates_chart: String,
    rates_table: Vec<(String, String, String, i64)>,
    blocks: Vec<ServiceBlock>,
    overdue: Vec<(String, String, String, String, String)>,
    at_risk: Vec<(String, String, String, String, String)>,
    /// 信用记录 of commitments found false: case, service, holder, reason, day.
    credit: Vec<(String, String, String, String, String)>,
    query: String,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

#[allow(clippy::cast_possible_truncation)]
fn f32s(values: impl IntoIterator<Item = f64>) -> Vec<f32> {
    values.into_iter().map(|v| v as f32).collect()
}

/// A bar chart as inline SVG, named for screen readers (the table beside it has the figures).
fn bars(title: &str, x: Vec<String>, series: Vec<(&str, Vec<f32>)>) -> String {
    let series = series.into_iter().map(|(name, data)| charts_rs::Series::new(name.to_owned(), data)).collect();
    let mut chart = charts_rs::BarChart::new(series, x);
    chart.title.text = title.to_owned();
    chart.width = 640.0;
    chart.height = 320.0;
    let svg = chart.svg().unwrap_or_default();
    let label = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}（数据见旁边的表格）\" "), 1)
}

/// The heat of a step: its mean time against its limit.
fn heat(mean: Option<f64>, limit: Option<i64>) -> (Mark, &'static str) {
    match (mean, limit) {
        #[allow(clippy::cast_precision_loss)]
        (Some(m), Some(l)) if l > 0 => {
            let r = m / l as f64;
            if r > 1.0 {
                (Mark::Fill(0xf4b6_b6ff), "超过时限")
            } else if r > 0.8 {
                (Mark::Fill(0xffe2_9aff), "接近时限")
            } else {
                (Mark::Fill(0xcdeccfff), "时限以内")
            }
        }
        _ => (Mark::Plain, "无时限或无数据"),
    }
}

const REPORT: &str = "query($f: SlaFilter!, $office: String) { slaReport(filter: $f) { office from to services { \
    service serviceName received accepted open concluded onTimeLegal onTimePromised \
    processingDays { mean median p90 max } legalDays promisedDays pauses { count days } extensions { count days } \
    correctionsPerCase casesWithSecondNotice visitsPerCase maxVisits casesOverMaxVisits \
    ratings { count mean byScore bad } followUps { opened open overdue closed closedLate } \
    commitments { approved verified revoked pending } noShows \
    steps { step stepName completed onTime meanDays limitDays } baseline { steps promisedDays } \
    current { steps promisedDays } distribution { days cases } } } \
    overdueCases(office: $office, first: 50) { caseId serviceName office level workingDaysLate legalDeadline } \
    atRiskCases(office: $office, first: 50) { caseId serviceName office level workingDaysLate legalDeadline } \
    services { code name steps { id name next } } \
    creditRecords(office: $office) { caseId service holder reason recordedAt } }";

/// `GET /audit?office=…&from=…&to=…&service=…`.
pub async fn dashboard(State(app): State<App>, mut visit: Visit, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(who) = visit.claims() else {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    };
    let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let filter = json!({ "office": get("office"), "from": get("from"), "to": get("to"), "service": get("service") });
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Named {
        code: String,
        name: String,
        steps: Vec<Step>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        sla_report: Report,
        overdue_cases: Vec<Late>,
        at_risk_cases: Vec<Late>,
        services: Vec<Named>,
        credit_records: Vec<CreditRecord>,
    }
    let data = match app.client().run::<Data>(Some(&who), REPORT, json!({ "f": filter, "office": get("office") })).await
    {
        Ok(d) => d,
        Err(f) if f.code == "BAD_USER_INPUT" => {
            let page = DashboardPage {
                c: visit.chrome("监督看板（条件有误）"),
                office: get("office").unwrap_or_default(),
                from: get("from").unwrap_or_default(),
                to: get("to").unwrap_or_default(),
                service: get("service").unwrap_or_default(),
                services: Vec::new(),
                error: Some(crate::web::words(&f)),
                rates_chart: String::new(),
                rates_table: Vec::new(),
                blocks: Vec::new(),
                overdue: Vec::new(),
                at_risk: Vec::new(),
                credit: Vec::new(),
                query: String::new(),
            };
            return visit.render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(f) => return visit.refused(&f),
    };
    let report = data.sla_report;
    let names: Vec<String> = report.services.iter().map(|s| s.service_name.clone()).collect();
    let rates_chart = if report.services.is_empty() {
        String::new()
    } else {
        bars(
            "按时办结率（%）",
            names.clone(),
            vec![
                ("法定时限内", f32s(report.services.iter().map(|s| s.on_time_legal.unwrap_or(0.0) * 100.0))),
                ("承诺时限内", f32s(report.services.iter().map(|s| s.on_time_promised.unwrap_or(0.0) * 100.0))),
            ],
        )
    };
    let rates_table = report
        .services
        .iter()
        .map(|s| (s.service_name.clone(), pct(s.on_time_legal), pct(s.on_time_promised), s.concluded))
        .collect();
    let mut blocks = Vec::new();
    for s in &report.services {
        // Every service's process came with the report: no query per service.
        let guide: &[Step] = data.services.iter().find(|g| g.code == s.service).map_or(&[], |g| g.steps.as_slice());
        let marks: HashMap<&str, Mark> =
            s.steps.iter().map(|f| (f.step.as_str(), heat(f.mean_days, f.limit_days).0)).collect();
        let nodes: Vec<Node<'_>> = guide.iter().map(|g| Node { id: &g.id, name: &g.name, next: &g.next }).collect();
        let heat_svg = diagram::process_svg(
            &nodes,
            |id| marks.get(id).copied().unwrap_or(Mark::Plain),
            &format!("{}各环节平均用时对照环节时限（数据见旁边的表格）", s.service_name),
        );
        let d = s.processing_days;
        let days_chart = if s.concluded == 0 {
            String::new()
        } else {
            let mut x: Vec<String> = s.distribution.iter().map(|b| format!("{}", b.days)).collect();
            if x.is_empty() {
                x.push("0".into());
            }
            #[allow(clippy::cast_precision_loss)]
            let counts = f32s(s.distribution.iter().map(|b| b.cases as f64));
            bars(
                &format!("{}办理用时分布（工作日，法定 {} / 承诺 {}）", s.service_name, s.legal_days, s.promised_days),
                x,
                vec![("办结件数", counts)],
            )
        };
        blocks.push(ServiceBlock {
            name: s.service_name.clone(),
            rows: vec![
                (
                    "收件 / 受理 / 在办 / 办结".into(),
                    format!("{} / {} / {} / {}", s.received, s.accepted, s.open, s.concluded),
                ),
                ("法定时限内办结率".into(), pct(s.on_time_legal)),
                ("承诺时限内办结率".into(), pct(s.on_time_promised)),
                (
                    "办理用时（工作日）平均 / 中位 / P90 / 最长".into(),
                    format!("{} / {} / {} / {}", num(d.mean), num(d.median), num(d.p90), num(d.max)),
                ),
                ("法定时限 / 承诺时限".into(), format!("{} / {} 个工作日", s.legal_days, s.promised_days)),
                ("暂停计时（件次 / 工作日）".into(), format!("{} / {:.1}", s.pauses.count, s.pauses.days)),
                ("延期（件次 / 工作日）".into(), format!("{} / {:.1}", s.extensions.count, s.extensions.days)),
                (
                    "每件补正次数 / 二次补正件数".into(),
                    format!("{} / {}", num(s.corrections_per_case), s.cases_with_second_notice),
                ),
                (
                    "每件到现场次数 / 最多 / 超过的件数".into(),
                    format!("{} / {} / {}", num(s.visits_per_case), s.max_visits, s.cases_over_max_visits),
                ),
                (
                    "评价件数 / 平均分 / 差评".into(),
                    format!("{} / {} / {}", s.ratings.count, num(s.ratings.mean), s.ratings.bad),
                ),
                (
                    "差评整改：发起 / 未办结 / 超期 / 已办结 / 超期办结".into(),
                    format!(
                        "{} / {} / {} / {} / {}",
                        s.follow_ups.opened,
                        s.follow_ups.open,
                        s.follow_ups.overdue,
                        s.follow_ups.closed,
                        s.follow_ups.closed_late
                    ),
                ),
                (
                    "告知承诺：承诺制准予 / 核查属实 / 撤销 / 待核查".into(),
                    format!(
                        "{} / {} / {} / {}",
                        s.commitments.approved, s.commitments.verified, s.commitments.revoked, s.commitments.pending
                    ),
                ),
                ("预约未到（件次）".into(), s.no_shows.to_string()),
            ],
            days_chart,
            days_table: s
                .distribution
                .iter()
                .map(|b| (format!("{}–{}", b.days, b.days + 1), b.cases.to_string(), String::new()))
                .collect(),
            heat: heat_svg,
            heat_table: s
                .steps
                .iter()
                .map(|f| {
                    (
                        f.step_name.clone(),
                        num(f.mean_days),
                        f.limit_days.map_or_else(|| "—".to_owned(), |l| l.to_string()),
                        format!("{}（{}件）", pct(f.on_time), f.completed),
                        heat(f.mean_days, f.limit_days).1,
                    )
                })
                .collect(),
            before: s.baseline.as_ref().map_or_else(String::new, |b| {
                format!(
                    "{}（承诺 {} 个工作日）",
                    b.steps.join(" → "),
                    b.promised_days.map_or_else(|| "—".into(), |d| d.to_string())
                )
            }),
            after: format!(
                "{}（承诺 {} 个工作日）",
                s.current.steps.join(" → "),
                s.current.promised_days.map_or_else(|| "—".into(), |d| d.to_string())
            ),
            ratings: ["非常不满意", "不满意", "基本满意", "满意", "非常满意"]
                .iter()
                .zip(s.ratings.by_score.iter())
                .map(|(l, n)| ((*l).to_owned(), *n))
                .collect(),
        });
    }
    let late = |l: Late| {
        (
            l.case_id,
            l.service_name,
            l.office,
            format!("{} 个工作日", l.working_days_late),
            l.legal_deadline.as_deref().map(day).unwrap_or_else(|| l.level.clone()),
        )
    };
    let mut query = Vec::new();
    for k in ["office", "from", "to", "service"] {
        if let Some(v) = get(k) {
            query.push(format!("{k}={}", urlencode(&v)));
        }
    }
    let page = DashboardPage {
        c: visit.chrome("监督看板"),
        office: report.office,
        from: report.from,
        to: report.to,
        service: get("service").unwrap_or_default(),
        services: data.services.iter().map(|s| (s.code.clone(), s.name.clone())).collect(),
        error: None,
        rates_chart,
        rates_table,
        blocks,
        overdue: data.overdue_cases.into_iter().map(late).collect(),
        at_risk: data.at_risk_cases.into_iter().map(late).collect(),
        credit: data
            .credit_records
            .into_iter()
            .map(|r| {
                let name =
                    data.services.iter().find(|s| s.code == r.service).map_or(r.service.clone(), |s| s.name.clone());
                (r.case_id, name, r.holder, r.reason, day(&r.recorded_at))
            })
            .collect(),
        query: query.join("&"),
    };
    visit.render(StatusCode::OK, &page)
}
