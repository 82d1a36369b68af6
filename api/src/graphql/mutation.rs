//! Mutations: each is one engine command carried out by the store in one transaction, by
//! the caller from the token. The policy says whether the caller may write at all and as
//! whom ([`policy::actor`]); the engine decides which command each role may issue where.

use std::collections::BTreeMap;

use async_graphql::{Context, InputObject, Json, Object};
use engine::case::Command;
use engine::case::state::{Deficiency, MaterialRef};

use super::error::{bad_input, from_store};
use super::view::CaseView;
use super::{claims, store};
use std::sync::Arc;

use crate::policy;
use crate::store::{Guard, Request};

/// A material reference: the SHA-256 of an uploaded file and its name.
#[derive(InputObject)]
pub struct MaterialInput {
    /// Material code from the service definition.
    pub code: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// File name as uploaded.
    pub file_name: String,
}

/// One deficiency in a correction notice.
#[derive(InputObject)]
pub struct DeficiencyInput {
    /// The material concerned, if any.
    pub material: Option<String>,
    /// What to correct.
    pub note: String,
}

/// The materials cited, each a file uploaded before (`uploadFile`).
pub(super) async fn materials(
    ctx: &Context<'_>,
    list: Vec<MaterialInput>,
) -> async_graphql::Result<BTreeMap<String, MaterialRef>> {
    let who = claims(ctx)?;
    let mut out = BTreeMap::new();
    for m in list {
        if m.sha256.len() != 64 || !m.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad_input(format!("materials.{}.sha256: 64 hex digits expected", m.code)));
        }
        let sha256 = m.sha256.to_ascii_lowercase();
        // Only one's own uploads: whether someone else stored a file stays unknown.
        if !store(ctx).uploaded_by(&sha256, &who.sub).await.map_err(from_store)? {
            return Err(bad_input(format!(
                "materials.{}.sha256: you have uploaded no file with this SHA-256; upload it first",
                m.code
            )));
        }
        out.insert(m.code, MaterialRef { sha256, file_name: m.file_name });
    }
    Ok(out)
}

pub(super) async fn run(
    ctx: &Context<'_>,
    case_id: String,
    command: Command,
    expected_version: Option<i64>,
) -> async_graphql::Result<CaseView> {
    let who = claims(ctx)?;
    let actor = policy::actor(who)?;
    // A case the caller may not see reads as "no such case", whatever they try on it.
    let viewer = who.clone();
    let guard = Guard(Arc::new(move |state, service| policy::case_access(&viewer, state, service).is_some()));
    let request = Request {
        expected_seq: expected_version.map(|v| u64::try_from(v).unwrap_or(u64::MAX)),
        guard: Some(guard),
        ..Request::new(case_id, actor, command, chrono::Utc::now())
    };
    apply(ctx, &request).await
}

async fn apply(ctx: &Context<'_>, request: &Request) -> async_graphql::Result<CaseView> {
    let who = claims(ctx)?;
    let s = store(ctx);
    let applied = s.execute(request).await.map_err(from_store)?;
    let access = policy::after_acting(who, &applied.state, &applied.service);
    let mut view = CaseView::new(applied.service, applied.state, applied.seq, access, Some(request.actor.clone()));
    view.query_code = applied.query_code;
    Ok(view)
}

/// A published service, as `publishService` answers.
#[derive(async_graphql::SimpleObject)]
pub struct Published {
    /// 事项编码.
    pub code: String,
    /// Version.
    pub version: u32,
    /// SHA-256 of the source.
    pub sha256: String,
}

/// What loading a calendar notice changed.
#[derive(async_graphql::SimpleObject)]
pub struct CalendarLoaded {
    /// The notice's year.
    pub year: i32,
    /// Open cases whose deadlines moved.
    pub recomputed_cases: Vec<String>,
}

fn require_admin(ctx: &Context<'_>) -> async_graphql::Result<()> {
    Ok(policy::may_administer(claims(ctx)?)?)
}

