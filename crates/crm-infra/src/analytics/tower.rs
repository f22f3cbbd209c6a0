//! The control tower's storage: [`TowerStore`] for [`SqliteAnalytics`] — counts and sums over
//! `operations`, `clients`, `appointments`, `products`/`stock_balances`, `dialogues`,
//! `feedback`, `deliveries`, `campaigns`, `campaign_events`, `stock_movements` and
//! `certificates`, plus the control tower's own tables (`control_tower_processes`,
//! `control_tower_policy`, `control_tower_goal`, `promotion_forecasts`).
//!
//! Every condition on a large table is a range on an indexed BIGINT millisecond column or an
//! equality on an indexed column (the indexes are in
//! `migrations/2026-11-24-000018_control_tower` and the tables' own migrations); the instants
//! inlined into the SQL are integers the service computed, and every text that comes from a
//! request is bound. The touch cap is read from and written to `system_settings` — the one
//! setting campaigns enforce — with an entry in `system_settings_changes` per changed field.

use super::SqliteAnalytics;
use crate::error::{map_diesel_error, Failure};
use crm_analytics::forecast::{ForecastAudience, ForecastHistory};
use crm_analytics::tower::model::{
    CertificateTypeFigure, FiguresWindow, Goal, GoalMetric, LowStock, PolicyPlan, ProcessCode,
    ProcessOverride, PromotionFigures, QualityFigures, StoredForecast, StoredPolicy, TowerFigures,
};
use crm_analytics::tower::TowerStore;
use crm_core::{Channel, Money, RepoError, Timestamp};
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{OptionalExtension, QueryableByName, RunQueryDsl};

const DAY: i64 = 86_400_000;

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = BigInt)]
    a: i64,
}

#[derive(QueryableByName)]
struct Two {
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
}

#[derive(QueryableByName)]
struct Five {
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
    #[diesel(sql_type = BigInt)]
    c: i64,
    #[diesel(sql_type = BigInt)]
    d: i64,
    #[diesel(sql_type = BigInt)]
    e: i64,
}

#[derive(QueryableByName)]
struct LowStockRow {
    #[diesel(sql_type = BigInt)]
    product_id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    quantity: i64,
    #[diesel(sql_type = BigInt)]
    threshold: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    location_id: Option<i64>,
}

#[derive(QueryableByName)]
struct OverrideRow {
    #[diesel(sql_type = Text)]
    process_code: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    baseline: Option<i64>,
    #[diesel(sql_type = BigInt)]
    target: i64,
    #[diesel(sql_type = Bool)]
    enabled: bool,
}

#[derive(QueryableByName)]
struct PolicyRow {
    #[diesel(sql_type = BigInt)]
    cap: i64,
    #[diesel(sql_type = BigInt)]
    period: i64,
    #[diesel(sql_type = Nullable<Text>)]
    priority: Option<String>,
}

#[derive(QueryableByName)]
struct GoalRow {
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = BigInt)]
    target: i64,
    #[diesel(sql_type = Text)]
    start_date: String,
    #[diesel(sql_type = BigInt)]
    days: i64,
    #[diesel(sql_type = Text)]
    set_by: String,
    #[diesel(sql_type = BigInt)]
    set_at: i64,
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    t: String,
}

#[derive(QueryableByName)]
struct CertificateTypeRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    nominal: i64,
    #[diesel(sql_type = BigInt)]
    price: i64,
    #[diesel(sql_type = BigInt)]
    validity_days: i64,
    #[diesel(sql_type = BigInt)]
    issued: i64,
}

#[derive(QueryableByName)]
struct ReferralRow {
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Text)]
    generations_bp: String,
    #[diesel(sql_type = Text)]
    reward_type: String,
}

fn one(conn: &mut SqliteConnection, sql: &str) -> Result<i64, diesel::result::Error> {
    Ok(diesel::sql_query(sql).get_result::<One>(conn)?.a)
}

fn two(conn: &mut SqliteConnection, sql: &str) -> Result<(i64, i64), diesel::result::Error> {
    let r = diesel::sql_query(sql).get_result::<Two>(conn)?;
    Ok((r.a, r.b))
}

fn bad(what: &str) -> RepoError {
    RepoError::Unavailable(format!("stored {what} is invalid"))
}

