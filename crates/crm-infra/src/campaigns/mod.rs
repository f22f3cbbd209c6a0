//! [`SqliteCampaignRepository`]: campaigns in SQLite, implementing
//! [`crm_comms::campaigns::CampaignRepository`].
//!
//! A campaign is one `campaigns` row whose parts (channels, audience, content, schedule) are
//! JSON documents. The audience is one SQL query over `clients` (+ `client_tags`) with the
//! consent, contact and touch-frequency rules of the channel in the `WHERE` clause, read in
//! keyset batches (`id > ?` ordered by id); birthday windows are dates in the business timezone
//! of `system_settings`. The cap and the conversion window are columns of `system_settings`.
//! Cancelling a campaign and failing its queued deliveries is one transaction; completion of
//! finished running campaigns is one `UPDATE`. Messages a run did not queue (too long once
//! personalised) are rows of `campaign_skips` under the dedupe key their delivery would have
//! carried. Statistics are aggregates over `deliveries`, `campaign_skips`, `campaign_events`
//! and `operations`.

mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::error::{corrupt, stored_time, Failure};
use crm_clients::settings::model::DEFAULT_TIMEZONE;
use crm_comms::campaigns::model::NewCampaign;
use crm_comms::campaigns::ports::{AudienceQuery, DeliveryOwner, SkippedMessage};
use crm_comms::campaigns::{
    Audience, Campaign, CampaignDraft, CampaignRepository, CampaignStats, CampaignStatus,
    ChannelReach, Content, Purpose, Recipient, Schedule, Section, TrackedEvent,
};
use crm_core::{
    CampaignId, Channel, ClientId, Money, Page, PageRequest, Points, RepoError, Timestamp,
};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use schema::{campaign_events, campaigns};
use time_tz::OffsetDateTimeExt;

/// Campaigns stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteCampaignRepository {
    db: Database,
}

