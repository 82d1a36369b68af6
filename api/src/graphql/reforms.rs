//! The API of the reforms: visit slots and booking (预约), lists on public notice and
//! objections (公示), a draft's formal submission (网上预审), and the credit records of
//! commitments found false (告知承诺). The rules are the engine's and the policy's; these
//! resolvers only carry them.

use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use engine::case::Command;

use super::error::{bad_input, from_store, not_found};
use super::mutation::{MaterialInput, materials, run};
use super::view::CaseView;
use super::{claims, store};
use crate::policy;
use crate::store::{Guard, NewSlot, Request, Slot};

/// A visit slot (预约时段).
#[derive(SimpleObject)]
pub struct SlotView {
    /// Id, for `bookVisit`.
    pub id: String,
    /// 事项编码.
    pub service: String,
    /// The office that receives the visit.
    pub office: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Places.
    pub capacity: u32,
    /// Places left.
    pub places_left: u32,
}

impl From<Slot> for SlotView {
    fn from(s: Slot) -> Self {
        Self {
            places_left: s.capacity.saturating_sub(s.booked),
            id: s.id,
            service: s.service,
            office: s.office,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            capacity: s.capacity,
        }
    }
}

/// A slot to publish.
#[derive(InputObject)]
pub struct SlotInput {
    /// Start (in the future).
    pub starts_at: DateTime<Utc>,
    /// End (after the start, the same day or later).
    pub ends_at: DateTime<Utc>,
    /// Places, 1 to 1000.
    pub capacity: u32,
}

/// One column of a case on a public list.
#[derive(SimpleObject)]
pub struct NoticeColumn {
    /// Column title.
    pub title: String,
    /// Value, masked as the definition says.
    pub value: String,
}

/// A case on public notice (公示).
#[derive(SimpleObject)]
pub struct NoticeView {
    /// Opaque id, for `lodgeObjection`.
    pub id: String,
    /// 事项编码.
    pub service: String,
    /// 事项名称.
    pub service_name: String,
    /// Publishing office.
    pub office: String,
    /// Title of the list.
    pub list: String,
    /// What is shown of the case.
    pub columns: Vec<NoticeColumn>,
    /// Published.
    pub starts_at: DateTime<Utc>,
    /// The period's end (the end of its last day).
    pub ends_at: DateTime<Utc>,
    /// Its last day, `YYYY-MM-DD` (China time).
    pub last_day: String,
}

/// An objection received.
#[derive(SimpleObject)]
pub struct ObjectionReceipt {
    /// The notice objected to.
    pub notice: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
}

/// A credit record (信用记录) of a commitment found false.
#[derive(SimpleObject)]
pub struct CreditRecordView {
    /// The case.
    pub case_id: String,
    /// 事项编码.
    pub service: String,
    /// Handling office.
    pub office: String,
    /// The applicant's user id.
    pub applicant: String,
    /// The holder named on the application.
    pub holder: String,
    /// What the verification found false.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// The last day of a period that ends at `ends` (the start of the day after it).
pub fn last_day(ends: DateTime<Utc>) -> String {
    engine::calendar::local_date(ends - Duration::seconds(1)).format("%Y-%m-%d").to_string()
}

/// Reads of the reforms.
#[derive(Default)]
pub struct ReformQuery;

#[Object]
impl ReformQuery {
    /// 预约: a service's visit slots at an office from a day on (public: no sign-in).
    async fn slots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "事项编码.")] service: String,
        #[graphql(desc = "The office that receives the visit (a case's `office`).")] office: String,
        #[graphql(desc = "First day, YYYY-MM-DD (China time); today when absent.")] from: Option<String>,
        #[graphql(desc = "How many days from it, 1 to 60 (default 14).")] days: Option<u32>,
    ) -> async_graphql::Result<Vec<SlotView>> {
        let days = days.unwrap_or(14);
        if !(1..=60).contains(&days) {
            return Err(bad_input("days: 1 to 60"));
        }
        let office = engine::OfficeCode::parse(&office).map_err(|e| bad_input(format!("office: {e}")))?;
        let office = office.as_str().to_owned();
        let today = engine::calendar::local_date(Utc::now());
        let first = super::report::day("from", from.as_deref())?.unwrap_or(today);
        let start = engine::calendar::start_of(first);
        let slots = store(ctx)
            .slots(&service, &office, start, start + Duration::days(i64::from(days)))
            .await
            .map_err(from_store)?;
        Ok(slots.into_iter().map(Into::into).collect())
    }

    /// 公示: every case on public notice now, of one service or all. Public lists need no
    /// sign-in; a school's own list (`audience: signed_in`) shows only to those signed in.
    /// Personal data is masked as each definition says.
    async fn public_notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "事项编码; every service when absent.")] service: Option<String>,
    ) -> async_graphql::Result<Vec<NoticeView>> {
        let s = store(ctx);
        let caller = ctx.data_opt::<super::Caller>().and_then(|c| c.0.as_ref());
        let audiences = policy::notice_audiences(caller);
        let notices = s.public_notices(service.as_deref(), audiences, Utc::now()).await.map_err(from_store)?;
        Ok(notices
            .into_iter()
            .map(|n| NoticeView {
                service_name: s.latest(&n.service).map(|x| x.spec.name.clone()).unwrap_or_default(),
                last_day: last_day(n.ends_at),
                columns: n.entry.into_iter().map(|(title, value)| NoticeColumn { title, value }).collect(),
                id: n.id,
                service: n.service,
                office: n.office,
                list: n.list,
                starts_at: n.starts_at,
                ends_at: n.ends_at,
            })
            .collect())
    }

    /// 信用记录: commitments found false (告知承诺), in your office scope and services.
    async fn credit_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An office inside yours; yours when absent.")] office: Option<String>,
    ) -> async_graphql::Result<Vec<CreditRecordView>> {
        let who = claims(ctx)?;
        let office = policy::office_scope(who, "office", office.as_deref())?;
        let services = policy::service_scope(who, &store(ctx).latest_services());
        let records = store(ctx).credit_records(office.as_str(), services.as_deref()).await.map_err(from_store)?;
        let masked = policy::reads_masked(who);
        let text = |s: String| if masked { super::mask::mask_text(&s).unwrap_or(s) } else { s };
        Ok(records
            .into_iter()
            .map(|r| CreditRecordView {
                case_id: r.case_id,
                service: r.service,
                office: r.office,
                applicant: r.applicant,
                holder: text(r.holder),
                reason: text(r.reason),
                recorded_by: r.recorded_by,
                recorded_at: r.recorded_at,
            })
            .collect())
    }
}