/// The SQL of the queries behind the figures, at `w` (exposed to the tests' query plans).
pub(crate) fn figure_queries(w: &FiguresWindow) -> Vec<(&'static str, String)> {
    let now = w.now.unix_millis();
    let (tf, tt, wt) = (
        w.today_from.unix_millis(),
        w.today_to.unix_millis(),
        w.week_to.unix_millis(),
    );
    let purchases = |from: i64, to: i64| {
        format!(
            "SELECT COUNT(*) AS a, COALESCE(SUM(total), 0) AS b FROM operations \
             WHERE created_at >= {from} AND created_at < {to} AND kind = 'purchase'"
        )
    };
    let birthdays = w
        .birthdays
        .iter()
        .filter(|b| b.len() == 5 && b.chars().all(|c| c.is_ascii_digit() || c == '-'))
        .map(|b| format!("'{b}'"))
        .collect::<Vec<_>>()
        .join(",");
    vec![
        ("sales_today", purchases(tf, tt)),
        ("sales_30d", purchases(now - 30 * DAY, now)),
        ("sales_prev_30d", purchases(now - 60 * DAY, now - 30 * DAY)),
        ("clients_total", "SELECT COUNT(*) AS a FROM clients".to_owned()),
        (
            "new_clients_30d",
            format!(
                "SELECT COUNT(*) AS a, COALESCE(SUM(first_purchase_at IS NOT NULL), 0) AS b \
                 FROM clients WHERE created_at >= {}",
                now - 30 * DAY
            ),
        ),
        (
            "active_clients_90d",
            format!(
                "SELECT COUNT(*) AS a, COALESCE(SUM(purchase_count >= 2), 0) AS b \
                 FROM clients WHERE last_purchase_at >= {}",
                now - 90 * DAY
            ),
        ),
        (
            "sleeping_clients",
            format!(
                "SELECT COUNT(*) AS a FROM clients WHERE last_purchase_at < {}",
                now - 60 * DAY
            ),
        ),
        (
            "appointments_today",
            format!(
                "SELECT COUNT(*) AS a FROM appointments \
                 WHERE starts_at >= {tf} AND starts_at < {tt} AND status <> 'cancelled'"
            ),
        ),
        (
            "appointments_7_days",
            format!(
                "SELECT COUNT(*) AS a FROM appointments \
                 WHERE starts_at >= {tf} AND starts_at < {wt} AND status <> 'cancelled'"
            ),
        ),
        (
            "no_shows_30d",
            format!(
                "SELECT COALESCE(SUM(status = 'no_show'), 0) AS a, \
                 COALESCE(SUM(status = 'completed'), 0) AS b FROM appointments \
                 WHERE starts_at >= {} AND starts_at < {now}",
                now - 30 * DAY
            ),
        ),
        (
            "no_shows_weeks",
            format!(
                "SELECT COALESCE(SUM(starts_at >= {w1}), 0) AS a, \
                 COALESCE(SUM(starts_at < {w1}), 0) AS b FROM appointments \
                 WHERE status = 'no_show' AND starts_at >= {w2} AND starts_at < {now}",
                w1 = now - 7 * DAY,
                w2 = now - 14 * DAY
            ),
        ),
        (
            "low_stock",
            "SELECT p.id AS product_id, p.name AS name, \
             COALESCE((SELECT SUM(b.quantity) FROM stock_balances b WHERE b.product_id = p.id), 0) AS quantity, \
             p.low_stock_threshold AS threshold, \
             (SELECT b.location_id FROM stock_balances b WHERE b.product_id = p.id \
              ORDER BY b.quantity, b.location_id LIMIT 1) AS location_id \
             FROM products p \
             WHERE p.low_stock_threshold IS NOT NULL AND p.archived_at IS NULL AND p.kind = 'product' \
             AND COALESCE((SELECT SUM(b.quantity) FROM stock_balances b WHERE b.product_id = p.id), 0) \
                 < p.low_stock_threshold \
             ORDER BY quantity, p.id"
                .to_owned(),
        ),
        (
            "unanswered_dialogues",
            "SELECT COUNT(*) AS a FROM dialogues WHERE unanswered = 1".to_owned(),
        ),
        (
            "unanswered_feedback",
            "SELECT COUNT(*) AS a FROM feedback WHERE answered_at IS NULL".to_owned(),
        ),
        (
            "feedback_30d",
            format!(
                "SELECT COUNT(*) AS a, COALESCE(SUM(answered_at IS NOT NULL \
                 AND answered_at - created_at <= {DAY}), 0) AS b FROM feedback \
                 WHERE created_at >= {} AND kind <> 'rating'",
                now - 30 * DAY
            ),
        ),
        (
            "referred_30d",
            format!(
                "SELECT COUNT(*) AS a FROM clients WHERE referrer_id IS NOT NULL AND created_at >= {}",
                now - 30 * DAY
            ),
        ),
        (
            "failed_deliveries_24h",
            format!(
                "SELECT COUNT(*) AS a FROM deliveries WHERE status = 'failed' AND updated_at >= {}",
                now - DAY
            ),
        ),
        (
            "birthdays_7d",
            format!(
                "SELECT COUNT(*) AS a FROM clients WHERE birthday IS NOT NULL \
                 AND substr(birthday, 6, 5) IN ({})",
                if birthdays.is_empty() {
                    "NULL".to_owned()
                } else {
                    birthdays
                }
            ),
        ),
        (
            "campaigns_awaiting",
            "SELECT COUNT(*) AS a, COALESCE(MIN(id), 0) AS b FROM campaigns \
             WHERE status = 'draft' AND wizard_step = 3"
                .to_owned(),
        ),
    ]
}

fn figures(
    conn: &mut SqliteConnection,
    w: &FiguresWindow,
) -> Result<TowerFigures, diesel::result::Error> {
    let mut f = TowerFigures::default();
    for (name, sql) in figure_queries(w) {
        match name {
            "sales_today" => (f.purchases_today, f.revenue_today) = two(conn, &sql)?,
            "sales_30d" => (f.purchases_30d, f.revenue_30d) = two(conn, &sql)?,
            "sales_prev_30d" => f.revenue_prev_30d = two(conn, &sql)?.1,
            "clients_total" => f.clients_total = one(conn, &sql)?,
            "new_clients_30d" => (f.new_clients_30d, f.new_clients_30d_buyers) = two(conn, &sql)?,
            "active_clients_90d" => (f.active_clients_90d, f.repeat_clients_90d) = two(conn, &sql)?,
            "sleeping_clients" => f.sleeping_clients_60d = one(conn, &sql)?,
            "appointments_today" => f.appointments_today = one(conn, &sql)?,
            "appointments_7_days" => f.appointments_next_7_days = one(conn, &sql)?,
            "no_shows_30d" => (f.no_shows_30d, f.completed_30d) = two(conn, &sql)?,
            "no_shows_weeks" => (f.no_shows_week, f.no_shows_prev_week) = two(conn, &sql)?,
            "low_stock" => {
                let rows = diesel::sql_query(sql).load::<LowStockRow>(conn)?;
                f.low_stock_count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
                f.low_stock = rows
                    .into_iter()
                    .take(20)
                    .map(|r| LowStock {
                        product_id: r.product_id,
                        name: r.name,
                        quantity: r.quantity,
                        threshold: r.threshold,
                        location_id: r.location_id,
                    })
                    .collect();
            }
            "unanswered_dialogues" => f.unanswered_dialogues = one(conn, &sql)?,
            "unanswered_feedback" => f.unanswered_feedback = one(conn, &sql)?,
            "feedback_30d" => (f.feedback_30d, f.feedback_30d_answered_in_time) = two(conn, &sql)?,
            "referred_30d" => f.referred_clients_30d = one(conn, &sql)?,
            "failed_deliveries_24h" => f.failed_deliveries_24h = one(conn, &sql)?,
            "birthdays_7d" => f.birthdays_7d = one(conn, &sql)?,
            "campaigns_awaiting" => {
                let (n, first) = two(conn, &sql)?;
                f.campaigns_awaiting_confirmation = n;
                f.first_awaiting_campaign = (n > 0).then_some(first);
            }
            _ => {}
        }
    }
    Ok(f)
}

/// The audience condition on `c` with the level ids bound as `?1` and the tags as `?2`
/// (JSON arrays).
const AUDIENCE: &str = "c.consent_personal_data = 1 AND c.consent_marketing = 1 \
    AND (?1 = '[]' OR c.level_id IN (SELECT value FROM json_each(?1))) \
    AND (?2 = '[]' OR EXISTS (SELECT 1 FROM client_tags t WHERE t.client_id = c.id \
         AND t.tag IN (SELECT value FROM json_each(?2))))";