impl SqliteCampaignRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A `campaigns` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = campaigns)]
struct CampaignRow {
    id: i64,
    name: String,
    status: String,
    purpose: String,
    channels: String,
    audience: String,
    content: String,
    schedule: String,
    wizard_step: i64,
    launched_at: Option<i64>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

impl CampaignRow {
    fn into_campaign(self) -> Result<Campaign, RepoError> {
        let id = self.id;
        let bad = |what: &str| corrupt(what, id);
        let channels: Vec<Channel> =
            serde_json::from_str(&self.channels).map_err(|_| bad("campaign channels"))?;
        let audience: Audience =
            serde_json::from_str(&self.audience).map_err(|_| bad("campaign audience"))?;
        let content: Content =
            serde_json::from_str(&self.content).map_err(|_| bad("campaign content"))?;
        let schedule: Schedule =
            serde_json::from_str(&self.schedule).map_err(|_| bad("campaign schedule"))?;
        Ok(Campaign {
            id: CampaignId(id),
            draft: CampaignDraft {
                name: self.name,
                purpose: Purpose::from_code(&self.purpose)
                    .ok_or_else(|| bad("campaign purpose"))?,
                channels,
                audience,
                content,
                schedule,
            },
            status: CampaignStatus::from_code(&self.status)
                .ok_or_else(|| bad("campaign status"))?,
            wizard_step: u8::try_from(self.wizard_step).map_err(|_| bad("campaign wizard_step"))?,
            launched_at: self
                .launched_at
                .map(|ms| stored_time(ms, "campaign launched_at", id))
                .transpose()?,
            created_by: self.created_by,
            created_at: stored_time(self.created_at, "campaign created_at", id)?,
            updated_at: stored_time(self.updated_at, "campaign updated_at", id)?,
        })
    }
}

/// The definition columns of a campaign as JSON.
struct Documents {
    channels: String,
    audience: String,
    content: String,
    schedule: String,
}

fn documents(draft: &CampaignDraft) -> Result<Documents, RepoError> {
    let json = |r: Result<String, serde_json::Error>| {
        r.map_err(|e| RepoError::Unavailable(format!("cannot encode campaign: {e}")))
    };
    Ok(Documents {
        channels: json(serde_json::to_string(&draft.channels))?,
        audience: json(serde_json::to_string(&draft.audience))?,
        content: json(serde_json::to_string(&draft.content))?,
        schedule: json(serde_json::to_string(&draft.schedule))?,
    })
}

/// The segment filters over `clients AS cl`. `?1` level ids, `?2` tags, `?3` traffic channel
/// ids, `?9` client ids (JSON arrays; `[]` = no filter); `?4`/`?5` spent range; `?6`/`?7` last
/// purchase before/after; `?8` the birthday window as `,MM-DD,MM-DD,` (NULL = no filter).
const FILTERS: &str = "\
(?1 = '[]' OR cl.level_id IN (SELECT value FROM json_each(?1))) \
AND (?2 = '[]' OR EXISTS (SELECT 1 FROM client_tags t WHERE t.client_id = cl.id \
     AND t.tag IN (SELECT value FROM json_each(?2)))) \
AND (?3 = '[]' OR cl.traffic_channel_id IN (SELECT value FROM json_each(?3))) \
AND (?4 IS NULL OR cl.total_spent >= ?4) AND (?5 IS NULL OR cl.total_spent <= ?5) \
AND (?6 IS NULL OR cl.last_purchase_at < ?6) AND (?7 IS NULL OR cl.last_purchase_at > ?7) \
AND (?8 IS NULL OR (cl.birthday IS NOT NULL \
     AND instr(?8, ',' || substr(cl.birthday, 6, 5) || ',') > 0)) \
AND (?9 = '[]' OR cl.id IN (SELECT value FROM json_each(?9)))";

/// The touch-frequency cap over `system_settings AS s`: `?10` advertising, `?11` this campaign
/// (its own deliveries do not count), `?12` now (millis).
const UNDER_CAP: &str = "\
(NOT ?10 OR s.marketing_touch_cap = 0 OR (SELECT COUNT(*) FROM deliveries d \
   JOIN campaigns c ON c.id = d.campaign_id \
   WHERE d.client_id = cl.id AND c.purpose = 'advertising' AND d.campaign_id <> ?11 \
     AND d.status <> 'failed' \
     AND d.created_at >= ?12 - s.marketing_touch_period_days * 86400000) < s.marketing_touch_cap)";

/// The consent a message on `channel` needs: personal data always; for advertising (`?10`)
/// also marketing and the channel's own consent where it has one.
fn consent_sql(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => {
            "(cl.consent_personal_data AND (NOT ?10 OR (cl.consent_marketing AND cl.consent_sms)))"
        }
        Channel::Email => {
            "(cl.consent_personal_data AND (NOT ?10 OR (cl.consent_marketing AND cl.consent_email)))"
        }
        Channel::AppPush => {
            "(cl.consent_personal_data AND (NOT ?10 OR (cl.consent_marketing AND cl.consent_app_push)))"
        }
        Channel::Telegram
        | Channel::Vk
        | Channel::Instagram
        | Channel::Facebook
        | Channel::Max => "(cl.consent_personal_data AND (NOT ?10 OR cl.consent_marketing))",
    }
}

/// The client's address on a channel (NULL when unknown). App push goes to the Mini App,
/// opened from Telegram: it needs the Telegram id.
fn address_sql(channel: Channel) -> &'static str {
    match channel {
        Channel::Telegram | Channel::AppPush => "CAST(cl.telegram_id AS TEXT)",
        Channel::Email => "NULLIF(TRIM(cl.email), '')",
        Channel::Sms => "NULLIF(TRIM(cl.phone), '')",
        Channel::Vk => "NULLIF(TRIM(cl.vk), '')",
        Channel::Instagram => "NULLIF(TRIM(cl.instagram), '')",
        Channel::Facebook => "NULLIF(TRIM(cl.facebook), '')",
        Channel::Max => "NULLIF(TRIM(cl.max_messenger), '')",
    }
}

/// `,MM-DD,` for each of the `days` days from `now`, today included, with "today" the date in
/// the business timezone `tz`.
fn birthday_window(now: Timestamp, days: u16, tz: &time_tz::Tz) -> String {
    let today = now.as_offset_date_time().to_timezone(tz).date();
    let mut out = String::from(",");
    for offset in 0..i64::from(days) {
        if let Some(day) = today.checked_add(time::Duration::days(offset)) {
            out.push_str(&format!("{:02}-{:02},", u8::from(day.month()), day.day()));
        }
    }
    out
}

