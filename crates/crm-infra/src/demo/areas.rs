//! The areas around the loyalty programme: gift certificates (redeemed in the purchases),
//! shifts, timesheets and payroll runs, appointments inside the masters' shifts, feedback on
//! appointments, campaigns with their deliveries and clicks, dialogues, and news posts with
//! their tracking events — each through the domain's own rules where it has them.

use super::names::SERVICES;
use super::rng::Rng;
use super::staff::Employee;
use super::writer::{execute_ints, Writer, V};
use super::{local_day, millis, scalar, Business, DemoError, DemoReport, NewClient, Setup};
use super::{DAY_MS, HOUR_MS, LOCAL_OFFSET_MS};
use crm_clients::certificates::code::{CertificateCode, CODE_RANDOM_BYTES};
use crm_clients::certificates::Certificate;
use crm_clients::consent::{ConsentSet, ConsentState};
use crm_comms::appointments::model::AppointmentStatus;
use crm_comms::campaigns::model::{click_token, render, tracked_url, OPT_OUT_FOOTER};
use crm_comms::campaigns::{
    Audience, CampaignDraft, CampaignStatus, Content, FollowUp, Purpose, Schedule,
};
use crm_comms::delivery::Button;
use crm_comms::news::model::{search_key, validate_content, NewsButton};
use crm_core::{
    CertificateId, CertificateTypeId, Channel, ClientId, EmployeeId, Money, Points,
    TrafficChannelId,
};
use crm_staff::roster::model::{
    format_date, Hours, NewTimesheetEntry, PayInputs, PaySystem, Period,
};
use crm_staff::roster::payroll;
use diesel::sqlite::SqliteConnection;
use std::collections::{HashMap, HashSet};

const MINUTE_MS: i64 = 60_000;

/// What the generator remembers of a client beyond the loyalty state: name, contacts and
/// consents (the audience rules of campaigns and dialogues read them).
#[derive(Debug, Clone)]
pub(super) struct Profile {
    full_name: String,
    telegram_id: Option<i64>,
    phone: Option<String>,
    channel: Option<i64>,
    consents: ConsentSet,
}

impl Profile {
    /// The profile of a generated client.
    pub(super) fn of(c: &NewClient) -> Self {
        let state = |given: bool| ConsentState {
            given,
            changed_at: given.then(|| millis(c.created_at)),
        };
        Profile {
            full_name: c.full_name.clone(),
            telegram_id: c.telegram_id,
            phone: c.phone.clone(),
            channel: c.channel,
            consents: ConsentSet {
                personal_data: state(c.personal_data),
                marketing: state(c.marketing),
                sms: state(c.sms),
                app_push: state(c.app_push),
                email: state(false),
            },
        }
    }

    /// The address a message reaches the client at through `channel`, if any.
    fn address(&self, channel: Channel) -> Option<String> {
        match channel {
            Channel::Telegram | Channel::AppPush => self.telegram_id.map(|id| id.to_string()),
            Channel::Sms => self.phone.clone(),
            _ => None,
        }
    }
}

/// A gift certificate with its running balance.
#[derive(Debug, Clone)]
pub(super) struct CertificateState {
    /// The certificate as the domain sees it (the balance runs down with redemptions).
    pub certificate: Certificate,
    /// Issued, unix milliseconds.
    pub issued_at: i64,
    /// The balance changed since it was written.
    pub dirty: bool,
}

/// What the later areas read of the generated business.
pub(super) struct History<'a> {
    /// The loyalty simulation after all purchases.
    pub business: &'a Business,
    /// Names, contacts and consents by client index.
    pub profiles: &'a [Profile],
    /// Registration times by client index (ascending).
    pub created: &'a [i64],
    /// Staff, locations, services.
    pub setup: &'a Setup,
    /// Start of the history.
    pub start: i64,
    /// End of the history (now).
    pub end: i64,
}

impl History<'_> {
    /// A client registered at least a day before `at`, skewed towards regulars; `None` before
    /// the first client.
    fn client_before(&self, rng: &mut Rng, at: i64) -> Option<usize> {
        let known = self.created.partition_point(|&c| c < at - DAY_MS);
        (known > 0).then(|| ((known as f64 * rng.unit().powf(1.4)) as usize).min(known - 1))
    }

    fn client_id(&self, index: usize) -> i64 {
        self.business.client_id(index)
    }

    fn employee(&self, role: &str) -> i64 {
        self.setup
            .staff
            .iter()
            .find(|e| e.role == role)
            .map_or(0, |e| e.id)
    }
}

/// A local date `YYYY-MM-DD` of a local day number.
fn date_of(day: i64) -> Option<time::Date> {
    time::Date::from_julian_day(i32::try_from(day + 2_440_588).ok()?).ok()
}

/// The first instant (UTC millis) of a local day.
fn day_start(day: i64) -> i64 {
    day * DAY_MS - LOCAL_OFFSET_MS
}

