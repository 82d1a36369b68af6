//! 告知承诺 (国办发〔2020〕42号《关于全面推行证明事项告知承诺制的指导意见》): an applicant
//! may sign a commitment instead of supplying a named proof; a case approved on commitment
//! is verified (核查) within the definition's limit, and a commitment found false revokes
//! the approval, with the reason on the case and a credit record kept by the runtime.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::decide::Tx;
use super::error::EngineError;
use super::event::Event;
use super::state::VERIFICATION_STEP;

/// Where the verification of an approval on commitment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationState {
    /// The 核查 task is open.
    Pending,
    /// The commitment was found true.
    Verified,
    /// The commitment was found false and the approval revoked.
    Revoked,
}

/// The verification of an approval on commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Verification {
    /// Where it stands.
    pub state: VerificationState,
    /// What the verification found (the reason of a revocation).
    pub finding: String,
    /// When it was done.
    pub at: Option<DateTime<Utc>>,
}

/// The action that finds a commitment true.
pub const CONFIRM: &str = "confirm";
/// The action that finds it false and revokes the approval.
pub const REVOKE: &str = "revoke";

impl Tx<'_> {
    /// The commitments that stand: those for a proof this application needs and does not
    /// supply (a commitment for a proof uploaded anyway, or one the application does not
    /// need, replaces nothing and is left out). A code the definition lets no commitment
    /// replace is refused.
    pub(super) fn standing_commitments(
        &self,
        codes: &[String],
        form: &serde_json::Value,
        supplied: &std::collections::BTreeMap<String, super::state::MaterialRef>,
    ) -> Result<Vec<String>, EngineError> {
        let spec = &self.service.spec;
        let mut out: Vec<String> = Vec::new();
        for code in codes {
            let allowed =
                spec.commitment.is_some() && spec.materials.iter().any(|m| &m.code == code && m.commitment.is_some());
            if !allowed {
                return Err(EngineError::NoCommitment(code.clone()));
            }
            let required = super::materials::is_required(self.service, form, code).map_err(EngineError::Condition)?;
            let present = supplied.contains_key(code) || self.state.materials.contains_key(code);
            if required && !present && !out.contains(code) {
                out.push(code.clone());
            }
        }
        Ok(out)
    }

    /// After an approval on commitment: the 核查 task, with its own clock.
    pub(super) fn open_verification(&mut self) -> Result<(), EngineError> {
        let Some(rule) = self.service.spec.commitment.clone() else { return Ok(()) };
        if self.state.commitments.is_empty() {
            return Ok(());
        }
        let (office, warn) = (self.state.office.clone(), self.service.spec.sla.warn_at_percent);
        self.open(VERIFICATION_STEP, rule.role, office, Some(rule.limit), warn)?;
        Ok(())
    }

    /// The verifier's finding: `confirm`, or `revoke` with `finding` saying what was false.
    pub(super) fn verify(
        &mut self,
        id: u32,
        action: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), EngineError> {
        let finding = super::flow::text_output(data, "finding")?;
        if ![CONFIRM, REVOKE].contains(&action) {
            return Err(EngineError::UnknownAction(action.to_owned()));
        }
        if action == REVOKE && finding.trim().is_empty() {
            return Err(EngineError::TextRequired {
                field: "data.finding",
                what: "say what the verification found false",
                words: "撤销许可须写明核查发现的不实之处",
            });
        }
        let by = self.actor().user.clone();
        let step = VERIFICATION_STEP.to_owned();
        self.emit(Event::TaskCompleted {
            task: id,
            step,
            action: action.to_owned(),
            data: serde_json::Map::new(),
            by: by.clone(),
        });
        let at = self.now();
        if action == CONFIRM {
            self.emit(Event::CommitmentVerified { by, finding, at });
            return Ok(());
        }
        self.emit(Event::ApprovalRevoked { reason: finding.clone(), by, at });
        // 国办发〔2020〕42号: the applicant is told in writing why the approval is revoked.
        let words = format!("经核查，您的告知承诺与实际情况不符，已撤销许可并记入信用记录。核查发现：{finding}");
        self.notify(crate::definition::Recipient::Applicant, words);
        // A revoked approval has nothing left to time (a preparation period, say).
        let timers: Vec<u32> = self.state.timers.keys().copied().collect();
        for timer in timers {
            self.emit(Event::TimerCancelled { timer });
        }
        Ok(())
    }
}