/// Write operations.
#[derive(Default)]
pub struct CaseMutation;

#[Object]
impl CaseMutation {
    /// Publishes a service definition (YAML). Running cases keep their version; a changed
    /// text needs a new `version`. Admins only.
    async fn publish_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The definition, as YAML text.")] yaml: String,
    ) -> async_graphql::Result<Published> {
        require_admin(ctx)?;
        let service = store(ctx).publish("published.yaml", &yaml, chrono::Utc::now()).await.map_err(from_store)?;
        Ok(Published {
            code: service.spec.code.clone(),
            version: service.spec.version,
            sha256: service.source_hash.clone(),
        })
    }

    /// Loads a year's holiday notice (holiday-cn JSON) and recomputes the open deadlines it
    /// touches. Admins only.
    async fn load_calendar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year's holiday notice in holiday-cn JSON.")] notice: Json<serde_json::Value>,
    ) -> async_graphql::Result<CalendarLoaded> {
        require_admin(ctx)?;
        let text = notice.0.to_string();
        let done = store(ctx).load_calendar(&text, chrono::Utc::now()).await.map_err(from_store)?;
        Ok(CalendarLoaded { year: done.year, recomputed_cases: done.cases })
    }

    /// 申请: submit an application. Retrying with the same `idempotencyKey` returns the first
    /// case instead of making a second one.
    // Each argument is one of the mutation's GraphQL arguments.
    #[allow(clippy::too_many_arguments)]
    async fn submit_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "事项编码 of a published service.")] service: String,
        #[graphql(desc = "The application form, checked against the service's JSON Schema.")] form: Json<
            serde_json::Value,
        >,
        #[graphql(default, desc = "The materials, each an uploaded file cited by its SHA-256.")] materials: Vec<
            MaterialInput,
        >,
        #[graphql(desc = "A key of your own (1-200 characters): a retry with it returns the first case.")]
        idempotency_key: Option<String>,
        #[graphql(
            default,
            desc = "告知承诺: codes of the materials you replace by signing their commitment (`materials { commitment }` of the service) instead of uploading them."
        )]
        commitments: Vec<String>,
        #[graphql(
            default,
            desc = "网上预审: send as a draft for the office to look at first; no clock starts. `submitDraft` then makes it the application."
        )]
        draft: bool,
    ) -> async_graphql::Result<CaseView> {
        let applicant = policy::applicant(claims(ctx)?)?;
        if idempotency_key.as_ref().is_some_and(|k| k.is_empty() || k.len() > 200) {
            return Err(bad_input("idempotencyKey: 1 to 200 characters"));
        }
        let published = store(ctx).latest(&service).map_err(from_store)?;
        ctx.data_unchecked::<crate::forms::Forms>()
            .check(&published, &form.0)
            .map_err(|p| super::error::form_problems(&p))?;
        let case_id = uuid::Uuid::now_v7().to_string();
        // Six digits from the id's random part (a CSPRNG's): the 查询码 for the public lookup.
        let random = u64::from_be_bytes(uuid::Uuid::now_v7().as_bytes()[8..16].try_into().unwrap_or_default());
        let query_code = format!("{:06}", random % 1_000_000);
        let command = Command::SubmitCase {
            case_id: case_id.clone(),
            form: form.0,
            materials: self::materials(ctx, materials).await?,
            commitments,
            draft,
        };
        let request = Request {
            service: Some(service),
            idempotency_key,
            query_code: Some(query_code),
            ..Request::new(case_id, applicant, command, chrono::Utc::now())
        };
        apply(ctx, &request).await
    }

    /// 受理, with the materials accepted as missing (容缺).
    async fn accept_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(
            default,
            desc = "Codes of the materials accepted as missing (容缺), each deferrable by the definition."
        )]
        deferred: Vec<String>,
        #[graphql(desc = "Act only if the case is still at this version (from `version`); otherwise CONFLICT.")]
        expected_version: Option<i64>,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::AcceptCase { deferred }, expected_version).await
    }

    /// 一次性告知: every deficiency in one notice.
    async fn request_correction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "Every deficiency, in one notice (一次性告知).")] deficiencies: Vec<DeficiencyInput>,
        #[graphql(desc = "Act only if the case is still at this version (from `version`); otherwise CONFLICT.")]
        expected_version: Option<i64>,
    ) -> async_graphql::Result<CaseView> {
        let deficiencies =
            deficiencies.into_iter().map(|d| Deficiency { material: d.material, note: d.note }).collect();
        run(ctx, case_id, Command::RequestCorrection { deficiencies }, expected_version).await
    }

    /// 补正: supply the materials asked for.
    async fn supply_materials(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "The materials, each an uploaded file cited by its SHA-256.")] materials: Vec<MaterialInput>,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::SupplyMaterials { materials: self::materials(ctx, materials).await? }, None).await
    }

    /// 不予受理.
    async fn refuse_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "Why, in words the applicant reads (required).")] reason: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::RefuseCase { reason }, None).await
    }

    /// Claim a task from the queue.
    async fn claim_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "The task (`tasks { id }` of the case, or `taskId` in the queue).")] task_id: u32,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::ClaimTask { task: task_id }, None).await
    }

    /// Give back a task you claimed (取消签收), for a colleague to take.
    async fn release_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "The task you claimed.")] task_id: u32,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::ReleaseTask { task: task_id }, None).await
    }

    /// Complete a task with one of its step's actions and the step's outputs.
    async fn complete_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "The task (`tasks { id }` of the case, or `taskId` in the queue).")] task_id: u32,
        #[graphql(desc = "One of the actions the task's step offers (`actions { code }`).")] action: String,
        #[graphql(desc = "The data the step records (`data { name type }` of the task), by name.")] data: Option<
            Json<serde_json::Map<String, serde_json::Value>>,
        >,
        #[graphql(desc = "Act only if the case is still at this version (from `version`); otherwise CONFLICT.")]
        expected_version: Option<i64>,
    ) -> async_graphql::Result<CaseView> {
        let data = data.map(|d| d.0).unwrap_or_default();
        run(ctx, case_id, Command::CompleteTask { task: task_id, action, data }, expected_version).await
    }

    /// Pause the clocks for a special procedure (听证, 专家评审...).
    async fn pause_clock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "The special procedure's code (`specialProcedures { code }` of the service).")]
        procedure: String,
        #[graphql(default, desc = "What the applicant is told in writing (art. 45): expected duration and why.")]
        notice: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::PauseClock { procedure, notice }, None).await
    }

    /// Resume the clocks.
    async fn resume_clock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::ResumeClock, None).await
    }

    /// 延期, as the definition allows, by the role it names.
    async fn extend_deadline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "Units to add to the legal limit, in its unit.")] amount: u32,
        #[graphql(desc = "Why, in words the applicant reads (required).")] reason: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::ExtendDeadline { amount, reason }, None).await
    }

    /// 撤回, by the applicant.
    async fn withdraw_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "Why, in words the applicant reads (required).")] reason: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::WithdrawCase { reason }, None).await
    }

    /// Record a visit in person.
    async fn record_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "Why the applicant came in person.")] purpose: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::RecordVisit { purpose }, None).await
    }

    /// 好差评: rate once, after conclusion (1 非常不满意 … 5 非常满意).
    async fn rate_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "1 非常不满意, 2 不满意, 3 基本满意, 4 满意, 5 非常满意.")] score: u8,
        #[graphql(default, desc = "Free text; a reason is expected for 1 or 2.")] comment: String,
    ) -> async_graphql::Result<CaseView> {
        run(ctx, case_id, Command::RateCase { score, comment }, None).await
    }
}
