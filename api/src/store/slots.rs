//! Visit slots (预约): an office publishes time slots with a capacity; a booking takes a
//! place in the booking command's own transaction by a conditional update, so the last
//! place goes to one applicant only and the other is told [`EngineError::SlotFull`]; giving
//! a booking up (a move, a cancellation, the case concluding) frees it.

use chrono::{DateTime, Utc};
use engine::case::EngineError;
use engine::case::booking::Booking;

use super::sql::{all, exec, instant, millis, one};
use super::writes::Writes;
use super::{Store, StoreError};

/// A published slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Id.
    pub id: String,
    /// Service code.
    pub service: String,
    /// Office that receives the visit.
    pub office: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Places.
    pub capacity: u32,
    /// Places taken.
    pub booked: u32,
}

impl Slot {
    /// The slot as a case books it.
    #[must_use]
    pub fn booking(&self) -> Booking {
        Booking {
            slot: self.id.clone(),
            service: self.service.clone(),
            office: self.office.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
        }
    }
}

/// A slot to publish.
#[derive(Debug, Clone, Copy)]
pub struct NewSlot {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Places.
    pub capacity: u32,
}

const COLUMNS: &str = "id, service_code, office, starts_at, ends_at, capacity, booked";

fn slot(r: &sea_orm::QueryResult) -> Result<Slot, StoreError> {
    let count = |c: &str| r.try_get::<i32>("", c).map(|n| u32::try_from(n).unwrap_or(0));
    Ok(Slot {
        id: r.try_get("", "id")?,
        service: r.try_get("", "service_code")?,
        office: r.try_get("", "office")?,
        starts_at: instant(r.try_get("", "starts_at")?),
        ends_at: instant(r.try_get("", "ends_at")?),
        capacity: count("capacity")?,
        booked: count("booked")?,
    })
}

impl Store {
    /// Publishes slots for a service's visits at an office, in one transaction.
    ///
    /// # Errors
    /// The database fails.
    pub async fn publish_slots(
        &self,
        service: &str,
        office: &str,
        slots: &[NewSlot],
        by: &str,
    ) -> Result<Vec<Slot>, StoreError> {
        let _turn = self.write_turn().await;
        let txn = self.begin_write().await?;
        let mut out = Vec::with_capacity(slots.len());
        for s in slots {
            let id = uuid::Uuid::now_v7().to_string();
            exec(
                &txn,
                "INSERT INTO slots (id, service_code, office, starts_at, ends_at, capacity, booked, published_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
                vec![
                    id.clone().into(),
                    service.to_owned().into(),
                    office.to_owned().into(),
                    millis(s.starts_at).into(),
                    millis(s.ends_at).into(),
                    i32::try_from(s.capacity).unwrap_or(i32::MAX).into(),
                    by.to_owned().into(),
                ],
            )
            .await?;
            out.push(Slot {
                id,
                service: service.to_owned(),
                office: office.to_owned(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                capacity: s.capacity,
                booked: 0,
            });
        }
        txn.commit().await?;
        Ok(out)
    }

    /// A service's slots at an office starting in `[from, to)`, soonest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn slots(
        &self,
        service: &str,
        office: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Slot>, StoreError> {
        let rows = all(
            &self.db,
            &format!(
                "SELECT {COLUMNS} FROM slots WHERE service_code = $1 AND office = $2 AND starts_at >= $3 \
                 AND starts_at < $4 ORDER BY starts_at, id LIMIT 500"
            ),
            vec![service.to_owned().into(), office.to_owned().into(), millis(from).into(), millis(to).into()],
        )
        .await?;
        rows.iter().map(slot).collect()
    }

    /// One slot.
    ///
    /// # Errors
    /// The database fails.
    pub async fn slot(&self, id: &str) -> Result<Option<Slot>, StoreError> {
        let row =
            one(&self.db, &format!("SELECT {COLUMNS} FROM slots WHERE id = $1"), vec![id.to_owned().into()]).await?;
        row.as_ref().map(slot).transpose()
    }

    /// Refuses a booking of a slot with no place left (or no such slot), as the transaction
    /// sees it.
    pub(super) async fn has_place(&self, txn: &sea_orm::DatabaseTransaction, slot: &str) -> Result<(), StoreError> {
        let row = one(txn, "SELECT booked, capacity FROM slots WHERE id = $1", vec![slot.to_owned().into()]).await?;
        let room = match row {
            Some(r) => r.try_get::<i32>("", "booked")? < r.try_get::<i32>("", "capacity")?,
            None => false,
        };
        if room { Ok(()) } else { Err(EngineError::SlotFull(slot.to_owned()).into()) }
    }

    /// Takes a place in a slot, or refuses when none is left.
    pub(super) async fn take_place(&self, w: &mut Writes<'_>, slot: &str) -> Result<(), StoreError> {
        let done = w
            .now(
                "UPDATE slots SET booked = booked + 1 WHERE id = $1 AND booked < capacity",
                vec![slot.to_owned().into()],
            )
            .await?;
        if done.rows_affected() == 1 { Ok(()) } else { Err(EngineError::SlotFull(slot.to_owned()).into()) }
    }

    /// Frees a place in a slot.
    pub(super) async fn free_place(&self, w: &mut Writes<'_>, slot: &str) -> Result<(), StoreError> {
        w.push("UPDATE slots SET booked = booked - 1 WHERE id = $1 AND booked > 0", vec![slot.to_owned().into()])
            .await?;
        Ok(())
    }
}