/// Sells gift certificates over the history: three types, most to known clients (who present
/// them at the till later), some to bearers.
pub(super) fn sell_certificates(
    conn: &mut SqliteConnection,
    rng: &mut Rng,
    business: &mut Business,
    created: &[i64],
    setup: &Setup,
    start: i64,
    end: i64,
) -> Result<(), DemoError> {
    let at = start - 90 * DAY_MS;
    let first_type = scalar(
        conn,
        "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM certificate_types",
    )?;
    let mut w = Writer::default();
    let types_table = w.table(
        "certificate_types",
        "id, name, nominal, price, validity_days, created_at, updated_at",
    );
    let types: [(&str, i64, i64); 3] = [
        ("Подарочный сертификат на 3 000 ₽", 3_000_00, 3_000_00),
        ("Подарочный сертификат на 5 000 ₽", 5_000_00, 5_000_00),
        ("Подарочный сертификат на 10 000 ₽", 10_000_00, 9_500_00),
    ];
    for (i, (name, nominal, price)) in types.iter().enumerate() {
        w.row(
            types_table,
            &[
                V::I(first_type + i as i64),
                V::T(name),
                V::I(*nominal),
                V::I(*price),
                V::I(365),
                V::I(at),
                V::I(at),
            ],
        );
    }
    w.flush(conn)?;
    let first_id = scalar(
        conn,
        "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM certificates",
    )?;
    let table = w.table(
        "certificates",
        "id, code, type_id, owner_client_id, nominal, balance, price, issued_at, expires_at, \
         sold_by, comment, created_at",
    );
    let count = (business.clients.len() / 40).max(5);
    let mut codes = HashSet::with_capacity(count);
    let span = (end - start + 30 * DAY_MS - DAY_MS).max(DAY_MS);
    for i in 0..count {
        let issued_at = start - 30 * DAY_MS + rng.range(0, span);
        let known = created.partition_point(|&c| c < issued_at);
        let owner = (known > 0 && rng.chance(0.8)).then(|| rng.below(known as u64) as usize);
        let kind = rng.weighted(&[5, 3, 2]);
        let (_, nominal, price) = types[kind];
        let code = loop {
            let mut bytes = [0u8; CODE_RANDOM_BYTES];
            for b in &mut bytes {
                *b = rng.next_u64() as u8;
            }
            let code = CertificateCode::from_random_bytes(&bytes);
            if codes.insert(code.as_str().to_owned()) {
                break code;
            }
        };
        let sold_by = *rng.pick(&setup.cashiers);
        let expires_at = issued_at + 365 * DAY_MS;
        let id = first_id + i as i64;
        w.row(
            table,
            &[
                V::I(id),
                V::T(code.as_str()),
                V::I(first_type + kind as i64),
                V::oi(owner.map(|o| business.client_id(o))),
                V::I(nominal),
                V::I(nominal),
                V::I(price),
                V::I(issued_at),
                V::I(expires_at),
                V::I(sold_by),
                V::Null,
                V::I(issued_at),
            ],
        );
        w.maybe_flush(conn)?;
        let index = business.certificates.len();
        business.certificates.push(CertificateState {
            certificate: Certificate {
                id: CertificateId(id),
                code,
                type_id: CertificateTypeId(first_type + kind as i64),
                owner_client_id: owner.map(|o| ClientId(business.client_id(o))),
                nominal: Money::from_minor(nominal),
                balance: Money::from_minor(nominal),
                price: Money::from_minor(price),
                issued_at: millis(issued_at),
                expires_at: millis(expires_at),
                sold_by: Some(EmployeeId(sold_by)),
                comment: None,
            },
            issued_at,
            dirty: false,
        });
        if let Some(o) = owner {
            let newer = business
                .client_certificate
                .get(&o)
                .is_none_or(|&c| business.certificates[c].issued_at < issued_at);
            if newer {
                business.client_certificate.insert(o, index);
            }
        }
        business.report.certificates += 1;
    }
    w.flush(conn)?;
    Ok(())
}

/// Stores the balances the redemptions left.
pub(super) fn write_certificate_balances(
    conn: &mut SqliteConnection,
    business: &Business,
) -> Result<(), DemoError> {
    for c in business.certificates.iter().filter(|c| c.dirty) {
        execute_ints(
            conn,
            &["UPDATE certificates SET balance = ", " WHERE id = ", ""],
            &[c.certificate.balance.minor(), c.certificate.id.get()],
        )?;
    }
    Ok(())
}

/// The weekly pattern of the salon: Monday .. Sunday, how busy a day is.
const WEEK: [f64; 7] = [0.55, 0.55, 0.6, 0.65, 0.8, 0.9, 0.75];

/// One master's work on one day: hours in hundredths and completed appointments.
#[derive(Debug, Clone, Copy, Default)]
struct DayWork {
    hours_centi: i64,
    pieces: i64,
    piece_rate: i64,
}

