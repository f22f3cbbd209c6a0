//! Pay arithmetic: exact integer minor units, every share rounded down to the kopeck.
//!
//! - hourly: `hours × rate` (hours in hundredths, so `centi × rate / 100`, rounded down);
//! - piecework: `Σ pieces × piece rate` plus `revenue share × attributed revenue` (the share
//!   rounded down; a negative net revenue, refunds beyond sales in the period, counts as zero);
//! - salary: for each calendar month the period touches, `salary × days in the period in that
//!   month / days in that month`, rounded down per month.

use crate::roster::model::{PayInputs, PayResult, PaySystem};
use crm_core::{EmployeeId, Money, Percent};
use time::{Date, Duration};

/// `centi` hundredths of an hour at `rate` per hour, rounded down.
pub fn hourly_amount(centi: i64, rate: Money) -> Money {
    let product = i128::from(centi) * i128::from(rate.minor()) / 100;
    Money::from_minor(i64::try_from(product).unwrap_or(i64::MAX))
}

/// `pieces` at `rate` each.
pub fn piece_amount(pieces: i64, rate: Money) -> Money {
    let product = i128::from(pieces) * i128::from(rate.minor());
    Money::from_minor(i64::try_from(product).unwrap_or(i64::MAX))
}

/// `share` of `revenue`, rounded down; nothing of a negative revenue.
pub fn revenue_amount(revenue: Money, share: Percent) -> Money {
    Money::from_minor(share.share_of_minor(revenue.minor().max(0)))
}

fn days_in_month(date: Date) -> i64 {
    i64::from(date.month().length(date.year()))
}

/// A monthly salary over `from..=to`, prorated by calendar days per month, rounded down per
/// month.
pub fn salary_amount(monthly: Money, from: Date, to: Date) -> Money {
    let mut total: i128 = 0;
    let mut day = from;
    while day <= to {
        let month_days = days_in_month(day);
        let month_end = day
            .replace_day(u8::try_from(month_days).unwrap_or(28))
            .unwrap_or(day);
        let last = month_end.min(to);
        let covered = (last - day).whole_days() + 1;
        total += i128::from(monthly.minor()) * i128::from(covered) / i128::from(month_days);
        match last.checked_add(Duration::days(1)) {
            Some(next) => day = next,
            None => break,
        }
    }
    Money::from_minor(i64::try_from(total).unwrap_or(i64::MAX))
}

/// The accrual of one employee from their inputs.
pub fn compute(employee_id: EmployeeId, full_name: &str, inputs: &PayInputs) -> PayResult {
    let mut result = PayResult {
        employee_id,
        full_name: full_name.to_owned(),
        pay_system: inputs.pay.code(),
        hourly_rate: Money::ZERO,
        hours_centi: inputs.total_hours_centi,
        pieces: inputs.pieces,
        piece_amount: inputs.piece_amount,
        attributed_revenue: inputs.attributed_revenue,
        revenue_share: Percent::ZERO,
        revenue_amount: Money::ZERO,
        monthly_salary: Money::ZERO,
        amount: Money::ZERO,
    };
    result.amount = match inputs.pay {
        PaySystem::Hourly { hourly_rate } => {
            result.hourly_rate = hourly_rate;
            hourly_amount(inputs.total_hours_centi, hourly_rate)
        }
        PaySystem::Piecework { revenue_share, .. } => {
            result.revenue_share = revenue_share;
            result.revenue_amount = revenue_amount(inputs.attributed_revenue, revenue_share);
            inputs
                .piece_amount
                .checked_add(result.revenue_amount)
                .unwrap_or(inputs.piece_amount)
        }
        PaySystem::Salary { monthly_salary } => {
            result.monthly_salary = monthly_salary;
            salary_amount(monthly_salary, inputs.period.from, inputs.period.to)
        }
    };
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::model::Period;
    use time::macros::date;

    fn inputs(pay: PaySystem) -> PayInputs {
        PayInputs {
            pay,
            total_hours_centi: 0,
            pieces: 0,
            piece_amount: Money::ZERO,
            attributed_revenue: Money::ZERO,
            period: Period {
                from: date!(2026 - 11 - 01),
                to: date!(2026 - 11 - 30),
            },
        }
    }

    #[test]
    fn hourly_pay_is_hours_times_rate_rounded_down() {
        // 7.33 h × 333.33 = 2443.3089 → 2443.30
        assert_eq!(
            hourly_amount(733, Money::from_minor(333_33)),
            Money::from_minor(2443_30)
        );
        assert_eq!(hourly_amount(0, Money::from_minor(500_00)), Money::ZERO);
    }

    #[test]
    fn a_salary_is_prorated_by_calendar_days_per_month() {
        let salary = Money::from_minor(30_000_00);
        assert_eq!(
            salary_amount(salary, date!(2026 - 11 - 01), date!(2026 - 11 - 30)),
            salary
        );
        // 15 of 30 days in November + 1 of 31 in December: 15000 + 967.74 (rounded down).
        assert_eq!(
            salary_amount(salary, date!(2026 - 11 - 16), date!(2026 - 12 - 01)),
            Money::from_minor(15_967_74)
        );
    }

    #[test]
    fn piecework_adds_pieces_and_a_share_of_revenue_never_of_a_loss() {
        let mut i = inputs(PaySystem::Piecework {
            piece_rate: Money::from_minor(50_00),
            revenue_share: Percent::from_basis_points(750).unwrap_or_default(),
        });
        i.pieces = 3;
        i.piece_amount = Money::from_minor(150_00);
        i.attributed_revenue = Money::from_minor(1_000_01);
        let r = compute(EmployeeId(1), "Мастер", &i);
        // 7.5 % of 1000.01 = 75.00075 → 75.00
        assert_eq!(r.revenue_amount, Money::from_minor(75_00));
        assert_eq!(r.amount, Money::from_minor(225_00));
        i.attributed_revenue = Money::from_minor(-10_00);
        assert_eq!(
            compute(EmployeeId(1), "Мастер", &i).amount,
            Money::from_minor(150_00)
        );
    }
}
