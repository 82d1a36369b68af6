//! The pure core of the workflow engine for education-bureau administrative services.
//!
//! # Layout
//! - [`calendar`]: the statutory working-day calendar (official notices, regional
//!   overrides, provisional years) with O(1) working-day arithmetic.
//! - [`limit`] and [`clock`]: limits in their legal units, and the clocks (legal, promised,
//!   per step) that pause, resume and extend exactly.
//! - [`definition`]: service definitions in YAML, loaded with file/line/field errors and
//!   checked so that a definition that loads can run; CEL conditions.
//! - [`case`]: the case state machine, `decide(service, state, command, context) -> events`
//!   and `evolve(state, event)`.
//! - [`chain`]: the per-case hash chain of recorded events.
//! - [`ids`]: validated identifiers (身份证号, 统一社会信用代码).
//! - [`office`]: office codes and which office covers which.
//!
//! No IO, no async, no system clock, no random ids: everything comes in as arguments, so
//! the engine is deterministic, testable without a database, and benchmarked alone.

pub mod calendar;
mod calendar_data;
pub mod case;
pub mod certificate;
pub mod chain;
pub mod clock;
pub mod definition;
pub mod ids;
pub mod limit;
pub mod office;

pub use calendar::Calendar;
pub use definition::Service;
pub use limit::{Limit, Unit};
pub use office::OfficeCode;