/// Shifts of the receptionists and masters over the history and two weeks ahead, their
/// timesheets, monthly payroll runs, and the masters' appointments inside their shifts (with
/// status changes and ratings of completed visits).
pub(super) fn staff_and_appointments(
    conn: &mut SqliteConnection,
    rng: &mut Rng,
    h: &History<'_>,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let mut w = Writer::default();
    let shifts = w.table(
        "shifts",
        "employee_id, shift_date, start_time, end_time, starts_at, ends_at, location, note, \
         created_at",
    );
    let appointments = w.table(
        "appointments",
        "id, client_id, service_id, employee_id, location_id, starts_at, ends_at, status, \
         source, comment, price, created_by, created_at, updated_at",
    );
    let changes = w.table(
        "appointment_status_changes",
        "appointment_id, from_status, to_status, actor, reason, at",
    );
    let feedback = w.table(
        "feedback",
        "client_id, kind, product_id, appointment_id, rating, text, source, created_by, \
         created_at, updated_at",
    );
    let timesheets = w.table(
        "timesheet_entries",
        "employee_id, work_date, hours_centi, pieces, piece_rate, note, created_by, created_at",
    );
    let admin = h.employee("admin");
    let salons = ["Салон на Садовой", "Салон на Арбате"];
    let first_day = local_day(h.start);
    let last_past_day = local_day(h.end) - 1;
    let last_day = local_day(h.end) + 14;
    let mut next_appointment = scalar(
        conn,
        "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM appointments",
    )?;
    let mut work: HashMap<(i64, i64), DayWork> = HashMap::new();
    let workers: Vec<&Employee> = h
        .setup
        .staff
        .iter()
        .filter(|e| matches!(e.role, "cashier" | "master"))
        .collect();
    for day in first_day..=last_day {
        let Some(date) = date_of(day) else { continue };
        let weekday = (day + 3).rem_euclid(7) as usize;
        let progress = (day - first_day) as f64 / (last_day - first_day).max(1) as f64;
        for e in &workers {
            // Masters work five days a week, receptionists two on, two off.
            let (works, open, close) = if e.role == "master" {
                ((day + e.offset).rem_euclid(7) < 5, 10, 20)
            } else {
                ((day + e.offset).div_euclid(2).rem_euclid(2) == 0, 9, 21)
            };
            if !works {
                continue;
            }
            let starts_at = day_start(day) + open * HOUR_MS;
            let ends_at = day_start(day) + close * HOUR_MS;
            w.row(
                shifts,
                &[
                    V::I(e.id),
                    V::T(&format_date(date)),
                    V::T(&format!("{open:02}:00")),
                    V::T(&format!("{close:02}:00")),
                    V::I(starts_at),
                    V::I(ends_at),
                    V::T(salons[e.salon]),
                    V::Null,
                    V::I((starts_at - 14 * DAY_MS).min(h.end - HOUR_MS)),
                ],
            );
            report.shifts += 1;
            let mut completed = 0;
            if e.role == "master" && !e.services.is_empty() {
                let busy = (WEEK[weekday] * (0.75 + 0.35 * progress)).min(0.95);
                let mut t = starts_at;
                loop {
                    let service = *rng.pick(e.services);
                    let (_, _, price, minutes) = SERVICES[service];
                    let length = minutes * MINUTE_MS;
                    if t + length > ends_at {
                        break;
                    }
                    if !rng.chance(busy) {
                        t += 30 * MINUTE_MS;
                        continue;
                    }
                    let Some(client) = h.client_before(rng, t) else {
                        t += 30 * MINUTE_MS;
                        continue;
                    };
                    let status = appointment(
                        &mut w,
                        rng,
                        h,
                        (appointments, changes, feedback),
                        Booking {
                            id: next_appointment,
                            client,
                            service,
                            master: e,
                            starts_at: t,
                            ends_at: t + length,
                            price: price * 100,
                            location: h.setup.points_of_sale[e.salon],
                        },
                        report,
                    );
                    next_appointment += 1;
                    if status == AppointmentStatus::Completed {
                        completed += 1;
                    }
                    // A short break between clients, rounded to a quarter of an hour.
                    t += length + rng.range(0, 2) * 15 * MINUTE_MS;
                    w.maybe_flush(conn)?;
                }
            }
            if day > last_past_day {
                continue;
            }
            // The timesheet of a past working day: the shift's hours, the completed visits.
            let hours = (close - open) * 100 - if rng.chance(0.1) { 50 } else { 0 };
            let (pieces, piece_rate) = match e.pay {
                PaySystem::Piecework { piece_rate, .. } => (completed, piece_rate.minor()),
                _ => (0, 0),
            };
            let Some(hours) = Hours::from_centi(hours) else {
                continue;
            };
            let entry = NewTimesheetEntry {
                work_date: date,
                hours,
                pieces,
                piece_rate: Some(Money::from_minor(piece_rate)),
                note: None,
            };
            if entry.validate().is_err() {
                continue;
            }
            w.row(
                timesheets,
                &[
                    V::I(e.id),
                    V::T(&format_date(date)),
                    V::I(hours.centi()),
                    V::I(pieces),
                    V::I(piece_rate),
                    V::Null,
                    V::T(&format!("employee:{admin}")),
                    V::I((ends_at + HOUR_MS).min(h.end - MINUTE_MS)),
                ],
            );
            report.timesheet_entries += 1;
            work.insert(
                (e.id, day),
                DayWork {
                    hours_centi: hours.centi(),
                    pieces,
                    piece_rate,
                },
            );
            w.maybe_flush(conn)?;
        }
    }
    w.flush(conn)?;
    payroll_runs(conn, h, &work, first_day, last_past_day, report)
}

/// One appointment to write.
struct Booking<'a> {
    id: i64,
    client: usize,
    service: usize,
    master: &'a Employee,
    starts_at: i64,
    ends_at: i64,
    price: i64,
    location: i64,
}

