//! The dashboard summary ("Сегодня"): every figure with the previous comparable period and the
//! change. Money and points are decimal numbers in major units, counts whole numbers.

use crate::dto::period::PeriodResponse;
use crm_analytics::model::Compared;
use crm_analytics::sales::Summary;
use crm_core::{Money, Points};
use paperclip::actix::Apiv2Schema;
use serde::Serialize;

/// A count with the previous comparable period.
#[derive(Debug, Clone, Serialize, Apiv2Schema)]
pub struct ComparedCount {
    /// This period.
    pub current: i64,
    /// The previous comparable period.
    pub previous: i64,
    /// The change in percent, one decimal; null when the previous value is zero.
    pub change_percent: Option<f64>,
}

impl From<Compared> for ComparedCount {
    fn from(c: Compared) -> Self {
        Self {
            current: c.current,
            previous: c.previous,
            change_percent: c.change_percent,
        }
    }
}

/// An amount of money with the previous comparable period.
#[derive(Debug, Clone, Serialize, Apiv2Schema)]
pub struct ComparedMoney {
    /// This period.
    pub current: Money,
    /// The previous comparable period.
    pub previous: Money,
    /// The change in percent, one decimal; null when the previous value is zero.
    pub change_percent: Option<f64>,
}

impl From<Compared> for ComparedMoney {
    fn from(c: Compared) -> Self {
        Self {
            current: Money::from_minor(c.current),
            previous: Money::from_minor(c.previous),
            change_percent: c.change_percent,
        }
    }
}

/// Points with the previous comparable period.
#[derive(Debug, Clone, Serialize, Apiv2Schema)]
pub struct ComparedPoints {
    /// This period.
    pub current: Points,
    /// The previous comparable period.
    pub previous: Points,
    /// The change in percent, one decimal; null when the previous value is zero.
    pub change_percent: Option<f64>,
}

impl From<Compared> for ComparedPoints {
    fn from(c: Compared) -> Self {
        Self {
            current: Points::from_minor(c.current),
            previous: Points::from_minor(c.previous),
            change_percent: c.change_percent,
        }
    }
}

/// Appointments starting in the period, by status.
#[derive(Debug, Clone, Serialize, Apiv2Schema)]
pub struct AppointmentsSummary {
    /// Still scheduled.
    pub scheduled: ComparedCount,
    /// Completed.
    pub completed: ComparedCount,
    /// The client did not come.
    pub no_show: ComparedCount,
    /// Cancelled.
    pub cancelled: ComparedCount,
    /// Minutes booked with masters: appointments not cancelled (no-shows hold the time too).
    pub booked_minutes: ComparedCount,
    /// Minutes of the masters' planned shifts starting in the period.
    pub shift_minutes: ComparedCount,
    /// Utilisation: booked minutes ÷ shift minutes, in percent.
    pub utilisation_percent: ComparedRateResponse,
    /// No-show rate: no-shows ÷ (completed + no-shows), in percent.
    pub no_show_rate_percent: ComparedRateResponse,
}

/// A rate in percent (one decimal) for the period and the previous comparable period; null
/// where there was nothing to measure (a zero base).
#[derive(Debug, Clone, Serialize, Apiv2Schema)]
pub struct ComparedRateResponse {
    /// This period.
    pub current: Option<f64>,
    /// The previous comparable period.
    pub previous: Option<f64>,
}

impl From<crm_analytics::model::ComparedRate> for ComparedRateResponse {
    fn from(r: crm_analytics::model::ComparedRate) -> Self {
        Self {
            current: r.current,
            previous: r.previous,
        }
    }
}

/// The dashboard summary: "Сегодня" by default.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SummaryResponse {
    /// The period the figures cover and the one they are compared with.
    pub period: PeriodResponse,
    /// Revenue: totals of the purchases made in the period minus the amounts refunded in it
    /// (whenever the refunded purchase was made).
    pub revenue: ComparedMoney,
    /// Purchases made in the period (refunds not counted).
    pub operations: ComparedCount,
    /// The average purchase total: purchase totals divided by purchases, half up; 0 without
    /// purchases.
    pub average_check: ComparedMoney,
    /// Clients added to the base in the period.
    pub new_clients: ComparedCount,
    /// Clients who bought in the period and whose first purchase was before it.
    pub returning_clients: ComparedCount,
    /// Points credited as cashback, welcome bonuses, referral rewards and positive manual
    /// adjustments, minus the cashback and referral rewards taken back by refunds.
    pub points_accrued: ComparedPoints,
    /// Points spent on purchases minus the points refunds gave back.
    pub points_spent: ComparedPoints,
    /// Gift certificates sold (issued) in the period.
    pub certificates_sold: ComparedCount,
    /// Sum of the sold certificates' prices.
    pub certificates_amount: ComparedMoney,
    /// Appointments starting in the period, by status.
    pub appointments: AppointmentsSummary,
}

impl From<Summary> for SummaryResponse {
    fn from(s: Summary) -> Self {
        Self {
            period: PeriodResponse::from(&s.period),
            revenue: s.revenue.into(),
            operations: s.operations.into(),
            average_check: s.average_check.into(),
            new_clients: s.new_clients.into(),
            returning_clients: s.returning_clients.into(),
            points_accrued: s.points_accrued.into(),
            points_spent: s.points_spent.into(),
            certificates_sold: s.certificates_sold.into(),
            certificates_amount: s.certificates_amount.into(),
            appointments: AppointmentsSummary {
                scheduled: s.appointments_scheduled.into(),
                completed: s.appointments_completed.into(),
                no_show: s.appointments_no_show.into(),
                cancelled: s.appointments_cancelled.into(),
                booked_minutes: s.appointments_booked_minutes.into(),
                shift_minutes: s.shift_minutes.into(),
                utilisation_percent: s.utilisation.into(),
                no_show_rate_percent: s.no_show_rate.into(),
            },
        }
    }
}
