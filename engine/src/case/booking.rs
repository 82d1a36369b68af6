//! 预约: where a service needs its one visit (现场确认, 现场核验), the office publishes time
//! slots and the applicant books one, moves to another or cancels. The engine decides
//! whether this case may book this slot now; the runtime holds the slots and takes a place
//! in the same transaction, so two applicants racing for the last place cannot both have
//! it (the loser is told [`EngineError::SlotFull`]). A no-show frees the applicant to book
//! again and uses none of the service's visits; the visit itself counts against them.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::decide::Tx;
use super::error::EngineError;
use super::event::Event;
use super::state::Status;

/// A booked slot, as the runtime read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Booking {
    /// Slot id.
    pub slot: String,
    /// Service code the slot is for.
    pub service: String,
    /// Office that receives the visit.
    pub office: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
}

/// A slot's places: how many it has and how many are taken. The runtime keeps them with the
/// slot and asks [`Places::take`] in the booking's own transaction (and repeats the same
/// condition in its conditional update, which is what makes a race for the last place go to
/// one of the two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Places {
    /// Places in all.
    pub capacity: u32,
    /// Places taken.
    pub booked: u32,
}

impl Places {
    /// Takes a place for a booking of slot `slot`, or says it is full.
    ///
    /// # Errors
    /// [`EngineError::SlotFull`] when every place is taken.
    pub fn take(&mut self, slot: &str) -> Result<(), EngineError> {
        if self.booked >= self.capacity {
            return Err(EngineError::SlotFull(slot.to_owned()));
        }
        self.booked += 1;
        Ok(())
    }

    /// Gives a place back (a booking moved, cancelled, or its case concluded).
    pub fn free(&mut self) {
        self.booked = self.booked.saturating_sub(1);
    }
}

impl Tx<'_> {
    pub(super) fn book(&mut self, slot: &Booking) -> Result<(), EngineError> {
        self.require_applicant()?;
        if self.service.spec.booking.is_none() {
            return Err(EngineError::NoBooking);
        }
        let open = [Status::Received, Status::CorrectionRequested, Status::InProgress, Status::Paused];
        self.require_status("bookVisit", &open)?;
        let max = self.service.spec.max_visits;
        if self.state.visits >= max {
            return Err(EngineError::VisitsUsedUp(max));
        }
        if slot.service != self.state.service || slot.office != self.state.office || slot.starts_at <= self.now() {
            return Err(EngineError::SlotUnavailable(slot.slot.clone()));
        }
        if let Some(old) = self.state.booking.clone() {
            if old.slot == slot.slot {
                return Ok(());
            }
            // A slot that has begun is kept: the applicant came, or a no-show is recorded.
            if old.starts_at <= self.now() {
                return Err(EngineError::SlotBegun);
            }
            self.emit(Event::BookingCancelled { slot: old.slot, by: self.actor().user.clone() });
        }
        self.emit(Event::VisitBooked { booking: slot.clone() });
        Ok(())
    }

    pub(super) fn cancel_booking(&mut self) -> Result<(), EngineError> {
        self.require_applicant()?;
        let Some(old) = self.state.booking.clone() else { return Err(EngineError::NotBooked) };
        if old.starts_at <= self.now() {
            return Err(EngineError::SlotBegun);
        }
        self.emit(Event::BookingCancelled { slot: old.slot, by: self.actor().user.clone() });
        Ok(())
    }

    pub(super) fn record_no_show(&mut self) -> Result<(), EngineError> {
        let role = self.service.spec.booking.as_ref().map(|b| b.role.clone()).ok_or(EngineError::NoBooking)?;
        self.require_staff(&role, &self.state.office.clone())?;
        let Some(booked) = self.state.booking.clone() else { return Err(EngineError::NotBooked) };
        if booked.starts_at > self.now() {
            return Err(EngineError::VisitNotBegun);
        }
        self.emit(Event::NoShowRecorded { slot: booked.slot });
        Ok(())
    }
}