/// Writes an appointment with its status history (and sometimes a rating of a completed
/// visit); returns its final status.
fn appointment(
    w: &mut Writer,
    rng: &mut Rng,
    h: &History<'_>,
    (appointments, changes, feedback): (usize, usize, usize),
    b: Booking<'_>,
    report: &mut DemoReport,
) -> AppointmentStatus {
    let client_id = h.client_id(b.client);
    let client_created = h.created[b.client];
    let from_app = rng.chance(0.4);
    let receptionist = *rng.pick(&h.setup.cashiers);
    let created_by = if from_app {
        format!("client:{client_id}")
    } else {
        format!("employee:{receptionist}")
    };
    let created_at = (b.starts_at - rng.range(2 * HOUR_MS, 10 * DAY_MS))
        .max(client_created + MINUTE_MS)
        .min(h.end - MINUTE_MS)
        .min(b.starts_at - MINUTE_MS);
    use AppointmentStatus::*;
    let wanted = if b.ends_at <= h.end {
        [Completed, Cancelled, NoShow][rng.weighted(&[85, 8, 7])]
    } else if b.starts_at > h.end && rng.chance(0.05) {
        Cancelled
    } else {
        Scheduled
    };
    // Only the transitions the appointments domain allows.
    let status = if wanted == Scheduled || Scheduled.can_become(wanted) {
        wanted
    } else {
        Scheduled
    };
    let (changed_at, actor, reason) = match status {
        Completed | NoShow => (
            (b.ends_at + rng.range(0, 30 * MINUTE_MS)).min(h.end),
            format!("employee:{receptionist}"),
            None,
        ),
        Cancelled => (
            rng.range(created_at + 1, b.starts_at.min(h.end) - 1)
                .max(created_at + 1),
            created_by.clone(),
            Some(if from_app {
                "Изменились планы"
            } else {
                "Клиент попросил перенести"
            }),
        ),
        Scheduled => (created_at, created_by.clone(), None),
    };
    w.row(
        appointments,
        &[
            V::I(b.id),
            V::I(client_id),
            V::I(h.setup.services[b.service]),
            V::I(b.master.id),
            V::I(b.location),
            V::I(b.starts_at),
            V::I(b.ends_at),
            V::T(status.code()),
            V::T(if from_app { "app" } else { "admin" }),
            V::Null,
            V::I(b.price),
            V::T(&created_by),
            V::I(created_at),
            V::I(changed_at),
        ],
    );
    w.row(
        changes,
        &[
            V::I(b.id),
            V::Null,
            V::T(Scheduled.code()),
            V::T(&created_by),
            V::Null,
            V::I(created_at),
        ],
    );
    if status != Scheduled {
        w.row(
            changes,
            &[
                V::I(b.id),
                V::T(Scheduled.code()),
                V::T(status.code()),
                V::T(&actor),
                reason.map_or(V::Null, V::T),
                V::I(changed_at),
            ],
        );
    }
    report.appointments += 1;
    if status == Completed && rng.chance(0.15) {
        let at = (b.ends_at + rng.range(HOUR_MS, 2 * DAY_MS)).min(h.end - 1);
        let rating = [5, 5, 5, 5, 4, 4, 3, 2, 1][rng.below(9) as usize];
        const COMMENTS: &[&str] = &[
            "Мастер — золотые руки!",
            "Всё отлично, запишусь снова",
            "Пришлось подождать минут десять",
            "Результатом довольна",
            "Не понравилось, ожидала большего",
        ];
        let text = rng.chance(0.35).then(|| *rng.pick(COMMENTS));
        w.row(
            feedback,
            &[
                V::I(client_id),
                V::T("rating"),
                V::I(h.setup.services[b.service]),
                V::I(b.id),
                V::I(rating),
                text.map_or(V::Null, V::T),
                V::T("app"),
                V::T(&format!("client:{client_id}")),
                V::I(at),
                V::I(at),
            ],
        );
        report.feedback += 1;
    }
    status
}

/// Monthly payroll runs over the whole months of the history: every employee's accrual
/// computed by the payroll rules from their timesheet and the cash they recorded; all closed
/// but the last, which is a draft.
fn payroll_runs(
    conn: &mut SqliteConnection,
    h: &History<'_>,
    work: &HashMap<(i64, i64), DayWork>,
    first_day: i64,
    last_past_day: i64,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let (Some(first), Some(last)) = (date_of(first_day), date_of(last_past_day)) else {
        return Ok(());
    };
    // Whole calendar months inside the history.
    let mut months = Vec::new();
    let mut from = first;
    if from.day() != 1 {
        from = next_month(from);
    }
    while let Some(to) = month_end(from) {
        if to > last {
            break;
        }
        months.push((from, to));
        from = next_month(from);
    }
    let owner = h.employee("owner");
    let first_run = scalar(
        conn,
        "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM payroll_runs",
    )?;
    let mut w = Writer::default();
    let runs = w.table(
        "payroll_runs",
        "id, period_from, period_to, status, run_by, computed_at, closed_at",
    );
    let results = w.table(
        "payroll_results",
        "run_id, employee_id, full_name, pay_system, hourly_rate, hours_centi, pieces, \
         piece_amount, attributed_revenue, revenue_share_bp, revenue_amount, monthly_salary, \
         amount",
    );
    let day_number = |d: time::Date| i64::from(d.to_julian_day()) - 2_440_588;
    for (i, &(from, to)) in months.iter().enumerate() {
        let Ok(period) = Period::new(from, to) else {
            continue;
        };
        let run = first_run + i as i64;
        let computed_at = (day_start(day_number(to) + 1) + 10 * HOUR_MS).min(h.end - HOUR_MS);
        let last_run = i + 1 == months.len();
        w.row(
            runs,
            &[
                V::I(run),
                V::T(&format_date(from)),
                V::T(&format_date(to)),
                V::T(if last_run { "draft" } else { "closed" }),
                V::T(&format!("employee:{owner}")),
                V::I(computed_at),
                if last_run {
                    V::Null
                } else {
                    V::I((computed_at + 2 * DAY_MS).min(h.end - MINUTE_MS))
                },
            ],
        );
        report.payroll_runs += 1;
        for e in &h.setup.staff {
            let mut inputs = PayInputs {
                pay: e.pay,
                total_hours_centi: 0,
                pieces: 0,
                piece_amount: Money::ZERO,
                attributed_revenue: Money::ZERO,
                period,
            };
            let mut revenue = 0;
            let mut piece_amount = 0;
            for day in day_number(from)..=day_number(to) {
                if let Some(d) = work.get(&(e.id, day)) {
                    inputs.total_hours_centi += d.hours_centi;
                    inputs.pieces += d.pieces;
                    piece_amount += d.pieces * d.piece_rate;
                }
                revenue += h.business.recorded.get(&(e.id, day)).copied().unwrap_or(0);
            }
            inputs.piece_amount = Money::from_minor(piece_amount);
            inputs.attributed_revenue = Money::from_minor(revenue);
            let r = payroll::compute(EmployeeId(e.id), &e.full_name, &inputs);
            w.row(
                results,
                &[
                    V::I(run),
                    V::I(e.id),
                    V::T(&r.full_name),
                    V::T(r.pay_system),
                    V::I(r.hourly_rate.minor()),
                    V::I(r.hours_centi),
                    V::I(r.pieces),
                    V::I(r.piece_amount.minor()),
                    V::I(r.attributed_revenue.minor()),
                    V::I(r.revenue_share.basis_points()),
                    V::I(r.revenue_amount.minor()),
                    V::I(r.monthly_salary.minor()),
                    V::I(r.amount.minor()),
                ],
            );
        }
        w.maybe_flush(conn)?;
    }
    w.flush(conn)?;
    Ok(())
}

