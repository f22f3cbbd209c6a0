//! History rules: which fields of a card changed, with their old and new values as text.
//!
//! Pay terms are split into their parts (`pay_system`, `hourly_rate`, `piece_rate`,
//! `revenue_share`, `monthly_salary`) so that a rate change reads as one line. A field that did
//! not change writes nothing; a create lists every non-empty field with no old value.

use crate::roster::model::{format_date, CardFields, FieldChange, PaySystem};

fn pay_parts(pay: &PaySystem) -> Vec<(&'static str, Option<String>)> {
    let (hourly, piece, share, salary) = match pay {
        PaySystem::Hourly { hourly_rate } => (Some(hourly_rate.to_string()), None, None, None),
        PaySystem::Piecework {
            piece_rate,
            revenue_share,
        } => (
            None,
            Some(piece_rate.to_string()),
            Some(revenue_share.to_string()),
            None,
        ),
        PaySystem::Salary { monthly_salary } => {
            (None, None, None, Some(monthly_salary.to_string()))
        }
    };
    vec![
        ("pay_system", Some(pay.code().to_owned())),
        ("hourly_rate", hourly),
        ("piece_rate", piece),
        ("revenue_share", share),
        ("monthly_salary", salary),
    ]
}

fn values(card: &CardFields) -> Vec<(&'static str, Option<String>)> {
    let mut out = vec![
        ("full_name", Some(card.full_name.clone())),
        ("phone", card.phone.as_ref().map(|p| p.as_str().to_owned())),
        ("telegram_id", card.telegram_id.map(|t| t.to_string())),
        ("position", card.position.clone()),
        ("category_id", card.category_id.map(|c| c.to_string())),
        ("role", Some(card.role.code().to_owned())),
    ];
    out.extend(pay_parts(&card.pay));
    out.push(("hire_date", card.hire_date.map(format_date)));
    out.push(("notes", card.notes.clone()));
    out
}

/// The fields that differ between `old` and `new`, in card order.
pub fn diff(old: &CardFields, new: &CardFields) -> Vec<FieldChange> {
    values(old)
        .into_iter()
        .zip(values(new))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| FieldChange {
            field: field.to_owned(),
            old_value: a,
            new_value: b,
        })
        .collect()
}

/// What a new card records: each non-empty field, with no old value.
pub fn created(card: &CardFields) -> Vec<FieldChange> {
    values(card)
        .into_iter()
        .filter_map(|(field, v)| {
            v.map(|v| FieldChange {
                field: field.to_owned(),
                old_value: None,
                new_value: Some(v),
            })
        })
        .collect()
}

/// What archiving records.
pub fn archived() -> FieldChange {
    FieldChange {
        field: "archived".to_owned(),
        old_value: Some("false".to_owned()),
        new_value: Some("true".to_owned()),
    }
}
