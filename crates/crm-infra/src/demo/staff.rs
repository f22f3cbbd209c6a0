//! The staff of the demo business: an owner, an admin, a manager, receptionists (the cashiers
//! of the purchases) and masters, each with the pay terms of their card.

use super::names::{female_last, FEMALE_FIRST, LAST, MALE_FIRST};
use super::rng::Rng;
use crm_core::{Money, Percent};
use crm_staff::roster::model::PaySystem;

/// The fewest employees a demo business has (owner, admin, manager, a receptionist, a master).
pub const MIN_EMPLOYEES: u32 = 5;
/// The most employees a demo business has.
pub const MAX_EMPLOYEES: u32 = 1_000;

/// What a master does: their position and the services (indexes into `SERVICES`) they perform.
const SPECIALITIES: &[(&str, &[usize])] = &[
    ("Парикмахер-стилист", &[0, 2, 3]),
    ("Мастер маникюра", &[4, 5]),
    ("Косметолог", &[6]),
    ("Барбер", &[1]),
    ("Массажист", &[7]),
];

/// The first employees, named as in the original demo.
const NAMED: &[(&str, &str)] = &[
    ("Ольга Лебедева", "owner"),
    ("Ирина Соколова", "admin"),
    ("Павел Орлов", "manager"),
    ("Анна Белова", "cashier"),
    ("Дарья Козлова", "cashier"),
    ("Марина Волкова", "master"),
    ("Елена Морозова", "master"),
    ("Светлана Егорова", "master"),
    ("Артём Никитин", "master"),
    ("Ксения Фомина", "master"),
];

/// One employee as generated.
#[derive(Debug, Clone)]
pub(crate) struct Employee {
    /// Id.
    pub id: i64,
    /// Full name.
    pub full_name: String,
    /// Role code.
    pub role: &'static str,
    /// Position on the card.
    pub position: &'static str,
    /// Pay terms.
    pub pay: PaySystem,
    /// Services a master performs (indexes into `SERVICES`); empty for others.
    pub services: &'static [usize],
    /// The salon (0 or 1) a master or receptionist works in.
    pub salon: usize,
    /// Shift pattern offset (which days of the week are off).
    pub offset: i64,
}

/// The staff of `n` employees (clamped by the caller to the bounds), ids from `first_id`.
pub(crate) fn staff(rng: &mut Rng, n: usize, first_id: i64) -> Vec<Employee> {
    let cashiers = (n / 6).max(1);
    let mut out = Vec::with_capacity(n);
    let mut masters = 0usize;
    for i in 0..n {
        let role = match i {
            0 => "owner",
            1 => "admin",
            2 => "manager",
            i if i < 3 + cashiers => "cashier",
            _ => "master",
        };
        // Names: the original ten for the first of each role; then generated ones.
        let named = NAMED.iter().filter(|(_, r)| *r == role).nth(match role {
            "cashier" => i - 3,
            "master" => masters,
            _ => 0,
        });
        let full_name = match named {
            Some((name, _)) => (*name).to_owned(),
            None => {
                let female = rng.chance(0.75);
                let last = rng.pick(LAST);
                if female {
                    format!("{} {}", rng.pick(FEMALE_FIRST), female_last(last))
                } else {
                    format!("{} {}", rng.pick(MALE_FIRST), last)
                }
            }
        };
        let money = |roubles: i64| Money::from_minor(roubles * 100);
        let (position, pay, services): (&'static str, PaySystem, &'static [usize]) = match role {
            "owner" => (
                "Владелец",
                PaySystem::Salary {
                    monthly_salary: Money::ZERO,
                },
                &[],
            ),
            "admin" => (
                "Администратор",
                PaySystem::Salary {
                    monthly_salary: money(65_000),
                },
                &[],
            ),
            "manager" => (
                "Управляющий",
                PaySystem::Salary {
                    monthly_salary: money(80_000),
                },
                &[],
            ),
            "cashier" => (
                "Администратор ресепшн",
                PaySystem::Hourly {
                    hourly_rate: money(350),
                },
                &[],
            ),
            _ => {
                let (position, services) = SPECIALITIES[masters % SPECIALITIES.len()];
                masters += 1;
                let pay = if position == "Массажист" {
                    PaySystem::Hourly {
                        hourly_rate: money(600),
                    }
                } else {
                    PaySystem::Piecework {
                        piece_rate: money(rng.range(4, 7) * 100),
                        revenue_share: Percent::ZERO,
                    }
                };
                (position, pay, services)
            }
        };
        out.push(Employee {
            id: first_id + i as i64,
            full_name,
            role,
            position,
            pay,
            services,
            salon: i % 2,
            offset: (i % 7) as i64,
        });
    }
    out
}

/// The card columns of a pay system: (pay system, hourly rate, piece rate, revenue share in
/// basis points, monthly salary).
pub(crate) fn pay_columns(pay: &PaySystem) -> (&'static str, i64, i64, i64, i64) {
    match *pay {
        PaySystem::Hourly { hourly_rate } => ("hourly", hourly_rate.minor(), 0, 0, 0),
        PaySystem::Piecework {
            piece_rate,
            revenue_share,
        } => (
            "piecework",
            0,
            piece_rate.minor(),
            revenue_share.basis_points(),
            0,
        ),
        PaySystem::Salary { monthly_salary } => ("salary", 0, 0, 0, monthly_salary.minor()),
    }
}