/// The first day of the next month.
fn next_month(d: time::Date) -> time::Date {
    let (year, month) = if d.month() == time::Month::December {
        (d.year() + 1, time::Month::January)
    } else {
        (d.year(), d.month().next())
    };
    time::Date::from_calendar_date(year, month, 1).unwrap_or(d)
}

/// The last day of the month of `d`.
fn month_end(d: time::Date) -> Option<time::Date> {
    d.replace_day(d.month().length(d.year())).ok()
}

/// Campaign themes: name, text (with the client's name), button label and link, follow-up.
const CAMPAIGNS: &[(&str, &str, &str, &str)] = &[
    (
        "Скидка 20% на окрашивание",
        "{name}, только на этой неделе — окрашивание со скидкой 20%!",
        "Записаться",
        "https://lavanda.example/promo/color",
    ),
    (
        "Двойные баллы в выходные",
        "{name}, в эти выходные начисляем двойные баллы за каждую покупку.",
        "Подробнее",
        "https://lavanda.example/promo/points",
    ),
    (
        "Новый мастер маникюра",
        "{name}, у нас новый мастер маникюра — первая запись со скидкой 15%.",
        "Выбрать время",
        "https://lavanda.example/booking/nails",
    ),
    (
        "Приведи подругу",
        "{name}, приведите подругу и получите бонусы за её покупки.",
        "Пригласить",
        "https://lavanda.example/referral",
    ),
    (
        "Сезонный уход за кожей",
        "{name}, осенний уход для лица: чистка и маска по специальной цене.",
        "Узнать цену",
        "https://lavanda.example/promo/skin",
    ),
];

/// Campaigns every two weeks with their deliveries (consent, contact and audience respected;
/// sent, delivered or failed) and clicks; dialogues with replies; news posts with their
/// tracking events.
pub(super) fn communications(
    conn: &mut SqliteConnection,
    rng: &mut Rng,
    h: &History<'_>,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let mut next_delivery = scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM deliveries")?;
    campaigns(conn, rng, h, &mut next_delivery, report)?;
    dialogues(conn, rng, h, &mut next_delivery, report)?;
    news(conn, rng, h, report)
}

