//! 预约时段: staff of a service's booking role publish the slots applicants book their one
//! visit in, and see how full the next two weeks are. Whether they may is the policy's
//! (`publishSlots`); the page only carries the form.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, NaiveDate, NaiveTime};
use serde::Deserialize;
use serde_json::json;

use crate::http::App;
use crate::web::Chrome;
use crate::web::reforms::slot_words;
use crate::web::session::Visit;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Booking {
    purpose: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    code: String,
    name: String,
    booking: Option<Booking>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Slot {
    starts_at: String,
    ends_at: String,
    capacity: u32,
    places_left: u32,
}

#[derive(Template)]
#[template(path = "clerk/slots.html")]
struct SlotsPage {
    c: Chrome,
    /// Services that book visits: code, name (purpose).
    services: Vec<(String, String)>,
    service: String,
    office: String,
    /// The next two weeks' slots: time, capacity, places left.
    slots: Vec<(String, u32, u32)>,
    typed: HashMap<String, String>,
    errors: HashMap<String, String>,
}

impl SlotsPage {
    fn typed(&self, name: &str, default: &str) -> String {
        self.typed.get(name).cloned().unwrap_or_else(|| default.to_owned())
    }

    fn invalid(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }

    fn error(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }
}

async fn render(
    app: &App,
    mut visit: Visit,
    asked: &HashMap<String, String>,
    errors: HashMap<String, String>,
) -> Response {
    let Some(who) = visit.claims() else {
        let here = visit.here.clone();
        return visit.sign_in_first(&here, Vec::new());
    };
    #[derive(Deserialize)]
    struct Services {
        services: Vec<Service>,
    }
    let services =
        match app.client().run::<Services>(None, "{ services { code name booking { purpose } } }", json!({})).await {
            Ok(d) => d.services.into_iter().filter(|s| s.booking.is_some()).collect::<Vec<_>>(),
            Err(f) => return visit.refused(&f),
        };
    let service =
        asked.get("service").cloned().or_else(|| services.first().map(|s| s.code.clone())).unwrap_or_default();
    let office = asked.get("office").cloned().filter(|o| !o.is_empty()).unwrap_or_else(|| who.office.clone());
    #[derive(Deserialize)]
    struct Slots {
        slots: Vec<Slot>,
    }
    let doc =
        "query($s: String!, $o: String!) { slots(service: $s, office: $o) { startsAt endsAt capacity placesLeft } }";
    let slots = match app.client().run::<Slots>(Some(&who), doc, json!({ "s": service, "o": office })).await {
        Ok(d) => d.slots,
        Err(_) => Vec::new(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = SlotsPage {
        c: visit.chrome("预约时段"),
        services: services
            .iter()
            .map(|s| {
                (s.code.clone(), format!("{}（{}）", s.name, s.booking.as_ref().map_or("", |b| b.purpose.as_str())))
            })
            .collect(),
        service,
        office,
        slots: slots.iter().map(|s| (slot_words(&s.starts_at, &s.ends_at), s.capacity, s.places_left)).collect(),
        typed: asked.clone(),
        errors,
    };
    visit.render(status, &page)
}

/// `GET /work/slots?service=…&office=…`.
pub async fn slots(State(app): State<App>, visit: Visit, Query(q): Query<HashMap<String, String>>) -> Response {
    render(&app, visit, &q, HashMap::new()).await
}

/// The slots a form asks for: from `from` to `to` on `day`, each `minutes` long, with
/// `capacity` places; or the problems, by field.
fn wanted(typed: &HashMap<String, String>) -> Result<Vec<serde_json::Value>, HashMap<String, String>> {
    let get = |k: &str| typed.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut errors = HashMap::new();
    let day = NaiveDate::parse_from_str(&get("day"), "%Y-%m-%d").ok();
    if day.is_none() {
        errors.insert("day".to_owned(), "请填写日期，例如 2026-12-08".to_owned());
    }
    let time = |k: &str| NaiveTime::parse_from_str(&get(k), "%H:%M").ok();
    let (from, to) = (time("from"), time("to"));
    if from.is_none() {
        errors.insert("from".to_owned(), "请填写开始时间，例如 09:00".to_owned());
    }
    if to.is_none() || to <= from {
        errors.insert("to".to_owned(), "请填写晚于开始时间的结束时间，例如 12:00".to_owned());
    }
    let minutes = get("minutes").parse::<i64>().ok().filter(|m| (10..=240).contains(m));
    if minutes.is_none() {
        errors.insert("minutes".to_owned(), "每个时段 10 至 240 分钟".to_owned());
    }
    let capacity = get("capacity").parse::<u32>().ok().filter(|c| (1..=1000).contains(c));
    if capacity.is_none() {
        errors.insert("capacity".to_owned(), "每个时段可预约人数为 1 至 1000".to_owned());
    }
    let (Some(day), Some(from), Some(to), Some(minutes), Some(capacity), true) =
        (day, from, to, minutes, capacity, errors.is_empty())
    else {
        return Err(errors);
    };
    let china = engine::calendar::china();
    let first = day.and_time(from).and_local_timezone(china).single();
    if first.is_none_or(|t| t <= chrono::Utc::now()) {
        return Err(HashMap::from([("day".to_owned(), "只能发布尚未开始的时段，请选择以后的日期或时间".to_owned())]));
    }
    let mut out = Vec::new();
    let mut at = day.and_time(from);
    let end = day.and_time(to);
    while at + Duration::minutes(minutes) <= end && out.len() < 200 {
        let starts = at.and_local_timezone(china).single().map(|t| t.to_rfc3339());
        let ends = (at + Duration::minutes(minutes)).and_local_timezone(china).single().map(|t| t.to_rfc3339());
        out.push(json!({ "startsAt": starts, "endsAt": ends, "capacity": capacity }));
        at += Duration::minutes(minutes);
    }
    if out.is_empty() {
        return Err(HashMap::from([("to".to_owned(), "开始到结束不足一个时段".to_owned())]));
    }
    Ok(out)
}

/// `POST /work/slots`: publish the slots of a morning or an afternoon at once.
pub async fn publish(
    State(app): State<App>,
    visit: Visit,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (mut visit, who) = match visit.gate(&fields, "/work/slots", |k| k != "csrf") {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let typed: HashMap<String, String> = fields.into_iter().filter(|(k, _)| k != "csrf").collect();
    let slots = match wanted(&typed) {
        Ok(s) => s,
        Err(errors) => return render(&app, visit, &typed, errors).await,
    };
    let get = |k: &str| typed.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let doc = "mutation($s: String!, $o: String!, $l: [SlotInput!]!) { publishSlots(service: $s, office: $o, slots: $l) { id } }";
    let vars = json!({ "s": get("service"), "o": get("office"), "l": slots });
    match app.client().run::<serde_json::Value>(Some(&who), doc, vars).await {
        Ok(_) => {
            visit.flash("预约时段已发布。");
            let back = format!(
                "/work/slots?service={}&office={}",
                crate::web::session::urlencode(&get("service")),
                crate::web::session::urlencode(&get("office"))
            );
            visit.redirect(&back)
        }
        Err(f) if f.in_place() || f.code == "FORBIDDEN" => {
            render(&app, visit, &typed, HashMap::from([(String::new(), crate::web::words(&f))])).await
        }
        Err(f) => visit.refused(&f),
    }
}