/// The birthday window of a query (`None` without a birthday filter), in the business timezone
/// of `system_settings` (the default timezone when the row or the name is missing or unknown).
fn birthday_filter(
    conn: &mut SqliteConnection,
    query: &AudienceQuery,
) -> Result<Option<String>, Failure> {
    let Some(days) = query.audience.birthday_within_days else {
        return Ok(None);
    };
    let name: Option<String> = crate::schema::system_settings::table
        .find(1_i64)
        .select(crate::schema::system_settings::timezone)
        .first(conn)
        .optional()?;
    let tz = name
        .as_deref()
        .and_then(time_tz::timezones::get_by_name)
        .or_else(|| time_tz::timezones::get_by_name(DEFAULT_TIMEZONE))
        .unwrap_or(time_tz::timezones::db::UTC);
    Ok(Some(birthday_window(query.now, days, tz)))
}

/// Binds `?1`..`?12` of the audience query, in order; `$window` is the query's
/// [`birthday_filter`].
macro_rules! bind_audience {
    ($query:expr, $q:expr, $window:expr) => {{
        let a = &$q.audience;
        let json = |ids: Vec<i64>| serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        let tags = serde_json::to_string(&a.tags).unwrap_or_else(|_| "[]".into());
        $query
            .bind::<Text, _>(json(a.level_ids.iter().map(|i| i.get()).collect()))
            .bind::<Text, _>(tags)
            .bind::<Text, _>(json(
                a.traffic_channel_ids.iter().map(|i| i.get()).collect(),
            ))
            .bind::<Nullable<BigInt>, _>(a.spent_min.map(Money::minor))
            .bind::<Nullable<BigInt>, _>(a.spent_max.map(Money::minor))
            .bind::<Nullable<BigInt>, _>(a.last_purchase_before.map(Timestamp::unix_millis))
            .bind::<Nullable<BigInt>, _>(a.last_purchase_after.map(Timestamp::unix_millis))
            .bind::<Nullable<Text>, _>($window)
            .bind::<Text, _>(json(a.client_ids.iter().map(|i| i.get()).collect()))
            .bind::<Bool, _>($q.purpose == Purpose::Advertising)
            .bind::<BigInt, _>($q.campaign_id.get())
            .bind::<BigInt, _>($q.now.unix_millis())
    }};
}

#[derive(Debug, QueryableByName)]
struct ReachRow {
    #[diesel(sql_type = BigInt)]
    matching: i64,
    #[diesel(sql_type = BigInt)]
    consenting: i64,
    #[diesel(sql_type = BigInt)]
    reachable: i64,
    #[diesel(sql_type = BigInt)]
    recipients: i64,
}

#[derive(Debug, QueryableByName)]
struct RecipientRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = BigInt)]
    points_balance: i64,
    #[diesel(sql_type = Text)]
    address: String,
}

#[derive(Debug, QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(Debug, QueryableByName)]
struct OwnerRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    campaign_id: Option<i64>,
    #[diesel(sql_type = BigInt)]
    client_id: i64,
}

#[derive(Debug, QueryableByName)]
struct StatsRow {
    #[diesel(sql_type = BigInt)]
    recipients: i64,
    #[diesel(sql_type = BigInt)]
    messages: i64,
    #[diesel(sql_type = BigInt)]
    queued: i64,
    #[diesel(sql_type = BigInt)]
    sent: i64,
    #[diesel(sql_type = BigInt)]
    delivered: i64,
    #[diesel(sql_type = BigInt)]
    failed: i64,
    #[diesel(sql_type = BigInt)]
    skipped_too_long: i64,
    #[diesel(sql_type = BigInt)]
    sent_clients: i64,
    #[diesel(sql_type = BigInt)]
    opened: i64,
    #[diesel(sql_type = BigInt)]
    clicked: i64,
    #[diesel(sql_type = BigInt)]
    converted: i64,
    #[diesel(sql_type = BigInt)]
    revenue: i64,
}