fn campaigns(
    conn: &mut SqliteConnection,
    rng: &mut Rng,
    h: &History<'_>,
    next_delivery: &mut i64,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let manager = h.employee("manager");
    let first = scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM campaigns")?;
    let mut w = Writer::default();
    let campaigns = w.table(
        "campaigns",
        "id, name, status, purpose, channels, audience, content, schedule, wizard_step, \
         launched_at, created_by, created_at, updated_at",
    );
    let deliveries = w.table(
        "deliveries",
        "id, source, campaign_id, client_id, channel, recipient, text, image_url, buttons, \
         step, status, attempts, reason, not_before, claimed_at, sent_at, provider_message_id, \
         dedupe_key, created_at, updated_at",
    );
    let events = w.table(
        "campaign_events",
        "campaign_id, delivery_id, client_id, kind, url, source, at",
    );
    let mut launch = h.start + 7 * DAY_MS + 11 * HOUR_MS;
    let mut k = 0usize;
    let json = |r: Result<String, serde_json::Error>| {
        r.map_err(|e| DemoError::Storage(format!("cannot encode a campaign: {e}")))
    };
    while launch < h.end - 3 * DAY_MS {
        let (name, text, label, url) = CAMPAIGNS[k % CAMPAIGNS.len()];
        let id = first + k as i64;
        let channels = if k % 3 == 2 {
            vec![Channel::Telegram, Channel::Sms]
        } else {
            vec![Channel::Telegram]
        };
        // Every fourth campaign goes to everyone; the others to the clients of one traffic
        // channel.
        let channel_filter = (!k.is_multiple_of(4) && !h.setup.channels.is_empty())
            .then(|| h.setup.channels[k % h.setup.channels.len()]);
        let draft = CampaignDraft {
            name: format!("{name} ({})", k / CAMPAIGNS.len() + 1),
            purpose: Purpose::Advertising,
            channels: channels.clone(),
            audience: Audience {
                traffic_channel_ids: channel_filter.map(TrafficChannelId).into_iter().collect(),
                ..Audience::default()
            },
            content: Content {
                text: text.to_owned(),
                image_url: None,
                buttons: vec![Button {
                    text: label.to_owned(),
                    url: url.to_owned(),
                }],
                follow_ups: if k.is_multiple_of(2) {
                    vec![FollowUp {
                        delay_hours: 48,
                        text: "{name}, напоминаем: предложение действует до воскресенья."
                            .to_owned(),
                    }]
                } else {
                    Vec::new()
                },
            },
            schedule: Schedule::default(),
        };
        k += 1;
        if draft.validate(millis(launch)).is_err() {
            launch += 14 * DAY_MS;
            continue;
        }
        let chain: Vec<(u16, i64, &str)> =
            std::iter::once((0u16, 0i64, draft.content.text.as_str()))
                .chain(
                    draft
                        .content
                        .follow_ups
                        .iter()
                        .enumerate()
                        .map(|(i, f)| (i as u16 + 1, i64::from(f.delay_hours), f.text.as_str())),
                )
                .collect();
        let created = launch - 2 * DAY_MS;
        let status = if k == 1 {
            CampaignStatus::Archived
        } else {
            CampaignStatus::Completed
        };
        w.row(
            campaigns,
            &[
                V::I(id),
                V::T(&draft.name),
                V::T(status.code()),
                V::T(draft.purpose.code()),
                V::T(&json(serde_json::to_string(&draft.channels))?),
                V::T(&json(serde_json::to_string(&draft.audience))?),
                V::T(&json(serde_json::to_string(&draft.content))?),
                V::T(&json(serde_json::to_string(&draft.schedule))?),
                V::I(4),
                V::I(launch),
                V::T(&format!("employee:{manager}")),
                V::I(created),
                V::I((launch + 4 * DAY_MS).min(h.end - MINUTE_MS)),
            ],
        );
        report.campaigns += 1;
        w.flush(conn)?;
        let known = h.created.partition_point(|&c| c <= launch);
        for (client, p) in h.profiles.iter().enumerate().take(known) {
            if channel_filter.is_some() && p.channel != channel_filter {
                continue;
            }
            let client_id = h.client_id(client);
            let token = click_token(crm_core::CampaignId(id), ClientId(client_id));
            let buttons: Vec<Button> = draft
                .content
                .buttons
                .iter()
                .map(|b| Button {
                    text: b.text.clone(),
                    url: tracked_url(&b.url, &token),
                })
                .collect();
            for &channel in &channels {
                // The consent rules of marketing and a contact on the channel.
                if !p.consents.allows_marketing_via(channel) {
                    continue;
                }
                let Some(address) = p.address(channel) else {
                    continue;
                };
                let buttons_json = json(serde_json::to_string(&buttons))?;
                for &(step, after_hours, text) in &chain {
                    let not_before = launch + after_hours * HOUR_MS;
                    if not_before >= h.end - HOUR_MS {
                        continue;
                    }
                    let mut body = render(text, &p.full_name, Points::ZERO);
                    body.push_str(OPT_OUT_FOOTER);
                    let outcome = rng.weighted(match channel {
                        Channel::Sms => &[80, 12, 8],
                        _ => &[90, 4, 6],
                    });
                    let sent_at = not_before + rng.range(1_000, 10 * MINUTE_MS);
                    let (status, reason, sent) = match outcome {
                        0 => ("delivered", None, Some(sent_at)),
                        1 => ("sent", None, Some(sent_at)),
                        _ => (
                            "failed",
                            Some(match channel {
                                Channel::Sms => "undeliverable",
                                _ => "Forbidden: bot was blocked by the user",
                            }),
                            None,
                        ),
                    };
                    let delivery = *next_delivery;
                    *next_delivery += 1;
                    w.row(
                        deliveries,
                        &[
                            V::I(delivery),
                            V::T("campaign"),
                            V::I(id),
                            V::I(client_id),
                            V::T(channel.code()),
                            V::T(&address),
                            V::T(&body),
                            V::Null,
                            V::T(&buttons_json),
                            V::I(i64::from(step)),
                            V::T(status),
                            V::I(1),
                            reason.map_or(V::Null, V::T),
                            V::I(not_before),
                            V::I(sent_at),
                            V::oi(sent),
                            sent.map_or(V::Null, |_| V::T(&address)),
                            V::T(&format!(
                                "campaign:{id}:client:{client_id}:{}:step:{step}",
                                channel.code()
                            )),
                            V::I(launch),
                            V::I(sent_at),
                        ],
                    );
                    report.deliveries += 1;
                    if step == 0 && sent.is_some() && rng.chance(0.06) {
                        let at = (sent_at + rng.range(MINUTE_MS, 6 * HOUR_MS)).min(h.end - 1);
                        w.row(
                            events,
                            &[
                                V::I(id),
                                V::I(delivery),
                                V::I(client_id),
                                V::T("click"),
                                V::T(url),
                                V::T(&format!("client:{client_id}")),
                                V::I(at),
                            ],
                        );
                        report.campaign_events += 1;
                    }
                }
            }
            w.maybe_flush(conn)?;
        }
        launch += 14 * DAY_MS + rng.range(-DAY_MS, DAY_MS);
    }
    // A campaign being prepared: a draft at the audience step.
    let (name, text, label, url) = CAMPAIGNS[0];
    let draft = Content {
        text: text.to_owned(),
        image_url: None,
        buttons: vec![Button {
            text: label.to_owned(),
            url: url.to_owned(),
        }],
        follow_ups: Vec::new(),
    };
    let at = h.end - 2 * HOUR_MS;
    w.row(
        campaigns,
        &[
            V::I(first + k as i64),
            V::T(&format!("{name} (черновик)")),
            V::T(CampaignStatus::Draft.code()),
            V::T(Purpose::Advertising.code()),
            V::T(&json(serde_json::to_string(&[Channel::Telegram]))?),
            V::T(&json(serde_json::to_string(&Audience::default()))?),
            V::T(&json(serde_json::to_string(&draft))?),
            V::T(&json(serde_json::to_string(&Schedule::default()))?),
            V::I(2),
            V::Null,
            V::T(&format!("employee:{manager}")),
            V::I(at),
            V::I(at),
        ],
    );
    report.campaigns += 1;
    w.flush(conn)?;
    Ok(())
}