/// Writes of the reforms.
#[derive(Default)]
pub struct ReformMutation;

#[Object]
impl ReformMutation {
    /// 网上预审 done: the draft becomes the application as it stands, with what you change.
    /// The legal clock then starts as for any application.
    async fn submit_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "The form, when you change it; the draft's otherwise.")] form: Option<Json<serde_json::Value>>,
        #[graphql(default, desc = "Materials added or replaced, each an uploaded file.")] materials: Vec<MaterialInput>,
        #[graphql(default, desc = "告知承诺: materials replaced by signing their commitment.")] commitments: Vec<
            String,
        >,
    ) -> async_graphql::Result<CaseView> {
        let who = claims(ctx)?;
        let case = store(ctx).stored(&case_id).await.map_err(from_store)?.ok_or_else(|| not_found("such case"))?;
        if policy::case_access(who, &case.state, &case.service).is_none() {
            return Err(not_found("such case"));
        }
        let form = form.map(|f| f.0);
        let checked = form.clone().unwrap_or_else(|| (*case.state.form).clone());
        ctx.data_unchecked::<crate::forms::Forms>()
            .check(&case.service, &checked)
            .map_err(|p| super::error::form_problems(&p))?;
        let materials = self::materials(ctx, materials).await?;
        run(ctx, case_id, Command::SubmitDraft { form, materials, commitments }, Some(i64::try_from(case.version)?))
            .await
    }

    /// 异议: object to a case on public notice while its period runs (anyone signed in).
    /// The office answers; who objected is never shown on the list.
    async fn lodge_objection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice (`publicNotices { id }`).")] notice: String,
        #[graphql(desc = "What you object to, and why.")] text: String,
    ) -> async_graphql::Result<ObjectionReceipt> {
        let who = claims(ctx)?;
        let actor = policy::actor(who)?;
        let s = store(ctx);
        let (case_id, step, audience) =
            s.notice_case(&notice).await.map_err(from_store)?.ok_or_else(|| not_found("such notice"))?;
        if !policy::notice_audiences(Some(who)).contains(&audience.as_str()) {
            return Err(not_found("such notice"));
        }
        let viewer = who.clone();
        let guard = Guard(std::sync::Arc::new(move |state, service| policy::may_object(&viewer, state, service)));
        let now = Utc::now();
        let request =
            Request { guard: Some(guard), ..Request::new(case_id, actor, Command::LodgeObjection { text, step }, now) };
        s.execute(&request).await.map_err(from_store)?;
        Ok(ObjectionReceipt { notice, received_at: now })
    }

    /// 预约: book the visit in a slot (`slots`), or move the booking to it.
    async fn book_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "The slot (`slots { id }`).")] slot_id: String,
    ) -> async_graphql::Result<CaseView> {
        claims(ctx)?;
        let slot = store(ctx).slot(&slot_id).await.map_err(from_store)?.ok_or_else(|| not_found("such slot"))?;
        run(ctx, case_id, Command::BookVisit { slot: slot.booking() }, None).await
    }

    /// Give up the booked slot.
    async fn cancel_booking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::CancelBooking, None).await
    }

    /// The applicant did not come to the booked slot (by the booking role, once it began).
    async fn record_no_show(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::RecordNoShow, None).await
    }

    /// 预约: publish visit slots of a service at an office (its booking role, in scope).
    async fn publish_slots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "事项编码.")] service: String,
        #[graphql(desc = "The office that receives the visits (yours or one inside it).")] office: String,
        #[graphql(desc = "The slots, 1 to 200.")] slots: Vec<SlotInput>,
    ) -> async_graphql::Result<Vec<SlotView>> {
        let who = claims(ctx)?;
        let published = store(ctx).latest(&service).map_err(from_store)?;
        let office_code = engine::OfficeCode::parse(&office).map_err(|e| bad_input(format!("office: {e}")))?;
        let actor = policy::may_publish_slots(who, &published, &office_code)?;
        if slots.is_empty() || slots.len() > 200 {
            return Err(bad_input("slots: 1 to 200 at a time"));
        }
        let now = Utc::now();
        let mut new = Vec::with_capacity(slots.len());
        for (i, s) in slots.iter().enumerate() {
            if s.starts_at <= now {
                return Err(bad_input(format!("slots.{i}.startsAt: must be in the future")));
            }
            if s.ends_at <= s.starts_at {
                return Err(bad_input(format!("slots.{i}.endsAt: must be after startsAt")));
            }
            if !(1..=1000).contains(&s.capacity) {
                return Err(bad_input(format!("slots.{i}.capacity: 1 to 1000")));
            }
            new.push(NewSlot { starts_at: s.starts_at, ends_at: s.ends_at, capacity: s.capacity });
        }
        let done =
            store(ctx).publish_slots(&service, office_code.as_str(), &new, &actor.user).await.map_err(from_store)?;
        Ok(done.into_iter().map(Into::into).collect())
    }
}
