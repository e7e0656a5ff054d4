//! Cloud purchasing (SPEC M7; ZJ-share 三(八); Shaoxing art.24–25).
//!
//! ZJ-share 三(八): 各预算单位年度累计云计算服务采购金额未达到政府采购限额标准的，实行单位自行采购；
//! 达到政府采购限额标准的，依法依规实行政府采购. Shaoxing art.24: units choose the provider from
//! the list of approved government-cloud providers (入围政务云服务提供商名录).
//!
//! The cumulative total is the unit's purchases in the calendar year *including* the one being
//! recorded: strictly below the threshold → own purchase; at or above → government procurement.
use crate::profile::Citation;
use crate::Yuan;
use serde::{Deserialize, Serialize};

pub fn cite() -> Citation {
    Citation::new(
        "数字政府系统“一地创新、全省共享”机制实施办法（试行）",
        "三（八）",
    )
}

pub fn provider_cite() -> Citation {
    Citation::new(crate::cost_sharing::SHAOXING, "第二十四条")
}

/// The default 政府采购限额标准 for services (Zhejiang's 分散采购限额标准, 100 万元); an
/// administrator sets the jurisdiction's figure.
pub fn default_threshold() -> Yuan {
    Yuan::from_yuan(1_000_000)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// 单位自行采购
    Own,
    /// 政府采购
    Government,
}

impl Route {
    pub fn code(self) -> &'static str {
        match self {
            Route::Own => "own",
            Route::Government => "government",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Route::Own => "单位自行采购",
            Route::Government => "依法依规实行政府采购",
        }
    }
    pub fn parse(s: &str) -> Option<Route> {
        [Route::Own, Route::Government]
            .into_iter()
            .find(|r| r.code() == s)
    }
}

/// The answer for one purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    pub route: Route,
    /// The unit's yearly total before this purchase.
    pub before: Yuan,
    /// … and including it.
    pub cumulative: Yuan,
    pub threshold: Yuan,
    /// Why, in Chinese, with the article.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    #[error("{field}：{message}")]
    Invalid { field: String, message: String },
}

/// Decide the route of a purchase of `amount` by a unit that has bought `before` this year.
pub fn route(before: Yuan, amount: Yuan, threshold: Yuan) -> Result<Routing, CloudError> {
    if amount == Yuan::ZERO {
        return Err(CloudError::Invalid {
            field: "amount".into(),
            message: "采购金额须大于 0".into(),
        });
    }
    let cumulative = before.checked_add(amount).ok_or(CloudError::Invalid {
        field: "amount".into(),
        message: "金额过大".into(),
    })?;
    let route = if cumulative < threshold {
        Route::Own
    } else {
        Route::Government
    };
    let reason = match route {
        Route::Own => format!(
            "本年度累计 {} 元（含本次 {} 元），未达到政府采购限额标准 {} 元，实行单位自行采购（{}）",
            cumulative.grouped(),
            amount.grouped(),
            threshold.grouped(),
            cite()
        ),
        Route::Government => format!(
            "本年度累计 {} 元（含本次 {} 元），达到政府采购限额标准 {} 元，须依法依规实行政府采购（{}）",
            cumulative.grouped(),
            amount.grouped(),
            threshold.grouped(),
            cite()
        ),
    };
    Ok(Routing {
        route,
        before,
        cumulative,
        threshold,
        reason,
    })
}

/// The provider must be on the approved list and active (Shaoxing art.24).
pub fn check_provider(name: &str, on_list_and_active: bool) -> Result<(), CloudError> {
    if on_list_and_active {
        Ok(())
    } else {
        Err(CloudError::Invalid {
            field: "provider".into(),
            message: format!(
                "{name} 不在入围政务云服务提供商名录中，请从名录中选择（{}）",
                provider_cite()
            ),
        })
    }
}