/// Questions clients write in the Mini App and the replies of the reception.
const DIALOGUE: &[(&str, &str)] = &[
    (
        "Здравствуйте! Можно перенести запись на завтра?",
        "Здравствуйте! Да, перенесли на завтра на то же время.",
    ),
    (
        "Сколько у меня баллов?",
        "Баланс виден в карте в приложении, сейчас всё начислено.",
    ),
    (
        "Есть свободное время к мастеру в субботу?",
        "Есть окно в 14:00 и в 17:30, записать вас?",
    ),
    (
        "Спасибо за стрижку, очень понравилось!",
        "Спасибо за отзыв, будем рады видеть вас снова!",
    ),
    (
        "Можно оплатить сертификатом часть услуги?",
        "Да, сертификат можно использовать частично, остаток сохранится.",
    ),
];

/// Conversations of some clients: questions from the Mini App and replies of the reception
/// (each reply a delivery of the dialogue), with one summary row per conversation.
fn dialogues(
    conn: &mut SqliteConnection,
    rng: &mut Rng,
    h: &History<'_>,
    next_delivery: &mut i64,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let first = scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM messages")?;
    let mut next_message = first;
    let mut w = Writer::default();
    let deliveries = w.table(
        "deliveries",
        "id, source, client_id, channel, recipient, text, status, attempts, not_before, \
         claimed_at, sent_at, provider_message_id, dedupe_key, created_at, updated_at",
    );
    let messages = w.table(
        "messages",
        "id, client_id, direction, channel, text, author_employee_id, source, status, \
         delivery_id, created_at, updated_at",
    );
    let summaries = w.table(
        "dialogues",
        "client_id, last_message_id, last_direction, last_message_at, \
         last_inbound_message_id, last_inbound_at, unanswered",
    );
    let repliers: Vec<i64> = h
        .setup
        .staff
        .iter()
        .filter(|e| matches!(e.role, "admin" | "cashier"))
        .map(|e| e.id)
        .collect();
    for (client, p) in h.profiles.iter().enumerate() {
        let Some(telegram) = p.telegram_id else {
            continue;
        };
        if !p.consents.personal_data.given || !rng.chance(0.05) {
            continue;
        }
        let client_id = h.client_id(client);
        let mut at = rng.range(h.created[client] + HOUR_MS, h.end - HOUR_MS);
        let mut last: Option<(i64, &str, i64)> = None;
        let mut last_inbound: Option<(i64, i64)> = None;
        for _ in 0..rng.range(1, 3) {
            if at >= h.end {
                break;
            }
            let (question, answer) = *rng.pick(DIALOGUE);
            let inbound = next_message;
            next_message += 1;
            w.row(
                messages,
                &[
                    V::I(inbound),
                    V::I(client_id),
                    V::T("inbound"),
                    V::T(Channel::Telegram.code()),
                    V::T(question),
                    V::Null,
                    V::T("app"),
                    V::T("received"),
                    V::Null,
                    V::I(at),
                    V::I(at),
                ],
            );
            report.messages += 1;
            last = Some((inbound, "inbound", at));
            last_inbound = Some((inbound, at));
            let reply_at = at + rng.range(5 * MINUTE_MS, 4 * HOUR_MS);
            if reply_at >= h.end || rng.chance(0.1) {
                break;
            }
            let delivery = *next_delivery;
            *next_delivery += 1;
            let sent_at = reply_at + rng.range(500, 5_000);
            let outbound = next_message;
            next_message += 1;
            w.row(
                deliveries,
                &[
                    V::I(delivery),
                    V::T("dialogue"),
                    V::I(client_id),
                    V::T(Channel::Telegram.code()),
                    V::T(&telegram.to_string()),
                    V::T(answer),
                    V::T("delivered"),
                    V::I(1),
                    V::I(reply_at),
                    V::I(sent_at),
                    V::I(sent_at),
                    V::T(&format!("{delivery}")),
                    V::T(&format!("dialogue:reply:{client_id}:demo-{outbound}")),
                    V::I(reply_at),
                    V::I(sent_at),
                ],
            );
            report.deliveries += 1;
            w.row(
                messages,
                &[
                    V::I(outbound),
                    V::I(client_id),
                    V::T("outbound"),
                    V::T(Channel::Telegram.code()),
                    V::T(answer),
                    V::I(*rng.pick(&repliers)),
                    V::T("admin_reply"),
                    V::T("delivered"),
                    V::I(delivery),
                    V::I(reply_at),
                    V::I(sent_at),
                ],
            );
            report.messages += 1;
            last = Some((outbound, "outbound", reply_at));
            at = reply_at + rng.range(DAY_MS, 60 * DAY_MS);
        }
        if let Some((id, direction, when)) = last {
            w.row(
                summaries,
                &[
                    V::I(client_id),
                    V::I(id),
                    V::T(direction),
                    V::I(when),
                    V::oi(last_inbound.map(|(m, _)| m)),
                    V::oi(last_inbound.map(|(_, t)| t)),
                    V::I(i64::from(direction == "inbound")),
                ],
            );
        }
        w.maybe_flush(conn)?;
    }
    w.flush(conn)?;
    Ok(())
}