/// Every figure of one campaign (`?1`) in one statement. A skipped message whose key was queued
/// after all (the client's name got shorter before a repeated launch) counts as a message only. Purchases count as conversions (and
/// their net revenue as attributed) when made by a recipient within the conversion window after
/// a delivery of the campaign was sent; each purchase counts once.
const STATS: &str = "\
WITH attributed AS ( \
  SELECT o.id, o.client_id, o.total - o.refunded_total AS net \
  FROM operations o CROSS JOIN system_settings s \
  WHERE s.id = 1 AND o.kind = 'purchase' AND EXISTS ( \
    SELECT 1 FROM deliveries d WHERE d.campaign_id = ?1 AND d.client_id = o.client_id \
      AND d.status IN ('sent', 'delivered') AND d.sent_at IS NOT NULL \
      AND o.created_at >= d.sent_at \
      AND o.created_at < d.sent_at + s.conversion_window_hours * 3600000)) \
SELECT \
  (SELECT COUNT(DISTINCT client_id) FROM deliveries WHERE campaign_id = ?1) AS recipients, \
  (SELECT COUNT(*) FROM deliveries WHERE campaign_id = ?1) AS messages, \
  (SELECT COUNT(*) FROM deliveries WHERE campaign_id = ?1 AND status IN ('queued', 'sending')) AS queued, \
  (SELECT COUNT(*) FROM deliveries WHERE campaign_id = ?1 AND status IN ('sent', 'delivered')) AS sent, \
  (SELECT COUNT(*) FROM deliveries WHERE campaign_id = ?1 AND status = 'delivered') AS delivered, \
  (SELECT COUNT(*) FROM deliveries WHERE campaign_id = ?1 AND status = 'failed') AS failed, \
  (SELECT COUNT(*) FROM campaign_skips k WHERE k.campaign_id = ?1 AND k.reason = 'too_long' \
     AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.dedupe_key = k.dedupe_key)) \
     AS skipped_too_long, \
  (SELECT COUNT(DISTINCT client_id) FROM deliveries WHERE campaign_id = ?1 \
     AND status IN ('sent', 'delivered')) AS sent_clients, \
  (SELECT COUNT(DISTINCT client_id) FROM campaign_events WHERE campaign_id = ?1 AND kind = 'open') AS opened, \
  (SELECT COUNT(DISTINCT client_id) FROM campaign_events WHERE campaign_id = ?1 AND kind = 'click') AS clicked, \
  (SELECT COUNT(*) FROM (SELECT client_id FROM attributed UNION \
     SELECT client_id FROM campaign_events WHERE campaign_id = ?1 AND kind = 'conversion')) AS converted, \
  (SELECT COALESCE(SUM(net), 0) FROM attributed) AS revenue";

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl CampaignRepository for SqliteCampaignRepository {
    fn insert(&self, record: &NewCampaign) -> Result<Campaign, RepoError> {
        let docs = documents(&record.draft)?;
        let at = record.at.unix_millis();
        let mut conn = self.db.conn()?;
        let row = conn.immediate_transaction(|conn| {
            diesel::insert_into(campaigns::table)
                .values((
                    campaigns::name.eq(&record.draft.name),
                    campaigns::status.eq(CampaignStatus::Draft.code()),
                    campaigns::purpose.eq(record.draft.purpose.code()),
                    campaigns::channels.eq(&docs.channels),
                    campaigns::audience.eq(&docs.audience),
                    campaigns::content.eq(&docs.content),
                    campaigns::schedule.eq(&docs.schedule),
                    campaigns::wizard_step.eq(i64::from(record.wizard_step)),
                    campaigns::created_by.eq(&record.created_by),
                    campaigns::created_at.eq(at),
                    campaigns::updated_at.eq(at),
                ))
                .returning(CampaignRow::as_returning())
                .get_result(conn)
                .map_err(Failure::from)
        })?;
        row.into_campaign()
    }

    fn get(&self, id: CampaignId) -> Result<Option<Campaign>, RepoError> {
        let mut conn = self.db.conn()?;
        let row = campaigns::table
            .find(id.get())
            .select(CampaignRow::as_select())
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        row.map(CampaignRow::into_campaign).transpose()
    }

    fn save(&self, campaign: &Campaign, expected: CampaignStatus) -> Result<bool, RepoError> {
        let docs = documents(&campaign.draft)?;
        let mut conn = self.db.conn()?;
        let changed = conn.immediate_transaction(|conn| {
            diesel::update(
                campaigns::table
                    .find(campaign.id.get())
                    .filter(campaigns::status.eq(expected.code())),
            )
            .set((
                campaigns::name.eq(&campaign.draft.name),
                campaigns::status.eq(campaign.status.code()),
                campaigns::purpose.eq(campaign.draft.purpose.code()),
                campaigns::channels.eq(&docs.channels),
                campaigns::audience.eq(&docs.audience),
                campaigns::content.eq(&docs.content),
                campaigns::schedule.eq(&docs.schedule),
                campaigns::wizard_step.eq(i64::from(campaign.wizard_step)),
                campaigns::launched_at.eq(campaign.launched_at.map(Timestamp::unix_millis)),
                campaigns::updated_at.eq(campaign.updated_at.unix_millis()),
            ))
            .execute(conn)
            .map_err(Failure::from)
        })?;
        Ok(changed == 1)
    }

    fn list(
        &self,
        section: Option<Section>,
        page: PageRequest,
    ) -> Result<Page<Campaign>, RepoError> {
        let active = ["draft", "scheduled", "running"];
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| {
            let filtered = || {
                let q = campaigns::table.into_boxed();
                match section {
                    Some(Section::Active) => q.filter(campaigns::status.eq_any(active)),
                    Some(Section::Archive) => q.filter(campaigns::status.ne_all(active)),
                    None => q,
                }
            };
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<CampaignRow> = filtered()
                .order(campaigns::id.desc())
                .limit(i64::from(page.limit()))
                .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
                .select(CampaignRow::as_select())
                .load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(CampaignRow::into_campaign)
                .collect::<Result<_, _>>()?,
            total: count(total),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn missing_clients(&self, ids: &[ClientId]) -> Result<Vec<ClientId>, RepoError> {
        let json = serde_json::to_string(&ids.iter().map(|i| i.get()).collect::<Vec<_>>())
            .map_err(|e| RepoError::Unavailable(e.to_string()))?;
        let mut conn = self.db.conn()?;
        let rows: Vec<IdRow> = diesel::sql_query(
            "SELECT DISTINCT CAST(value AS BIGINT) AS id FROM json_each(?1) \
             WHERE CAST(value AS BIGINT) NOT IN (SELECT id FROM clients) ORDER BY 1",
        )
        .bind::<Text, _>(json)
        .load(&mut conn)
        .map_err(Failure::from)?;
        Ok(rows.into_iter().map(|r| ClientId(r.id)).collect())
    }

    fn reach(
        &self,
        query: &AudienceQuery,
        channels: &[Channel],
    ) -> Result<Vec<ChannelReach>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows = conn.transaction(|conn| {
            let window = birthday_filter(conn, query)?;
            let mut out = Vec::with_capacity(channels.len());
            for &channel in channels {
                let consent = consent_sql(channel);
                let contact = format!("{} IS NOT NULL", address_sql(channel));
                let sql = format!(
                    "SELECT COUNT(*) AS matching, \
                     COALESCE(SUM(CASE WHEN {consent} THEN 1 ELSE 0 END), 0) AS consenting, \
                     COALESCE(SUM(CASE WHEN {consent} AND {contact} THEN 1 ELSE 0 END), 0) AS reachable, \
                     COALESCE(SUM(CASE WHEN {consent} AND {contact} AND {UNDER_CAP} THEN 1 ELSE 0 END), 0) AS recipients \
                     FROM clients cl CROSS JOIN system_settings s WHERE s.id = 1 AND {FILTERS}"
                );
                let row: ReachRow =
                    bind_audience!(diesel::sql_query(sql), query, window.clone())
                        .get_result(conn)?;
                out.push(ChannelReach {
                    channel,
                    matching: count(row.matching),
                    without_consent: count(row.matching - row.consenting),
                    without_contact: count(row.consenting - row.reachable),
                    capped: count(row.reachable - row.recipients),
                    recipients: count(row.recipients),
                });
            }
            Ok::<_, Failure>(out)
        })?;
        Ok(rows)
    }

    fn recipients(
        &self,
        query: &AudienceQuery,
        channel: Channel,
        after: Option<ClientId>,
        limit: u32,
    ) -> Result<Vec<Recipient>, RepoError> {
        let consent = consent_sql(channel);
        let address = address_sql(channel);
        let sql = format!(
            "SELECT cl.id, cl.full_name, cl.points_balance, {address} AS address \
             FROM clients cl CROSS JOIN system_settings s \
             WHERE s.id = 1 AND cl.id > ?13 AND {FILTERS} AND {consent} \
               AND {address} IS NOT NULL AND {UNDER_CAP} \
             ORDER BY cl.id LIMIT ?14"
        );
        let mut conn = self.db.conn()?;
        let window = birthday_filter(&mut conn, query)?;
        let rows: Vec<RecipientRow> = bind_audience!(diesel::sql_query(sql), query, window)
            .bind::<BigInt, _>(after.map_or(0, ClientId::get))
            .bind::<BigInt, _>(i64::from(limit))
            .load(&mut conn)
            .map_err(Failure::from)?;
        Ok(rows
            .into_iter()
            .map(|r| Recipient {
                client_id: ClientId(r.id),
                name: r.full_name,
                balance: Points::from_minor(r.points_balance),
                address: r.address,
            })
            .collect())
    }

    fn stats(&self, id: CampaignId) -> Result<CampaignStats, RepoError> {
        let mut conn = self.db.conn()?;
        let row: StatsRow = diesel::sql_query(STATS)
            .bind::<BigInt, _>(id.get())
            .get_result(&mut conn)
            .map_err(Failure::from)?;
        Ok(CampaignStats {
            recipients: count(row.recipients),
            messages: count(row.messages),
            queued: count(row.queued),
            sent: count(row.sent),
            delivered: count(row.delivered),
            failed: count(row.failed),
            skipped_too_long: count(row.skipped_too_long),
            sent_clients: count(row.sent_clients),
            opened: count(row.opened),
            clicked: count(row.clicked),
            converted: count(row.converted),
            revenue: Money::from_minor(row.revenue),
        })
    }

    fn record_skips(&self, skips: &[SkippedMessage], at: Timestamp) -> Result<usize, RepoError> {
        if skips.is_empty() {
            return Ok(0);
        }
        let mut conn = self.db.conn()?;
        let n = conn.immediate_transaction(|conn| {
            let mut n = 0;
            for skip in skips {
                n += diesel::sql_query(
                    "INSERT OR IGNORE INTO campaign_skips \
                       (campaign_id, client_id, channel, step, reason, chars, dedupe_key, \
                        created_at) \
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 \
                     WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE dedupe_key = ?7)",
                )
                .bind::<BigInt, _>(skip.campaign_id.get())
                .bind::<BigInt, _>(skip.client_id.get())
                .bind::<Text, _>(skip.channel.code())
                .bind::<BigInt, _>(i64::from(skip.step))
                .bind::<Text, _>(skip.reason.code())
                .bind::<BigInt, _>(i64::try_from(skip.chars).unwrap_or(i64::MAX))
                .bind::<Text, _>(&skip.dedupe_key)
                .bind::<BigInt, _>(at.unix_millis())
                .execute(conn)
                .map_err(Failure::from)?;
            }
            Ok::<_, Failure>(n)
        })?;
        Ok(n)
    }

    fn delivery_owner(&self, delivery_id: i64) -> Result<Option<DeliveryOwner>, RepoError> {
        let mut conn = self.db.conn()?;
        let row: Option<OwnerRow> =
            diesel::sql_query("SELECT campaign_id, client_id FROM deliveries WHERE id = ?1")
                .bind::<BigInt, _>(delivery_id)
                .get_result(&mut conn)
                .optional()
                .map_err(Failure::from)?;
        Ok(row.map(|r| DeliveryOwner {
            campaign_id: r.campaign_id.map(CampaignId),
            client_id: ClientId(r.client_id),
        }))
    }

    fn record_event(&self, event: &TrackedEvent) -> Result<(), RepoError> {
        let mut conn = self.db.conn()?;
        conn.immediate_transaction(|conn| {
            diesel::insert_into(campaign_events::table)
                .values((
                    campaign_events::campaign_id.eq(event.campaign_id.get()),
                    campaign_events::delivery_id.eq(event.delivery_id),
                    campaign_events::client_id.eq(event.client_id.get()),
                    campaign_events::kind.eq(event.kind.code()),
                    campaign_events::url.eq(event.url.as_deref()),
                    campaign_events::source.eq(&event.source),
                    campaign_events::at.eq(event.at.unix_millis()),
                ))
                .execute(conn)
                .map_err(Failure::from)
        })?;
        Ok(())
    }

    fn withdraw_advertising(&self, client_id: ClientId, at: Timestamp) -> Result<usize, RepoError> {
        let mut conn = self.db.conn()?;
        let n = conn.immediate_transaction(|conn| {
            diesel::sql_query(
                "UPDATE deliveries SET status = 'failed', reason = 'opted_out', updated_at = ?2 \
                 WHERE client_id = ?1 AND status = 'queued' AND source = 'campaign' \
                   AND campaign_id IN (SELECT id FROM campaigns WHERE purpose = 'advertising')",
            )
            .bind::<BigInt, _>(client_id.get())
            .bind::<BigInt, _>(at.unix_millis())
            .execute(conn)
            .map_err(Failure::from)
        })?;
        Ok(n)
    }

    fn withdraw_advertising_on(
        &self,
        client_id: ClientId,
        channels: &[Channel],
        at: Timestamp,
    ) -> Result<usize, RepoError> {
        let codes: Vec<&str> = channels.iter().map(|c| c.code()).collect();
        let codes = serde_json::to_string(&codes)
            .map_err(|e| RepoError::Unavailable(format!("cannot encode channels: {e}")))?;
        let mut conn = self.db.conn()?;
        let n = conn.immediate_transaction(|conn| {
            diesel::sql_query(
                "UPDATE deliveries SET status = 'failed', reason = 'opted_out', updated_at = ?2 \
                 WHERE client_id = ?1 AND status = 'queued' AND source = 'campaign' \
                   AND channel IN (SELECT value FROM json_each(?3)) \
                   AND campaign_id IN (SELECT id FROM campaigns WHERE purpose = 'advertising')",
            )
            .bind::<BigInt, _>(client_id.get())
            .bind::<BigInt, _>(at.unix_millis())
            .bind::<Text, _>(codes)
            .execute(conn)
            .map_err(Failure::from)
        })?;
        Ok(n)
    }

    fn cancel(
        &self,
        id: CampaignId,
        expected: CampaignStatus,
        at: Timestamp,
    ) -> Result<Option<usize>, RepoError> {
        let mut conn = self.db.conn()?;
        let failed = conn.immediate_transaction(|conn| {
            let changed = diesel::update(
                campaigns::table
                    .find(id.get())
                    .filter(campaigns::status.eq(expected.code())),
            )
            .set((
                campaigns::status.eq(CampaignStatus::Cancelled.code()),
                campaigns::updated_at.eq(at.unix_millis()),
            ))
            .execute(conn)?;
            if changed == 0 {
                return Ok::<_, Failure>(None);
            }
            let failed = diesel::sql_query(
                "UPDATE deliveries SET status = 'failed', reason = 'campaign_cancelled', \
                 updated_at = ?2 WHERE campaign_id = ?1 AND status = 'queued'",
            )
            .bind::<BigInt, _>(id.get())
            .bind::<BigInt, _>(at.unix_millis())
            .execute(conn)?;
            Ok(Some(failed))
        })?;
        Ok(failed)
    }

    fn recurring(&self) -> Result<Vec<Campaign>, RepoError> {
        let mut conn = self.db.conn()?;
        let rows: Vec<CampaignRow> = campaigns::table
            .filter(campaigns::status.eq_any(["scheduled", "running"]))
            .filter(diesel::dsl::sql::<Bool>(
                "json_extract(schedule, '$.kind') IN ('daily', 'weekly')",
            ))
            .order(campaigns::id)
            .select(CampaignRow::as_select())
            .load(&mut conn)
            .map_err(Failure::from)?;
        rows.into_iter().map(CampaignRow::into_campaign).collect()
    }

    fn complete_finished(&self, at: Timestamp) -> Result<usize, RepoError> {
        let mut conn = self.db.conn()?;
        let n = conn.immediate_transaction(|conn| {
            diesel::sql_query(
                "UPDATE campaigns SET status = 'completed', updated_at = ?1 \
                 WHERE status = 'running' \
                   AND json_extract(schedule, '$.kind') NOT IN ('daily', 'weekly') \
                   AND EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = campaigns.id) \
                   AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = campaigns.id \
                                   AND d.status IN ('queued', 'sending'))",
            )
            .bind::<BigInt, _>(at.unix_millis())
            .execute(conn)
            .map_err(Failure::from)
        })?;
        Ok(n)
    }
}
