//! Who may see and do what: the one place the rules of access are written. Every door
//! (GraphQL queries, mutations and subscriptions, CSV exports, file downloads, pages) asks
//! these functions and keeps no copy of a rule. What a role may do *inside* a case (which
//! step, which command) is the engine's: [`actor`] hands it the caller it may act as.
//!
//! - Applicants see their own cases, fully.
//! - Staff see the cases of their office and its sub-offices, and cases with a task there
//!   (a transfer passes through four offices), when they hold a role of the case's
//!   service. A staff token without a valid office sees nothing and has no queue.
//! - Auditors read (cases, history, reports) in their office scope with 身份证号 and phone
//!   numbers masked, and never write.
//! - Admins publish services and calendars; that alone shows them no case.

use engine::OfficeCode;
use engine::case::{Actor, CaseState};

use crate::auth::{ADMIN, APPLICANT, AUDITOR, Claims};

/// Why a request was refused, with the code clients see. (Not `Display`: every door turns
/// it into its own answer with [`Refusal::code`] and [`Refusal::message`], so it can never
/// leave as a message without its code.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No valid token or session.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden(String),
    /// The request names something malformed.
    BadInput(String),
}

impl Refusal {
    /// The code from the closed set (`extensions.code`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::BadInput(_) => "BAD_USER_INPUT",
        }
    }

    /// What went wrong, in words.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "a valid bearer token is required".to_owned(),
            Self::Forbidden(why) => format!("not allowed: {why}"),
            Self::BadInput(why) => why.clone(),
        }
    }
}

fn forbidden(why: &str) -> Refusal {
    Refusal::Forbidden(why.to_owned())
}

/// The caller, or UNAUTHENTICATED.
///
/// # Errors
/// [`Refusal::Unauthenticated`] without one.
pub fn signed_in(caller: Option<&Claims>) -> Result<&Claims, Refusal> {
    caller.ok_or(Refusal::Unauthenticated)
}

/// The office the token names, when it names a well-formed one.
#[must_use]
pub fn office_of(who: &Claims) -> Option<OfficeCode> {
    OfficeCode::parse(&who.office).ok()
}

fn is_auditor(who: &Claims) -> bool {
    who.has(AUDITOR)
}

/// Roles that act on cases: everything but the applicant, auditor and admin roles.
fn staff_roles(who: &Claims) -> Vec<String> {
    who.roles.iter().filter(|r| ![APPLICANT, AUDITOR, ADMIN].contains(&r.as_str())).cloned().collect()
}

/// Whether a staff member or auditor of an office (not an applicant, not only an admin).
fn is_staff(who: &Claims) -> bool {
    is_auditor(who) || !staff_roles(who).is_empty()
}

/// How the caller reads a case they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// 身份证号 and phone numbers are masked (auditors).
    pub masked: bool,
}

/// Whether `who` may see the case, and how; `None` reads as NOT_FOUND.
#[must_use]
pub fn case_access(who: &Claims, state: &CaseState, service: &engine::Service) -> Option<Access> {
    if state.applicant == who.sub {
        return Some(Access { masked: false });
    }
    let office = office_of(who)?;
    let in_scope = office.covers_text(&state.office) || state.tasks.values().any(|t| office.covers_text(&t.office));
    if !in_scope {
        None
    } else if is_auditor(who) {
        Some(Access { masked: true })
    } else if service.spec.roles.iter().any(|r| who.has(&r.code)) {
        Some(Access { masked: false })
    } else {
        None
    }
}

/// The caller as the engine sees them when they act on a case or upload a file: their
/// user id, the roles that act on cases, their office. The engine then decides which
/// command each role may issue where.
///
/// # Errors
/// FORBIDDEN for auditors: they never write.
pub fn actor(who: &Claims) -> Result<Actor, Refusal> {
    if is_auditor(who) {
        return Err(forbidden("auditors read; they never write"));
    }
    let office = office_of(who).map(|o| o.as_str().to_owned()).unwrap_or_default();
    Ok(Actor { user: who.sub.clone(), roles: staff_roles(who), office })
}

/// The caller as an applicant submitting a case.
///
/// # Errors
/// FORBIDDEN for auditors.
pub fn applicant(who: &Claims) -> Result<Actor, Refusal> {
    actor(who).map(|a| Actor::applicant(&a.user))
}

/// Whether `who` may act on a case through the door of a public list: a case on public
/// notice (公示) takes objections from anyone who signs in, and the engine decides whether
/// its period still runs. Any other case reads as [`case_access`] says.
#[must_use]
pub fn may_object(who: &Claims, state: &CaseState, service: &engine::Service) -> bool {
    state.publicity.is_some() || case_access(who, state, service).is_some()
}

/// Whether the caller reads personal numbers masked wherever they appear (auditors), as
/// [`case_access`] says for cases.
#[must_use]
pub fn reads_masked(who: &Claims) -> bool {
    is_auditor(who)
}

