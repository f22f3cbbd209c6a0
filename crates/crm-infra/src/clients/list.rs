//! The client list: one WHERE clause for both the page and its total, and the sort orders.

use crate::schema::{client_tags, clients};
use crm_clients::{ClientQuery, ClientSort, ClientSortField, ConsentKind};
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};
use diesel::sqlite::Sqlite;

/// The escape character of every `LIKE` pattern built here.
const LIKE_ESCAPE: char = '\\';

/// A condition on a client row, boxed so that the search can OR a variable number of them.
type Condition = Box<dyn BoxableExpression<clients::table, Sqlite, SqlType = Nullable<Bool>>>;

/// `%text%` with the wildcards and the escape character of `text` taken literally.
pub(super) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if c == '%' || c == '_' || c == LIKE_ESCAPE {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Applies the filters of `query` to a boxed query over `clients`, whatever it selects: the
/// page query and the count query share this one WHERE clause.
pub(super) fn filtered<'a, ST: 'a>(
    mut q: clients::BoxedQuery<'a, Sqlite, ST>,
    query: &ClientQuery,
) -> clients::BoxedQuery<'a, Sqlite, ST> {
    if let Some(search) = &query.search {
        // `name_fragment` is lower-cased by the domain, like `search_name`.
        let mut any: Condition = Box::new(
            clients::search_name
                .like(contains_pattern(&search.name_fragment))
                .escape(LIKE_ESCAPE)
                .nullable(),
        );
        if let Some(digits) = &search.phone_digits {
            any = Box::new(
                any.or(clients::phone
                    .like(contains_pattern(digits))
                    .escape(LIKE_ESCAPE)),
            );
        }
        if let Some(telegram_id) = search.telegram_id {
            any = Box::new(any.or(clients::telegram_id.eq(telegram_id)));
        }
        q = q.filter(any);
    }
    if let Some(level_id) = query.level_id {
        q = q.filter(clients::level_id.eq(level_id.get()));
    }
    if let Some(tag) = &query.tag {
        q = q.filter(
            clients::id.eq_any(
                client_tags::table
                    .filter(client_tags::tag.eq(tag.as_str().to_owned()))
                    .select(client_tags::client_id),
            ),
        );
    }
    if let Some(channel) = query.traffic_channel_id {
        q = q.filter(clients::traffic_channel_id.eq(channel.get()));
    }
    if let Some(kind) = query.consent {
        q = match kind {
            ConsentKind::PersonalData => q.filter(clients::consent_personal_data.eq(true)),
            ConsentKind::Marketing => q.filter(clients::consent_marketing.eq(true)),
            ConsentKind::Sms => q.filter(clients::consent_sms.eq(true)),
            ConsentKind::AppPush => q.filter(clients::consent_app_push.eq(true)),
            ConsentKind::Email => q.filter(clients::consent_email.eq(true)),
        };
    }
    if let Some(since) = query.purchased_since {
        q = q.filter(clients::last_purchase_at.ge(since.unix_millis()));
    }
    if let Some(before) = query.last_purchase_before {
        q = q
            .filter(clients::last_purchase_at.is_not_null())
            .filter(clients::last_purchase_at.lt(before.unix_millis()));
    }
    if query.never_purchased {
        q = q.filter(clients::last_purchase_at.is_null());
    }
    q
}

/// Orders by the sort column, ties broken by id in the same direction so pages never overlap.
/// Registration order is the id order; the name order is that of the lower-cased name.
pub(super) fn sorted<'a, ST: 'a>(
    q: clients::BoxedQuery<'a, Sqlite, ST>,
    sort: ClientSort,
) -> clients::BoxedQuery<'a, Sqlite, ST> {
    use clients::{id, last_purchase_at, points_balance, purchase_count, search_name, total_spent};
    match (sort.field, sort.descending) {
        (ClientSortField::CreatedAt, false) => q.order(id.asc()),
        (ClientSortField::CreatedAt, true) => q.order(id.desc()),
        (ClientSortField::FullName, false) => q.order((search_name.asc(), id.asc())),
        (ClientSortField::FullName, true) => q.order((search_name.desc(), id.desc())),
        (ClientSortField::TotalSpent, false) => q.order((total_spent.asc(), id.asc())),
        (ClientSortField::TotalSpent, true) => q.order((total_spent.desc(), id.desc())),
        (ClientSortField::LastPurchaseAt, false) => q.order((last_purchase_at.asc(), id.asc())),
        (ClientSortField::LastPurchaseAt, true) => q.order((last_purchase_at.desc(), id.desc())),
        (ClientSortField::PointsBalance, false) => q.order((points_balance.asc(), id.asc())),
        (ClientSortField::PointsBalance, true) => q.order((points_balance.desc(), id.desc())),
        (ClientSortField::PurchaseCount, false) => q.order((purchase_count.asc(), id.asc())),
        (ClientSortField::PurchaseCount, true) => q.order((purchase_count.desc(), id.desc())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("анна"), "%анна%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(contains_pattern(""), "%%");
    }
}
