//! Calendar notices loaded after the build (next year's State Council notice, a regional
//! change): kept in `calendar_days`, merged over the shipped notices, and followed by a
//! recomputation of every open case's deadlines, which moves their timers.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use engine::calendar::CalendarBuilder;
use engine::case::{Actor, Command, Event};
use sha2::Digest;

use super::sql::{all, exec};
use super::{Request, Store, StoreError};

/// What loading a notice changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recomputed {
    /// The notice's year.
    pub year: i32,
    /// Open cases whose deadlines moved (each got a `DeadlinesRecomputed` event).
    pub cases: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Notice {
    year: i32,
    days: Vec<Day>,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct Day {
    name: String,
    date: chrono::NaiveDate,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

impl Store {
    /// Rebuilds the calendar when the stored notices changed (another node loaded one);
    /// the runtime calls it on every pass.
    ///
    /// # Errors
    /// A database error or an unreadable stored day.
    pub async fn refresh_calendar(&self) -> Result<(), StoreError> {
        self.reload_calendar().await
    }

    /// Rebuilds the calendar from the shipped notices and every stored one, unless the
    /// stored days are the ones it was last built from.
    pub(super) async fn reload_calendar(&self) -> Result<(), StoreError> {
        let rows =
            all(&self.db, "SELECT day, working, name FROM calendar_days WHERE region = 'CN' ORDER BY day", vec![])
                .await?;
        let mut fingerprint = sha2::Sha256::new();
        for row in &rows {
            let day: String = row.try_get("", "day")?;
            let working: i32 = row.try_get("", "working")?;
            let name: Option<String> = row.try_get("", "name")?;
            fingerprint.update(format!("{day}|{working}|{}\n", name.unwrap_or_default()));
        }
        let fingerprint = hex::encode(fingerprint.finalize());
        if *self.calendar_fingerprint.lock().unwrap_or_else(std::sync::PoisonError::into_inner) == fingerprint {
            return Ok(());
        }
        let mut years: std::collections::BTreeMap<i32, Vec<Day>> = std::collections::BTreeMap::new();
        for row in rows {
            let day: String = row.try_get("", "day")?;
            let date =
                day.parse::<chrono::NaiveDate>().map_err(|e| StoreError::Corrupt(format!("calendar {day}: {e}")))?;
            let working: i32 = row.try_get("", "working")?;
            let name: Option<String> = row.try_get("", "name")?;
            use chrono::Datelike;
            years.entry(date.year()).or_default().push(Day {
                name: name.unwrap_or_default(),
                date,
                is_off_day: working == 0,
            });
        }
        let mut builder = CalendarBuilder::china_official();
        for (year, days) in years {
            let json = serde_json::json!({ "year": year, "days": days }).to_string();
            builder = builder.notice_json(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        *self.calendar.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(builder.build());
        *self.calendar_fingerprint.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = fingerprint;
        Ok(())
    }

    /// Loads (or replaces) one year's notice in the holiday-cn JSON format, then recomputes
    /// the deadlines of every open case, moving their timers.
    ///
    /// # Errors
    /// [`StoreError::Publish`] for a malformed notice; a database error.
    pub async fn load_calendar(&self, json: &str, now: DateTime<Utc>) -> Result<Recomputed, StoreError> {
        let notice: Notice =
            serde_json::from_str(json).map_err(|e| StoreError::Publish(format!("calendar notice: {e}")))?;
        if let Some(stray) = notice.days.iter().find(|d| chrono::Datelike::year(&d.date) != notice.year) {
            return Err(StoreError::Publish(format!(
                "calendar notice {}: {} is another year",
                notice.year, stray.date
            )));
        }
        {
            let _turn = self.write_turn().await;
            let txn = self.begin_write().await?;
            let prefix = format!("{}-%", notice.year);
            exec(&txn, "DELETE FROM calendar_days WHERE region = 'CN' AND day LIKE $1", vec![prefix.into()]).await?;
            for d in &notice.days {
                exec(
                    &txn,
                    "INSERT INTO calendar_days (region, day, working, name) VALUES ('CN', $1, $2, $3)",
                    vec![d.date.to_string().into(), i32::from(!d.is_off_day).into(), d.name.clone().into()],
                )
                .await?;
            }
            txn.commit().await?;
        }
        self.reload_calendar().await?;
        let open = all(&self.db, "SELECT id FROM cases WHERE status <> 'concluded' ORDER BY id", vec![]).await?;
        let mut out = Recomputed { year: notice.year, cases: Vec::new() };
        for row in open {
            let id: String = row.try_get("", "id")?;
            let request = Request::new(id.clone(), Actor::system(), Command::RecomputeDeadlines, now);
            let mut attempts = 0;
            let applied = loop {
                match self.execute(&request).await {
                    Err(StoreError::Conflict) if attempts < 3 => attempts += 1,
                    other => break other?,
                }
            };
            if applied.events.iter().any(|r| matches!(r.event, Event::DeadlinesRecomputed { .. })) {
                out.cases.push(id);
            }
        }
        Ok(out)
    }
}