/// Which lists on public notice (公示) the caller may read: `public` ones by everyone,
/// `signed_in` ones (a school's own list) by whoever signed in.
#[must_use]
pub fn notice_audiences(caller: Option<&Claims>) -> &'static [&'static str] {
    if caller.is_some() { &["public", "signed_in"] } else { &["public"] }
}

/// Publishing visit slots (预约) of a service at an office: staff holding the service's
/// booking role in that office or above it.
///
/// # Errors
/// FORBIDDEN otherwise, or when the service books no visits.
pub fn may_publish_slots(who: &Claims, service: &engine::Service, office: &OfficeCode) -> Result<Actor, Refusal> {
    let rule = service.spec.booking.as_ref().ok_or_else(|| forbidden("this service books no visits"))?;
    let own = office_of(who).ok_or_else(|| forbidden("a staff token without an office publishes nothing"))?;
    if !who.has(&rule.role) || is_auditor(who) {
        return Err(forbidden(&format!("publishing slots needs the role `{}`", rule.role)));
    }
    if !own.covers(office) {
        return Err(forbidden("that office is outside your scope"));
    }
    actor(who)
}

/// Publishing services and loading calendars.
///
/// # Errors
/// FORBIDDEN for anyone but an admin, and for an admin who is also an auditor.
pub fn may_administer(who: &Claims) -> Result<(), Refusal> {
    if is_auditor(who) {
        Err(forbidden("auditors read; they never write"))
    } else if who.has(ADMIN) {
        Ok(())
    } else {
        Err(forbidden("admins only"))
    }
}

/// How the caller reads the case their own command just changed: as the policy lets them
/// see it now, or, when the command took the case out of their sight (a transfer moving on
/// to the next office), unmasked all the same: they acted on it a moment ago, and auditors,
/// the only masked readers, never act.
#[must_use]
pub fn after_acting(who: &Claims, state: &CaseState, service: &engine::Service) -> Access {
    case_access(who, state, service).unwrap_or(Access { masked: false })
}

/// Whose queue: the roles that act on cases in an office and its sub-offices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueScope {
    /// The caller's staff roles.
    pub roles: Vec<String>,
    /// The caller's office.
    pub office: OfficeCode,
    /// The caller's user id (for "claimed by me").
    pub user: String,
}

impl QueueScope {
    /// Whether a task of `role` in `office` is in this queue.
    #[must_use]
    pub fn holds(&self, role: &str, office: &str) -> bool {
        self.roles.iter().any(|r| r == role) && self.office.covers_text(office)
    }
}

/// The caller's queue (the `tasks` query, the `taskQueue` subscription, the workbench).
///
/// # Errors
/// FORBIDDEN without a staff role or without a valid office.
pub fn queue_scope(who: &Claims) -> Result<QueueScope, Refusal> {
    let roles = staff_roles(who);
    if roles.is_empty() {
        return Err(forbidden("the queue is for staff of an office"));
    }
    let office = office_of(who).ok_or_else(|| forbidden("a staff token without an office has no queue"))?;
    Ok(QueueScope { roles, office, user: who.sub.clone() })
}

/// The office scope of reports, exports, late-case lists and case search: the caller's
/// office, or the one asked for inside it.
///
/// # Errors
/// FORBIDDEN for applicants, admins without a staff role, staff without an office, or an
/// office outside the caller's; BAD_USER_INPUT for a malformed office code (`field` names
/// the argument).
pub fn office_scope(who: &Claims, field: &str, asked: Option<&str>) -> Result<OfficeCode, Refusal> {
    if !is_staff(who) {
        return Err(forbidden("this is for auditors and staff of an office"));
    }
    let own = office_of(who).ok_or_else(|| forbidden("a staff token without an office sees nothing"))?;
    let Some(asked) = asked else { return Ok(own) };
    let asked = OfficeCode::parse(asked).map_err(|e| Refusal::BadInput(format!("{field}: {e}")))?;
    if own.covers(&asked) { Ok(asked) } else { Err(forbidden("that office is outside your scope")) }
}

/// Whether the caller may download a stored file: they uploaded it, or they may see a
/// case citing it (`citing` holds the access to each citing case).
#[must_use]
pub fn may_download(uploaded_it: bool, citing: impl IntoIterator<Item = Option<Access>>) -> bool {
    uploaded_it || citing.into_iter().any(|a| a.is_some())
}

/// The services whose cases the caller may find, list and report on (search, late cases,
/// the SLA report and its exports): every service for auditors (`None`), else those in
/// which the caller holds a role — as [`case_access`] lets staff see a case.
#[must_use]
pub fn service_scope(who: &Claims, services: &[std::sync::Arc<engine::Service>]) -> Option<Vec<String>> {
    if is_auditor(who) {
        return None;
    }
    Some(
        services
            .iter()
            .filter(|s| s.spec.roles.iter().any(|r| who.has(&r.code)))
            .map(|s| s.spec.code.clone())
            .collect(),
    )
}
