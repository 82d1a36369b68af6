//! A case (办件): its state, the commands it takes, the events it records, and the pure
//! `decide` / `evolve` pair that runs it through its service definition.

pub mod batch;
pub mod booking;
mod clocks;
pub mod command;
pub mod commitment;
pub mod committee;
pub mod decide;
pub mod error;
pub mod event;
pub mod evolve;
mod flow;
mod intake;
pub mod materials;
pub mod operations;
pub mod pre_review;
pub mod publicity;
pub mod state;
pub mod status;

pub use command::{Actor, Command};
pub use decide::{Context, decide, decide_and_apply};
pub use error::{EngineError, ErrorCode};
pub use event::Event;
pub use evolve::{evolve, replay};
pub use operations::{Operation, OperationKind, operations};
pub use state::CaseState;