/// The SQL of the forecast history's queries over `[from, to)` (exposed to the tests' plans);
/// the two audience queries take the binds of [`AUDIENCE`].
pub(crate) fn history_queries(from: i64, to: i64) -> Vec<(&'static str, String)> {
    vec![
        (
            "purchases",
            format!(
                "SELECT p.a AS a, p.b AS b, (SELECT COUNT(*) FROM clients c WHERE {}) AS c, \
                 0 AS d, 0 AS e FROM (SELECT COUNT(*) AS a, COALESCE(SUM(total), 0) AS b \
                 FROM operations WHERE created_at >= {from} AND created_at < {to} \
                 AND kind = 'purchase') p",
                super::bought_between(&from.to_string(), &to.to_string())
            ),
        ),
        (
            "first_time_buyers",
            format!(
                "SELECT COUNT(*) AS a FROM clients \
                 WHERE first_purchase_at >= {from} AND first_purchase_at < {to}"
            ),
        ),
        (
            "lines",
            format!(
                "SELECT COALESCE(SUM(-m.quantity * p.price / 1000), 0) AS a, \
                 COALESCE(SUM(-m.quantity * p.cost_price / 1000), 0) AS b \
                 FROM stock_movements m JOIN products p ON p.id = m.product_id \
                 WHERE m.kind = 'sale' AND m.created_at >= {from} AND m.created_at < {to} \
                 AND p.cost_price IS NOT NULL"
            ),
        ),
        (
            "campaign_messages",
            format!(
                "SELECT COUNT(*) AS a FROM deliveries WHERE source = 'campaign' \
                 AND created_at >= {from} AND created_at < {to} AND status IN ('sent', 'delivered')"
            ),
        ),
        (
            "campaign_conversions",
            format!(
                "SELECT COUNT(*) AS a FROM (SELECT DISTINCT campaign_id, client_id FROM campaign_events \
                 WHERE kind = 'conversion' AND at >= {from} AND at < {to})"
            ),
        ),
        (
            "audience_size",
            format!("SELECT COUNT(*) AS a FROM clients c WHERE {AUDIENCE}"),
        ),
        (
            "audience_purchases",
            format!(
                "SELECT COUNT(*) AS a FROM clients c CROSS JOIN operations o \
                 ON o.client_id = c.id AND o.kind = 'purchase' \
                 AND o.created_at >= {from} AND o.created_at < {to} WHERE {AUDIENCE}"
            ),
        ),
    ]
}

fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

impl TowerStore for SqliteAnalytics {
    fn figures(&self, window: &FiguresWindow) -> Result<TowerFigures, RepoError> {
        let mut conn = self.db.conn()?;
        figures(&mut conn, window).map_err(map_diesel_error)
    }

