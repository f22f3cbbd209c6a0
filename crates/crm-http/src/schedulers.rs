//! The server's background passes: points expiry, recurring campaigns and appointment
//! reminders. Each runs once at start and then at its interval on the actix system, does its
//! storage work on the blocking pool, logs failures and tries again at the next tick, so a
//! failing pass never brings the server down. The returned handle lets a caller stop it.

use crate::state::AppState;
use actix_web::rt::task::JoinHandle;
use actix_web::web;
use std::time::Duration;

/// Settles expired points at once and then each `every` (an hour in the server), in the background
/// of the server's system. A failure (or even a panic on the blocking pool) is logged and the
/// next tick tries again; the task never brings the server down.
pub fn spawn_points_expiry(state: web::Data<AppState>, every: Duration) -> JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            // The first tick completes at once: the start-up run.
            ticks.tick().await;
            let upkeep = state.points_upkeep();
            match web::block(move || upkeep.expire()).await {
                Ok(Ok(report)) if report.lots > 0 => tracing::info!(
                    lots = report.lots,
                    points = %report.points,
                    clients = report.clients,
                    "expired points settled"
                ),
                Ok(Ok(_)) => tracing::debug!("no points due to expire"),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "points expiry failed; retrying next hour")
                }
                Err(e) => {
                    tracing::error!(error = %e, "points expiry task failed; retrying next hour")
                }
            }
        }
    })
}

/// Runs the scheduler pass of recurring (daily/weekly) campaigns at once and then each
/// `every` (a minute in the server): each due occurrence is enqueued once (dated dedupe keys), so
/// repeated passes and restarts never duplicate a message. Failures are logged and retried on
/// the next tick; the task never brings the server down.
pub fn spawn_campaign_scheduler(state: web::Data<AppState>, every: Duration) -> JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            ticks.tick().await;
            let campaigns = state.campaigns();
            match web::block(move || campaigns.schedule_recurring()).await {
                Ok(Ok(0)) => tracing::debug!("no recurring campaign occurrence due"),
                Ok(Ok(enqueued)) => {
                    tracing::info!(enqueued, "recurring campaign occurrences enqueued")
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "campaign scheduler failed; retrying next minute")
                }
                Err(e) => tracing::error!(
                    error = %e,
                    "campaign scheduler task failed; retrying next minute"
                ),
            }
        }
    })
}

/// Runs the reminder run at once and then each `every` (a minute in the server): each due reminder is
/// enqueued once per appointment and offset (a unique key shared with the run endpoint), so
/// repeated passes, restarts and a racing manual run never duplicate a message. Failures are
/// logged and retried on the next tick; the task never brings the server down.
pub fn spawn_reminder_scheduler(state: web::Data<AppState>, every: Duration) -> JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            ticks.tick().await;
            let reminders = state.reminders();
            match web::block(move || reminders.run()).await {
                Ok(Ok(report)) if report.queued == 0 && report.skipped.is_empty() => {
                    tracing::debug!("no appointment reminder due")
                }
                Ok(Ok(report)) => tracing::info!(
                    queued = report.queued,
                    skipped = report.skipped.len(),
                    "appointment reminders enqueued"
                ),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "reminder run failed; retrying next minute")
                }
                Err(e) => tracing::error!(
                    error = %e,
                    "reminder run task failed; retrying next minute"
                ),
            }
        }
    })
}
