//! The control tower's storage port: the figures, the process overrides, the policy, the goal,
//! the promotion forecast's history and the promotion block.

use super::model::{
    FiguresWindow, Goal, GoalMetric, PolicyPlan, ProcessOverride, PromotionFigures, QualityFigures,
    StoredForecast, StoredPolicy, TowerFigures,
};
use crate::forecast::{ForecastAudience, ForecastHistory};
use crm_core::{RepoError, Timestamp};

/// Storage of the control tower.
#[cfg_attr(test, mockall::automock)]
pub trait TowerStore {
    /// Every figure of the control tower and the dashboard alerts at `window`.
    fn figures(&self, window: &FiguresWindow) -> Result<TowerFigures, RepoError>;
    /// The stored process overrides.
    fn overrides(&self) -> Result<Vec<ProcessOverride>, RepoError>;
    /// Stores overrides (one transaction).
    fn save_overrides(
        &self,
        overrides: &[ProcessOverride],
        actor: &str,
        at: Timestamp,
    ) -> Result<(), RepoError>;
    /// The touch cap and period from the system settings, and the stored channel priority.
    fn policy(&self) -> Result<StoredPolicy, RepoError>;
    /// Writes a policy change: the system settings' cap columns (audited) and the channel
    /// priority, in one transaction.
    fn save_policy(&self, plan: &PolicyPlan, actor: &str, at: Timestamp) -> Result<(), RepoError>;
    /// The base quality figures.
    fn quality(&self) -> Result<QualityFigures, RepoError>;
    /// The 90-day goal, if set.
    fn goal(&self) -> Result<Option<Goal>, RepoError>;
    /// Stores the goal (replacing any).
    fn save_goal(&self, goal: &Goal) -> Result<(), RepoError>;
    /// A goal metric's value over `[from, to)`; `None` when there is nothing to compute it from
    /// (no buyers for a rate or an average).
    fn goal_value(
        &self,
        metric: GoalMetric,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Option<i64>, RepoError>;
    /// The history figures of the forecast over `[from, to)` for `audience`.
    fn forecast_history(
        &self,
        audience: &ForecastAudience,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ForecastHistory, RepoError>;
    /// Stores a forecast.
    fn save_forecast(&self, forecast: &StoredForecast) -> Result<(), RepoError>;
    /// The latest stored forecast.
    fn latest_forecast(&self) -> Result<Option<StoredForecast>, RepoError>;
    /// Certificates and the referral programme.
    fn promotion(&self, now: Timestamp) -> Result<PromotionFigures, RepoError>;
}

impl<T: TowerStore + ?Sized> TowerStore for std::sync::Arc<T> {
    fn figures(&self, window: &FiguresWindow) -> Result<TowerFigures, RepoError> {
        (**self).figures(window)
    }
    fn overrides(&self) -> Result<Vec<ProcessOverride>, RepoError> {
        (**self).overrides()
    }
    fn save_overrides(
        &self,
        overrides: &[ProcessOverride],
        actor: &str,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        (**self).save_overrides(overrides, actor, at)
    }
    fn policy(&self) -> Result<StoredPolicy, RepoError> {
        (**self).policy()
    }
    fn save_policy(&self, plan: &PolicyPlan, actor: &str, at: Timestamp) -> Result<(), RepoError> {
        (**self).save_policy(plan, actor, at)
    }
    fn quality(&self) -> Result<QualityFigures, RepoError> {
        (**self).quality()
    }
    fn goal(&self) -> Result<Option<Goal>, RepoError> {
        (**self).goal()
    }
    fn save_goal(&self, goal: &Goal) -> Result<(), RepoError> {
        (**self).save_goal(goal)
    }
    fn goal_value(
        &self,
        metric: GoalMetric,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Option<i64>, RepoError> {
        (**self).goal_value(metric, from, to)
    }
    fn forecast_history(
        &self,
        audience: &ForecastAudience,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ForecastHistory, RepoError> {
        (**self).forecast_history(audience, from, to)
    }
    fn save_forecast(&self, forecast: &StoredForecast) -> Result<(), RepoError> {
        (**self).save_forecast(forecast)
    }
    fn latest_forecast(&self) -> Result<Option<StoredForecast>, RepoError> {
        (**self).latest_forecast()
    }
    fn promotion(&self, now: Timestamp) -> Result<PromotionFigures, RepoError> {
        (**self).promotion(now)
    }
}

/// The control tower's storage together with the business calendar (one adapter answers both).
pub trait TowerPorts: TowerStore + crate::ports::BusinessCalendar {}

impl<T: TowerStore + crate::ports::BusinessCalendar + ?Sized> TowerPorts for T {}
