//! Pages for auditors, signed in: the dashboard of SLA figures for their scope, period and
//! office, the late cases, and a case's audit trail with its hash chain verified. The
//! figures are `slaReport`'s, the lists `overdueCases` and `atRiskCases`, the trail
//! `auditTrail`: the same as the API and the CSV exports give.

pub mod dashboard;
pub mod trail;