    fn overrides(&self) -> Result<Vec<ProcessOverride>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows = diesel::sql_query(
            "SELECT process_code, baseline, target, enabled FROM control_tower_processes",
        )
        .load::<OverrideRow>(&mut conn)
        .map_err(map_diesel_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(ProcessOverride {
                    code: ProcessCode::from_code(&r.process_code)
                        .ok_or_else(|| bad("process code"))?,
                    baseline: r.baseline,
                    target: r.target,
                    enabled: r.enabled,
                })
            })
            .collect()
    }

    fn save_overrides(
        &self,
        overrides: &[ProcessOverride],
        actor: &str,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        conn.immediate_transaction::<_, Failure, _>(|conn| {
            for o in overrides {
                diesel::sql_query(
                    "INSERT INTO control_tower_processes \
                     (process_code, baseline, target, enabled, updated_by, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                     ON CONFLICT (process_code) DO UPDATE SET baseline = excluded.baseline, \
                     target = excluded.target, enabled = excluded.enabled, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind::<Text, _>(o.code.code())
                .bind::<Nullable<BigInt>, _>(o.baseline)
                .bind::<BigInt, _>(o.target)
                .bind::<Bool, _>(o.enabled)
                .bind::<Text, _>(actor)
                .bind::<BigInt, _>(at.unix_millis())
                .execute(conn)?;
            }
            Ok(())
        })
        .map_err(|f| f.0)
    }

    fn policy(&self) -> Result<StoredPolicy, RepoError> {
        let mut conn = self.db.conn()?;
        let row = diesel::sql_query(
            "SELECT s.marketing_touch_cap AS cap, s.marketing_touch_period_days AS period, \
             (SELECT p.channel_priority FROM control_tower_policy p WHERE p.id = 1) AS priority \
             FROM system_settings s WHERE s.id = 1",
        )
        .get_result::<PolicyRow>(&mut conn)
        .map_err(map_diesel_error)?;
        let channel_priority = match row.priority {
            None => None,
            Some(text) => {
                let codes: Vec<String> =
                    serde_json::from_str(&text).map_err(|_| bad("channel priority"))?;
                Some(
                    codes
                        .iter()
                        .map(|c| Channel::from_code(c).ok_or_else(|| bad("channel")))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
        };
        Ok(StoredPolicy {
            touch_cap: u32::try_from(row.cap).map_err(|_| bad("touch cap"))?,
            touch_period_days: u32::try_from(row.period).map_err(|_| bad("touch period"))?,
            channel_priority,
        })
    }

    fn save_policy(&self, plan: &PolicyPlan, actor: &str, at: Timestamp) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        conn.immediate_transaction::<_, Failure, _>(|conn| {
            let changes = [
                ("communications.marketing_touch_cap", plan.touch_cap),
                (
                    "communications.marketing_touch_period_days",
                    plan.touch_period_days,
                ),
            ];
            if changes.iter().any(|(_, (old, new))| old != new) {
                diesel::sql_query(
                    "UPDATE system_settings SET marketing_touch_cap = ?1, \
                     marketing_touch_period_days = ?2, version = version + 1, \
                     updated_at = ?3, updated_by = ?4 WHERE id = 1",
                )
                .bind::<BigInt, _>(i64::from(plan.touch_cap.1))
                .bind::<BigInt, _>(i64::from(plan.touch_period_days.1))
                .bind::<BigInt, _>(at.unix_millis())
                .bind::<Text, _>(actor)
                .execute(conn)?;
                for (field, (old, new)) in changes.iter().filter(|(_, (o, n))| o != n) {
                    diesel::sql_query(
                        "INSERT INTO system_settings_changes (field, old_value, new_value, actor, at) \
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .bind::<Text, _>(*field)
                    .bind::<Text, _>(old.to_string())
                    .bind::<Text, _>(new.to_string())
                    .bind::<Text, _>(actor)
                    .bind::<BigInt, _>(at.unix_millis())
                    .execute(conn)?;
                }
            }
            if let Some(channels) = &plan.channel_priority {
                let codes: Vec<&str> = channels.iter().map(|c| c.code()).collect();
                diesel::sql_query(
                    "INSERT INTO control_tower_policy (id, channel_priority, updated_by, updated_at) \
                     VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET \
                     channel_priority = excluded.channel_priority, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind::<Text, _>(json_list(&codes))
                .bind::<Text, _>(actor)
                .bind::<BigInt, _>(at.unix_millis())
                .execute(conn)?;
            }
            Ok(())
        })
        .map_err(|f| f.0)
    }

    fn quality(&self) -> Result<QualityFigures, RepoError> {
        let mut conn = self.db.conn()?;
        let mut run = || -> Result<QualityFigures, diesel::result::Error> {
            let conn = &mut conn;
            let (duplicate_phone_groups, duplicate_phone_clients) =
                two(conn, QUALITY_PHONE_DUPLICATES)?;
            Ok(QualityFigures {
                clients_total: one(conn, "SELECT COUNT(*) AS a FROM clients")?,
                with_phone: one(
                    conn,
                    "SELECT COUNT(*) AS a FROM clients WHERE phone IS NOT NULL",
                )?,
                with_personal_data_consent: one(
                    conn,
                    "SELECT COUNT(*) AS a FROM clients WHERE consent_personal_data = 1",
                )?,
                with_marketing_consent: one(
                    conn,
                    "SELECT COUNT(*) AS a FROM clients \
                     WHERE consent_personal_data = 1 AND consent_marketing = 1",
                )?,
                duplicate_phone_groups,
                duplicate_phone_clients,
                duplicate_telegram_groups: one(conn, QUALITY_TELEGRAM_DUPLICATES)?,
            })
        };
        run().map_err(map_diesel_error)
    }

    fn goal(&self) -> Result<Option<Goal>, RepoError> {
        let mut conn = self.db.conn()?;
        let row = diesel::sql_query(
            "SELECT metric, target, start_date, days, set_by, set_at FROM control_tower_goal WHERE id = 1",
        )
        .get_result::<GoalRow>(&mut conn)
        .optional()
        .map_err(map_diesel_error)?;
        let Some(r) = row else { return Ok(None) };
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Ok(Some(Goal {
            metric: GoalMetric::from_code(&r.metric).ok_or_else(|| bad("goal metric"))?,
            target: r.target,
            start_date: time::Date::parse(&r.start_date, &format)
                .map_err(|_| bad("goal start date"))?,
            days: r.days,
            set_by: r.set_by,
            set_at: Timestamp::from_unix_millis(r.set_at).ok_or_else(|| bad("goal time"))?,
        }))
    }

    fn save_goal(&self, goal: &Goal) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let start = goal
            .start_date
            .format(&format)
            .map_err(|_| bad("goal start date"))?;
        diesel::sql_query(
            "INSERT INTO control_tower_goal (id, metric, target, start_date, days, set_by, set_at) \
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE SET \
             metric = excluded.metric, target = excluded.target, start_date = excluded.start_date, \
             days = excluded.days, set_by = excluded.set_by, set_at = excluded.set_at",
        )
        .bind::<Text, _>(goal.metric.code())
        .bind::<BigInt, _>(goal.target)
        .bind::<Text, _>(start)
        .bind::<BigInt, _>(goal.days)
        .bind::<Text, _>(&goal.set_by)
        .bind::<BigInt, _>(goal.set_at.unix_millis())
        .execute(&mut conn)
        .map_err(map_diesel_error)?;
        Ok(())
    }

    fn goal_value(
        &self,
        metric: GoalMetric,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Option<i64>, RepoError> {
        let mut conn = self.db.conn()?;
        let (from, to) = (from.unix_millis(), to.unix_millis());
        let purchases = format!(
            "SELECT COUNT(*) AS a, COALESCE(SUM(total), 0) AS b FROM operations \
             WHERE created_at >= {from} AND created_at < {to} AND kind = 'purchase'"
        );
        let value = match metric {
            GoalMetric::Revenue => Some(two(&mut conn, &purchases).map_err(map_diesel_error)?.1),
            GoalMetric::AverageCheck => {
                let (n, sum) = two(&mut conn, &purchases).map_err(map_diesel_error)?;
                (n > 0).then(|| sum / n)
            }
            GoalMetric::NewClients => Some(
                one(
                    &mut conn,
                    &format!(
                        "SELECT COUNT(*) AS a FROM clients WHERE created_at >= {from} AND created_at < {to}"
                    ),
                )
                .map_err(map_diesel_error)?,
            ),
            GoalMetric::RepeatRate => {
                let (buyers, repeat) = two(
                    &mut conn,
                    &format!(
                        "SELECT COUNT(*) AS a, COALESCE(SUM(n >= 2), 0) AS b FROM \
                         (SELECT client_id, COUNT(*) AS n FROM operations \
                          WHERE created_at >= {from} AND created_at < {to} AND kind = 'purchase' \
                          GROUP BY client_id)"
                    ),
                )
                .map_err(map_diesel_error)?;
                (buyers > 0).then(|| repeat * 10_000 / buyers)
            }
        };
        Ok(value)
    }

    fn forecast_history(
        &self,
        audience: &ForecastAudience,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ForecastHistory, RepoError> {
        let mut conn = self.db.conn()?;
        let levels: Vec<i64> = audience.level_ids.iter().map(|l| l.get()).collect();
        let (levels, tags) = (json_list(&levels), json_list(&audience.tags));
        let mut h = ForecastHistory::default();
        let run = |conn: &mut SqliteConnection,
                   h: &mut ForecastHistory|
         -> Result<(), diesel::result::Error> {
            for (name, sql) in history_queries(from.unix_millis(), to.unix_millis()) {
                match name {
                    "purchases" => {
                        let r = diesel::sql_query(sql).get_result::<Five>(conn)?;
                        (h.purchases, h.revenue, h.buyers) = (r.a, r.b, r.c);
                        let _ = (r.d, r.e);
                    }
                    "first_time_buyers" => h.first_time_buyers = one(conn, &sql)?,
                    "lines" => (h.lines_price, h.lines_cost) = two(conn, &sql)?,
                    "campaign_messages" => h.campaign_messages = one(conn, &sql)?,
                    "campaign_conversions" => h.campaign_conversions = one(conn, &sql)?,
                    "audience_size" | "audience_purchases" => {
                        let n = diesel::sql_query(sql)
                            .bind::<Text, _>(&levels)
                            .bind::<Text, _>(&tags)
                            .get_result::<One>(conn)?
                            .a;
                        if name == "audience_size" {
                            h.audience_size = n;
                        } else {
                            h.audience_purchases = n;
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        };
        run(&mut conn, &mut h).map_err(map_diesel_error)?;
        Ok(h)
    }

    fn save_forecast(&self, forecast: &StoredForecast) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        let parameters =
            serde_json::to_string(&forecast.parameters).map_err(|_| bad("forecast parameters"))?;
        let result = serde_json::to_string(forecast).map_err(|_| bad("forecast"))?;
        diesel::sql_query(
            "INSERT INTO promotion_forecasts (parameters, result, created_by, created_at) \
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind::<Text, _>(parameters)
        .bind::<Text, _>(result)
        .bind::<Text, _>(&forecast.created_by)
        .bind::<BigInt, _>(forecast.created_at.unix_millis())
        .execute(&mut conn)
        .map_err(map_diesel_error)?;
        Ok(())
    }

    fn latest_forecast(&self) -> Result<Option<StoredForecast>, RepoError> {
        let mut conn = self.db.conn()?;
        let row = diesel::sql_query(
            "SELECT result AS t FROM promotion_forecasts ORDER BY id DESC LIMIT 1",
        )
        .get_result::<TextRow>(&mut conn)
        .optional()
        .map_err(map_diesel_error)?;
        row.map(|r| serde_json::from_str(&r.t).map_err(|_| bad("forecast")))
            .transpose()
    }

    fn promotion(&self, now: Timestamp) -> Result<PromotionFigures, RepoError> {
        let mut conn = self.db.conn()?;
        let now = now.unix_millis();
        let mut run = || -> Result<PromotionFigures, diesel::result::Error> {
            let conn = &mut conn;
            let types = diesel::sql_query(
                "SELECT t.id, t.name, t.nominal, t.price, t.validity_days, \
                 (SELECT COUNT(*) FROM certificates c WHERE c.type_id = t.id) AS issued \
                 FROM certificate_types t WHERE t.archived_at IS NULL ORDER BY t.id",
            )
            .load::<CertificateTypeRow>(conn)?;
            let certs = diesel::sql_query(format!(
                "SELECT COUNT(*) AS a, COALESCE(SUM(price), 0) AS b, COALESCE(SUM(nominal), 0) AS c, \
                 COALESCE(SUM(balance > 0 AND expires_at > {now}), 0) AS d, \
                 COALESCE(SUM(CASE WHEN balance > 0 AND expires_at > {now} THEN balance ELSE 0 END), 0) AS e \
                 FROM certificates"
            ))
            .get_result::<Five>(conn)?;
            let referral = diesel::sql_query(
                "SELECT enabled, generations_bp, reward_type FROM referral_config WHERE id = 1",
            )
            .get_result::<ReferralRow>(conn)
            .optional()?;
            let referred = one(
                conn,
                "SELECT COUNT(*) AS a FROM clients WHERE referrer_id IS NOT NULL",
            )?;
            Ok(PromotionFigures {
                certificate_types: types
                    .into_iter()
                    .map(|t| CertificateTypeFigure {
                        id: t.id,
                        name: t.name,
                        nominal: Money::from_minor(t.nominal),
                        price: Money::from_minor(t.price),
                        validity_days: t.validity_days,
                        issued: t.issued,
                    })
                    .collect(),
                certificates_issued: certs.a,
                certificates_sold_sum: certs.b,
                certificates_nominal_sum: certs.c,
                certificates_active: certs.d,
                certificates_balance_sum: certs.e,
                referral_enabled: referral.as_ref().is_some_and(|r| r.enabled),
                referral_generations_bp: referral
                    .as_ref()
                    .map(|r| {
                        r.generations_bp
                            .split(',')
                            .filter_map(|g| g.trim().parse().ok())
                            .collect()
                    })
                    .unwrap_or_default(),
                referral_reward_type: referral
                    .map_or_else(|| "points".to_owned(), |r| r.reward_type),
                referred_clients: referred,
            })
        };
        run().map_err(map_diesel_error)
    }
}

/// Groups of clients whose phones have the same last ten digits (different spellings of one
/// number), and the clients in them; over the phone index only.
pub(crate) const QUALITY_PHONE_DUPLICATES: &str =
    "SELECT COUNT(*) AS a, COALESCE(SUM(n), 0) AS b FROM \
    (SELECT COUNT(*) AS n FROM clients WHERE phone IS NOT NULL \
     GROUP BY substr(replace(replace(replace(replace(replace(phone, '+', ''), ' ', ''), '-', ''), \
     '(', ''), ')', ''), -10) HAVING COUNT(*) > 1)";

/// Groups of clients sharing a Telegram id.
pub(crate) const QUALITY_TELEGRAM_DUPLICATES: &str = "SELECT COUNT(*) AS a FROM \
    (SELECT telegram_id FROM clients WHERE telegram_id IS NOT NULL \
     GROUP BY telegram_id HAVING COUNT(*) > 1)";

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::{at, exec, fresh_db};
    use crm_analytics::forecast::ForecastAudience;
    use crm_core::LevelId;

    /// 2026-11-24T12:00:00Z.
    const NOW: i64 = 1_795_521_600_000;

    fn window() -> FiguresWindow {
        FiguresWindow {
            now: at(NOW),
            today_from: at(NOW - 12 * 3_600_000),
            today_to: at(NOW + 12 * 3_600_000),
            week_to: at(NOW + 12 * 3_600_000 + 6 * DAY),
            birthdays: (24..=30).map(|d| format!("11-{d}")).collect(),
        }
    }

    fn client(db: &crate::db::Database, id: i64, extra: &str, values: &str) {
        exec(
            db,
            &format!(
                "INSERT INTO clients (id, full_name, search_name, created_at, updated_at{extra}) \
                 VALUES ({id}, 'c{id}', 'c{id}', {}, {}{values})",
                NOW - 100 * DAY,
                NOW - 100 * DAY
            ),
        );
    }

    fn purchase(db: &crate::db::Database, client: i64, total: i64, when: i64) {
        exec(
            db,
            &format!(
                "INSERT INTO operations (kind, client_id, total, reward_type, actor, created_at) \
                 VALUES ('purchase', {client}, {total}, 'points', 'employee:1', {when})"
            ),
        );
        // As the checkout does: the client's first and last purchase span their purchases.
        exec(
            db,
            &format!(
                "UPDATE clients SET \
                 first_purchase_at = MIN(COALESCE(first_purchase_at, {when}), {when}), \
                 last_purchase_at = MAX(COALESCE(last_purchase_at, {when}), {when}) \
                 WHERE id = {client}"
            ),
        );
    }

    #[test]
    fn figures_are_exact() {
        let (_dir, db) = fresh_db();
        // Clients 1..=3 sleeping (last purchase 61+ days ago), 4 active with 2 purchases,
        // 5 new (registered 10 days ago) with a purchase, 6 new without, 7 referred by 4.
        for id in 1..=3 {
            client(
                &db,
                id,
                ", last_purchase_at, purchase_count, first_purchase_at",
                &format!(", {}, 1, {}", NOW - (61 + id) * DAY, NOW - 90 * DAY),
            );
        }
        client(
            &db,
            4,
            ", last_purchase_at, purchase_count, birthday, phone",
            &format!(", {}, 2, '1990-11-26', '+79001112233'", NOW - 2 * DAY),
        );
        exec(&db, &format!(
            "INSERT INTO clients (id, full_name, search_name, created_at, updated_at, last_purchase_at, purchase_count, first_purchase_at) \
             VALUES (5, 'n', 'n', {c}, {c}, {p}, 1, {p})", c = NOW - 10 * DAY, p = NOW - 3 * 3_600_000));
        exec(
            &db,
            &format!(
            "INSERT INTO clients (id, full_name, search_name, created_at, updated_at, birthday) \
             VALUES (6, 'n', 'n', {c}, {c}, '2000-12-25')", c = NOW - 5 * DAY),
        );
        exec(
            &db,
            &format!(
            "INSERT INTO clients (id, full_name, search_name, created_at, updated_at, referrer_id) \
             VALUES (7, 'r', 'r', {c}, {c}, 4)", c = NOW - DAY),
        );
        // Purchases: two today (10.00 + 25.50), one 40 days ago.
        purchase(&db, 4, 1_000, NOW - 2 * 3_600_000);
        purchase(&db, 5, 2_550, NOW - 3 * 3_600_000);
        purchase(&db, 4, 7_000, NOW - 40 * DAY);
        // Appointments: an employee, a service; today 1 scheduled + 1 cancelled, in 3 days 1;
        // 3 days ago a no-show, 10 days ago a no-show and a completed one.
        exec(&db, "INSERT INTO employees (id, full_name, role, created_at, updated_at) VALUES (1, 'e', 'master', 0, 0)");
        exec(&db, "INSERT INTO products (id, kind, name, name_lower, price, unit, created_at, updated_at) VALUES (1, 'service', 's', 's', 100, 'pc', 0, 0)");
        for (starts, status) in [
            (NOW + 3_600_000, "scheduled"),
            (NOW + 2 * 3_600_000, "cancelled"),
            (NOW + 3 * DAY, "scheduled"),
            (NOW - 3 * DAY, "no_show"),
            (NOW - 10 * DAY, "no_show"),
            (NOW - 10 * DAY, "completed"),
        ] {
            exec(&db, &format!(
                "INSERT INTO appointments (client_id, service_id, employee_id, starts_at, ends_at, status, source, created_by, created_at, updated_at) \
                 VALUES (4, 1, 1, {starts}, {}, '{status}', 'admin', 'x', 0, 0)", starts + 3_600_000));
        }
        // Stock: product 2 below its threshold (1 of 5 at location 1), product 3 above.
        exec(
            &db,
            "INSERT INTO locations (id, kind, name, created_at) VALUES (1, 'warehouse', 'w', 0)",
        );
        exec(&db, "INSERT INTO products (id, kind, name, name_lower, price, unit, low_stock_threshold, created_at, updated_at) VALUES (2, 'product', 'Шампунь', 'шампунь', 100, 'pc', 5000, 0, 0), (3, 'product', 'Маска', 'маска', 100, 'pc', 1000, 0, 0)");
        exec(&db, "INSERT INTO stock_balances (product_id, location_id, quantity, last_movement_at) VALUES (2, 1, 1000, 0), (3, 1, 2000, 0)");
        // A client message without a reply.
        exec(&db, "INSERT INTO messages (id, client_id, direction, channel, text, source, status, created_at, updated_at) VALUES (1, 6, 'inbound', 'telegram', 'hi', 'app', 'received', 0, 0)");
        exec(&db, "INSERT INTO dialogues (client_id, last_message_id, last_direction, last_message_at, last_inbound_message_id, last_inbound_at, unanswered) VALUES (6, 1, 'inbound', 0, 1, 0, 1)");
        // Feedback: a complaint answered in 2 hours, a question unanswered, a rating.
        exec(&db, "INSERT INTO messages (id, client_id, direction, channel, text, source, status, created_at, updated_at) VALUES (2, 4, 'outbound', 'telegram', 'ok', 'feedback_answer', 'queued', 0, 0)");
        exec(&db, &format!(
            "INSERT INTO feedback (client_id, kind, text, source, created_by, answer_text, answered_at, answered_by, answer_message_id, created_at, updated_at) \
             VALUES (4, 'complaint', 'bad', 'app', 'x', 'sorry', {a}, 1, 2, {c}, {c})", c = NOW - 5 * DAY, a = NOW - 5 * DAY + 2 * 3_600_000));
        exec(&db, &format!(
            "INSERT INTO feedback (client_id, kind, text, source, created_by, created_at, updated_at) \
             VALUES (5, 'question', 'when?', 'app', 'x', {c}, {c})", c = NOW - 2 * DAY));
        exec(&db, &format!(
            "INSERT INTO feedback (client_id, kind, product_id, rating, source, created_by, created_at, updated_at) \
             VALUES (5, 'rating', 1, 5, 'app', 'x', {c}, {c})", c = NOW - 2 * DAY));
        // Deliveries: one failed an hour ago, one failed two days ago.
        for (i, t) in [(1, NOW - 3_600_000), (2, NOW - 2 * DAY)] {
            exec(&db, &format!(
                "INSERT INTO deliveries (source, client_id, channel, recipient, text, status, not_before, dedupe_key, created_at, updated_at) \
                 VALUES ('campaign', 4, 'telegram', '1', 't', 'failed', {t}, 'k{i}', {t}, {t})"));
        }
        // Campaigns: one ready for confirmation, one started at step 1, one running.
        exec(&db, "INSERT INTO campaigns (id, name, status, wizard_step, created_by, created_at, updated_at) VALUES (5, 'a', 'draft', 3, 'x', 0, 0), (6, 'b', 'draft', 1, 'x', 0, 0), (7, 'c', 'running', 4, 'x', 0, 0)");

        let f = SqliteAnalytics::new(db).figures(&window()).unwrap();
        assert_eq!((f.purchases_today, f.revenue_today), (2, 3_550));
        assert_eq!((f.purchases_30d, f.revenue_30d), (2, 3_550));
        assert_eq!(f.revenue_prev_30d, 7_000);
        assert_eq!(f.clients_total, 7);
        assert_eq!((f.new_clients_30d, f.new_clients_30d_buyers), (3, 1));
        // Clients 1..=3 (last purchase 62–64 days ago), 4 and 5; only 4 bought twice.
        assert_eq!((f.active_clients_90d, f.repeat_clients_90d), (5, 1));
        assert_eq!(f.sleeping_clients_60d, 3);
        assert_eq!((f.appointments_today, f.appointments_next_7_days), (1, 2));
        assert_eq!((f.no_shows_30d, f.completed_30d), (2, 1));
        assert_eq!((f.no_shows_week, f.no_shows_prev_week), (1, 1));
        assert_eq!(f.low_stock_count, 1);
        assert_eq!(
            f.low_stock,
            vec![LowStock {
                product_id: 2,
                name: "Шампунь".into(),
                quantity: 1_000,
                threshold: 5_000,
                location_id: Some(1),
            }]
        );
        assert_eq!(f.unanswered_dialogues, 1);
        assert_eq!(f.unanswered_feedback, 2);
        assert_eq!((f.feedback_30d, f.feedback_30d_answered_in_time), (2, 1));
        assert_eq!(f.referred_clients_30d, 1);
        assert_eq!(f.failed_deliveries_24h, 1);
        // 11-26 is within 11-24..11-30; 12-25 is not.
        assert_eq!(f.birthdays_7d, 1);
        assert_eq!(
            (f.campaigns_awaiting_confirmation, f.first_awaiting_campaign),
            (1, Some(5))
        );
    }

    #[test]
    fn policy_writes_the_settings_the_campaigns_enforce() {
        let (_dir, db) = fresh_db();
        let store = SqliteAnalytics::new(db.clone());
        let p = store.policy().unwrap();
        assert_eq!(
            (p.touch_cap, p.touch_period_days, p.channel_priority),
            (3, 7, None)
        );
        store
            .save_policy(
                &PolicyPlan {
                    touch_cap: (3, 5),
                    touch_period_days: (7, 7),
                    channel_priority: Some(vec![Channel::Sms, Channel::Telegram]),
                },
                "employee:1",
                at(NOW),
            )
            .unwrap();
        let p = store.policy().unwrap();
        assert_eq!(p.touch_cap, 5);
        assert_eq!(
            p.channel_priority,
            Some(vec![Channel::Sms, Channel::Telegram])
        );
        let mut conn = db.conn().unwrap();
        assert_eq!(
            one(
                &mut conn,
                "SELECT marketing_touch_cap AS a FROM system_settings"
            )
            .unwrap(),
            5
        );
        assert_eq!(
            one(
                &mut conn,
                "SELECT COUNT(*) AS a FROM system_settings_changes \
                 WHERE field = 'communications.marketing_touch_cap' AND old_value = '3' AND new_value = '5'"
            )
            .unwrap(),
            1
        );
    }

    #[test]
    fn quality_counts_duplicates_by_digits() {
        let (_dir, db) = fresh_db();
        client(
            &db,
            1,
            ", phone, consent_personal_data, consent_marketing",
            ", '+79001234567', 1, 1",
        );
        client(
            &db,
            2,
            ", phone, consent_personal_data",
            ", '8 (900) 123-45-67', 1",
        );
        client(&db, 3, ", telegram_id", ", 42");
        let q = SqliteAnalytics::new(db).quality().unwrap();
        assert_eq!(
            q,
            QualityFigures {
                clients_total: 3,
                with_phone: 2,
                with_personal_data_consent: 2,
                with_marketing_consent: 1,
                duplicate_phone_groups: 1,
                duplicate_phone_clients: 2,
                duplicate_telegram_groups: 0,
            }
        );
    }

    #[test]
    fn goals_overrides_and_goal_values() {
        let (_dir, db) = fresh_db();
        client(&db, 1, "", "");
        client(&db, 2, "", "");
        purchase(&db, 1, 1_000, NOW - DAY);
        purchase(&db, 1, 3_000, NOW - 2 * DAY);
        purchase(&db, 2, 2_000, NOW - 3 * DAY);
        purchase(&db, 2, 9_000, NOW - 30 * DAY);
        let store = SqliteAnalytics::new(db);
        assert_eq!(store.goal().unwrap(), None);
        let goal = Goal {
            metric: GoalMetric::Revenue,
            target: 100_000,
            start_date: time::macros::date!(2026 - 11 - 01),
            days: 90,
            set_by: "employee:1".into(),
            set_at: at(NOW),
        };
        store.save_goal(&goal).unwrap();
        assert_eq!(store.goal().unwrap(), Some(goal));
        let (from, to) = (at(NOW - 10 * DAY), at(NOW));
        assert_eq!(
            store.goal_value(GoalMetric::Revenue, from, to).unwrap(),
            Some(6_000)
        );
        assert_eq!(
            store
                .goal_value(GoalMetric::AverageCheck, from, to)
                .unwrap(),
            Some(2_000)
        );
        // Client 1 bought twice, client 2 once in the window: 50 %.
        assert_eq!(
            store.goal_value(GoalMetric::RepeatRate, from, to).unwrap(),
            Some(5_000)
        );
        assert_eq!(
            store.goal_value(GoalMetric::NewClients, from, to).unwrap(),
            Some(0)
        );
        assert_eq!(
            store
                .goal_value(GoalMetric::AverageCheck, at(0), at(1))
                .unwrap(),
            None
        );

        let o = ProcessOverride {
            code: ProcessCode::RepeatVisit,
            baseline: Some(100),
            target: 200,
            enabled: false,
        };
        store.save_overrides(&[o], "employee:1", at(NOW)).unwrap();
        store
            .save_overrides(
                &[ProcessOverride { target: 300, ..o }],
                "employee:1",
                at(NOW),
            )
            .unwrap();
        assert_eq!(
            store.overrides().unwrap(),
            vec![ProcessOverride { target: 300, ..o }]
        );
    }

    #[test]
    fn forecast_history_is_exact() {
        let (_dir, db) = fresh_db();
        exec(&db, "INSERT INTO loyalty_levels (id, name, created_at, updated_at) VALUES (1, 'Gold', 0, 0)");
        client(
            &db,
            1,
            ", consent_personal_data, consent_marketing, level_id, first_purchase_at",
            &format!(", 1, 1, 1, {}", NOW - 5 * DAY),
        );
        client(
            &db,
            2,
            ", consent_personal_data, consent_marketing",
            ", 1, 1",
        );
        client(
            &db,
            3,
            ", consent_personal_data, consent_marketing, level_id",
            ", 1, 0, 1",
        );
        exec(
            &db,
            "INSERT INTO client_tags (client_id, tag) VALUES (2, 'vip')",
        );
        purchase(&db, 1, 1_000, NOW - 5 * DAY);
        purchase(&db, 1, 2_000, NOW - 4 * DAY);
        purchase(&db, 2, 3_000, NOW - 3 * DAY);
        purchase(&db, 3, 6_000, NOW - 2 * DAY);
        purchase(&db, 3, 6_000, NOW - 100 * DAY);
        // Goods sold: 2 units at 10.00 costing 6.00; a product without cost price ignored.
        exec(
            &db,
            "INSERT INTO locations (id, kind, name, created_at) VALUES (1, 'warehouse', 'w', 0)",
        );
        exec(&db, "INSERT INTO products (id, kind, name, name_lower, price, cost_price, unit, created_at, updated_at) VALUES (1, 'product', 'a', 'a', 1000, 600, 'pc', 0, 0), (2, 'product', 'b', 'b', 500, NULL, 'pc', 0, 0)");
        for (p, q) in [(1, -2000), (2, -1000)] {
            exec(&db, &format!(
                "INSERT INTO stock_movements (product_id, location_id, kind, quantity, balance_after, operation_id, actor, created_at) \
                 VALUES ({p}, 1, 'sale', {q}, 0, 1, 'x', {})", NOW - 5 * DAY));
        }
        // Campaign: 4 messages sent/delivered, 1 failed; 1 client converted (twice recorded).
        exec(&db, "INSERT INTO campaigns (id, name, status, wizard_step, created_by, created_at, updated_at) VALUES (1, 'a', 'completed', 4, 'x', 0, 0)");
        for (i, status) in ["sent", "delivered", "sent", "delivered", "failed"]
            .iter()
            .enumerate()
        {
            exec(&db, &format!(
                "INSERT INTO deliveries (source, campaign_id, client_id, channel, recipient, text, status, not_before, dedupe_key, created_at, updated_at) \
                 VALUES ('campaign', 1, 1, 'telegram', '1', 't', '{status}', 0, 'k{i}', {t}, {t})", t = NOW - 6 * DAY));
        }
        for _ in 0..2 {
            exec(&db, &format!(
                "INSERT INTO campaign_events (campaign_id, client_id, kind, source, at) VALUES (1, 1, 'conversion', 'purchase', {})", NOW - 5 * DAY));
        }
        let store = SqliteAnalytics::new(db);
        let all = store
            .forecast_history(&ForecastAudience::default(), at(NOW - 90 * DAY), at(NOW))
            .unwrap();
        assert_eq!(
            all,
            ForecastHistory {
                purchases: 4,
                revenue: 12_000,
                buyers: 3,
                first_time_buyers: 2, // clients 1 and 2 first bought 5 and 3 days ago
                audience_size: 2,
                audience_purchases: 3,
                lines_price: 2_000,
                lines_cost: 1_200,
                campaign_messages: 4,
                campaign_conversions: 1,
            }
        );
        let gold = store
            .forecast_history(
                &ForecastAudience {
                    level_ids: vec![LevelId(1)],
                    tags: vec![],
                },
                at(NOW - 90 * DAY),
                at(NOW),
            )
            .unwrap();
        // Client 3 is gold but has no marketing consent.
        assert_eq!((gold.audience_size, gold.audience_purchases), (1, 2));
        let vip = store
            .forecast_history(
                &ForecastAudience {
                    level_ids: vec![],
                    tags: vec!["vip".into()],
                },
                at(NOW - 90 * DAY),
                at(NOW),
            )
            .unwrap();
        assert_eq!((vip.audience_size, vip.audience_purchases), (1, 1));
    }

    #[test]
    fn forecasts_and_promotion_figures_are_stored_and_read() {
        let (_dir, db) = fresh_db();
        exec(&db, "INSERT INTO certificate_types (id, name, nominal, price, validity_days, created_at, updated_at) VALUES (1, 'A', 100000, 90000, 365, 0, 0), (2, 'Old', 5000, 5000, 30, 0, 0)");
        exec(
            &db,
            "UPDATE certificate_types SET archived_at = 1 WHERE id = 2",
        );
        exec(&db, &format!(
            "INSERT INTO certificates (code, type_id, nominal, balance, price, issued_at, expires_at, created_at) VALUES \
             ('A1', 1, 100000, 40000, 90000, 0, {f}, 0), ('A2', 1, 100000, 0, 90000, 0, {f}, 0), ('B1', 2, 5000, 5000, 5000, 0, {p}, 0)",
            f = NOW + DAY, p = NOW - DAY));
        let store = SqliteAnalytics::new(db);
        let p = store.promotion(at(NOW)).unwrap();
        assert_eq!(p.certificate_types.len(), 1);
        assert_eq!(p.certificate_types[0].issued, 2);
        assert_eq!(
            (
                p.certificates_issued,
                p.certificates_active,
                p.certificates_sold_sum,
                p.certificates_nominal_sum,
                p.certificates_balance_sum
            ),
            (3, 1, 185_000, 205_000, 40_000)
        );
        assert!(p.referral_enabled);
        assert_eq!(p.referral_generations_bp, vec![500]);

        assert_eq!(store.latest_forecast().unwrap(), None);
        let params = crm_analytics::tower::service::default_parameters();
        let forecast = crm_analytics::forecast::forecast(&params, &ForecastHistory::default());
        for n in [1, 2] {
            store
                .save_forecast(&StoredForecast {
                    parameters: params.clone(),
                    forecast: forecast.clone(),
                    created_by: format!("employee:{n}"),
                    created_at: at(NOW),
                })
                .unwrap();
        }
        assert_eq!(
            store.latest_forecast().unwrap().unwrap().created_by,
            "employee:2"
        );
    }

    #[derive(QueryableByName)]
    struct PlanRow {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    #[test]
    fn no_query_scans_a_large_table() {
        let (_dir, db) = fresh_db();
        let mut conn = db.conn().unwrap();
        let mut queries: Vec<String> = figure_queries(&window())
            .into_iter()
            .map(|(_, q)| q)
            .collect();
        queries.extend(
            history_queries(NOW - 90 * DAY, NOW)
                .into_iter()
                .map(|(_, q)| q),
        );
        queries.push(QUALITY_PHONE_DUPLICATES.to_owned());
        queries.push(QUALITY_TELEGRAM_DUPLICATES.to_owned());
        queries.push("SELECT COUNT(*) AS a FROM clients WHERE phone IS NOT NULL".to_owned());
        queries.push(
            "SELECT COUNT(*) AS a FROM clients WHERE consent_personal_data = 1 AND consent_marketing = 1"
                .to_owned(),
        );
        let large = [
            "operations",
            "clients",
            "deliveries",
            "messages",
            "dialogues",
            "feedback",
            "appointments",
            "o",
            "c",
        ];
        for sql in queries {
            let plan = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                .bind::<Text, _>("[]")
                .bind::<Text, _>("[]")
                .load::<PlanRow>(&mut conn)
                .unwrap_or_else(|_| {
                    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                        .load::<PlanRow>(&mut conn)
                        .unwrap()
                });
            for row in plan {
                let words: Vec<&str> = row.detail.split_whitespace().collect();
                if words.first() == Some(&"SCAN") && words.get(1).is_some_and(|t| large.contains(t))
                {
                    assert!(
                        row.detail.contains("USING"),
                        "full scan in {sql}: {}",
                        row.detail
                    );
                }
            }
        }
    }
}