/// News themes: title and text.
const NEWS: &[(&str, &str)] = &[
    (
        "Новые услуги в салоне на Арбате",
        "Теперь в салоне на Арбате можно сделать педикюр и массаж спины.",
    ),
    (
        "График работы в праздники",
        "В праздничные дни салоны работают с 10:00 до 18:00.",
    ),
    (
        "Акция: приведи друга",
        "Приглашайте друзей и получайте баллы за их покупки — до шести поколений!",
    ),
    (
        "Тренды сезона в окрашивании",
        "Рассказываем, какие оттенки выбирают этой осенью, и дарим скидку на первое окрашивание.",
    ),
    (
        "Подарочные сертификаты",
        "Сертификаты на 3 000, 5 000 и 10 000 ₽ — лучший подарок близким.",
    ),
];

/// News posts every few days (published, some pinned, archived or still drafts) and what
/// clients and anonymous visitors did with them.
fn news(
    conn: &mut SqliteConnection,
    rng: &mut Rng,
    h: &History<'_>,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let manager = h.employee("manager");
    let first = scalar(conn, "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM news_posts")?;
    let mut w = Writer::default();
    let posts = w.table(
        "news_posts",
        "id, title, title_lower, body, image_url, buttons, status, pinned, publish_at, \
         created_by, created_at, updated_at",
    );
    let events = w.table(
        "news_events",
        "news_post_id, event, client_id, visitor_id, operation_id, at",
    );
    let mut created = h.start + 2 * DAY_MS + 10 * HOUR_MS;
    let mut k = 0usize;
    let mut planned = Vec::new();
    while created < h.end - HOUR_MS {
        planned.push(created);
        created += rng.range(3, 6) * DAY_MS;
    }
    let n = planned.len();
    for (i, &created_at) in planned.iter().enumerate() {
        let (title, body) = NEWS[k % NEWS.len()];
        let title = format!("{title} №{}", k / NEWS.len() + 1);
        let buttons = if k.is_multiple_of(2) {
            vec![NewsButton {
                text: "Записаться".to_owned(),
                url: "https://lavanda.example/booking".to_owned(),
            }]
        } else {
            Vec::new()
        };
        k += 1;
        if validate_content(&title, body, None, &buttons).is_err() {
            continue;
        }
        // The last two posts are drafts, the two before them pinned, the first few archived.
        let (status, pinned, publish_at) = if i + 2 >= n {
            ("draft", false, None)
        } else {
            let publish = (created_at + rng.range(0, DAY_MS)).min(h.end - MINUTE_MS);
            let status = if i < 3 { "archived" } else { "published" };
            (status, i + 4 >= n, Some(publish))
        };
        let id = first + i as i64;
        w.row(
            posts,
            &[
                V::I(id),
                V::T(&title),
                V::T(&search_key(&title)),
                V::T(body),
                V::Null,
                V::T(
                    &serde_json::to_string(&buttons)
                        .map_err(|e| DemoError::Storage(e.to_string()))?,
                ),
                V::T(status),
                V::I(i64::from(pinned)),
                V::oi(publish_at),
                V::T(&format!("employee:{manager}")),
                V::I(created_at),
                V::I(publish_at.unwrap_or(created_at)),
            ],
        );
        report.news_posts += 1;
        w.flush(conn)?;
        let Some(publish) = publish_at else {
            continue;
        };
        // Views fade over two weeks; a share of viewers go on to act.
        let known = h.created.partition_point(|&c| c <= publish);
        let viewers = (known as f64 * 0.04) as usize;
        for _ in 0..viewers {
            let client = rng.below(known as u64) as usize;
            let client_id = h.client_id(client);
            let at = publish + (rng.unit().powi(2) * 14.0 * DAY_MS as f64) as i64;
            if at >= h.end {
                continue;
            }
            w.row(
                events,
                &[
                    V::I(id),
                    V::T("view"),
                    V::I(client_id),
                    V::Null,
                    V::Null,
                    V::I(at),
                ],
            );
            report.news_events += 1;
            let mut then = at;
            for (event, p) in [
                ("transition", 0.35),
                ("click", 0.3),
                ("booking", 0.15),
                ("purchase", 0.5),
            ] {
                if !rng.chance(p) {
                    break;
                }
                then += rng.range(MINUTE_MS, 30 * MINUTE_MS);
                if then >= h.end {
                    break;
                }
                w.row(
                    events,
                    &[
                        V::I(id),
                        V::T(event),
                        V::I(client_id),
                        V::Null,
                        V::Null,
                        V::I(then),
                    ],
                );
                report.news_events += 1;
            }
            w.maybe_flush(conn)?;
        }
        for _ in 0..viewers / 3 {
            let at = publish + (rng.unit().powi(2) * 14.0 * DAY_MS as f64) as i64;
            if at >= h.end {
                continue;
            }
            let visitor = format!("v{:016x}", rng.next_u64());
            w.row(
                events,
                &[
                    V::I(id),
                    V::T("view"),
                    V::Null,
                    V::T(&visitor),
                    V::Null,
                    V::I(at),
                ],
            );
            report.news_events += 1;
        }
        w.maybe_flush(conn)?;
    }
    w.flush(conn)?;
    Ok(())
}
