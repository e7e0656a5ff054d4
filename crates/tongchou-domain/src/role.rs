//! Roles (SPEC §1) and the actor who is asking.
use crate::{JurisdictionId, UnitId, UserId};
use serde::{Deserialize, Serialize};

/// The kinds of role; a profile names them in the locality's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 项目建设单位 construction unit (clerk)
    Unit,
    /// 主管部门 competent authority (区数据资源局)
    Authority,
    /// 财政局 finance
    Finance,
    /// 发改 development & reform
    Drc,
    /// 网信办 cyberspace office
    Cyber,
    /// 信创办 xinchuang office
    Xinchuang,
    /// 审计局 audit (read-only)
    Audit,
    /// 评审中心 review centre
    ReviewCentre,
    /// 营商办 business-environment office
    BusinessEnv,
    /// 专家 expert
    Expert,
    /// 领导小组 / 联席会议 leading group / joint meeting
    LeadingGroup,
    /// 牵头责任主体 lead responsible unit
    LeadUnit,
    /// 项目主体 project subject
    Subject,
    /// 系统管理员 administrator of a jurisdiction
    Admin,
    /// 市场主体 a market entity's own account: public items and its own bids only (ZJ-share 三（三）)
    MarketEntity,
    /// 监管办 supervision office: joins the Quzhou joint review and the whole-process supervision
    /// (Quzhou 三(二)1, 三(四))
    Oversight,
}

impl Role {
    pub const ALL: [Role; 16] = [
        Role::Unit,
        Role::Authority,
        Role::Finance,
        Role::Drc,
        Role::Cyber,
        Role::Xinchuang,
        Role::Audit,
        Role::ReviewCentre,
        Role::BusinessEnv,
        Role::Expert,
        Role::LeadingGroup,
        Role::LeadUnit,
        Role::Subject,
        Role::Admin,
        Role::MarketEntity,
        Role::Oversight,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Unit => "unit",
            Role::Authority => "authority",
            Role::Finance => "finance",
            Role::Drc => "drc",
            Role::Cyber => "cyber",
            Role::Xinchuang => "xinchuang",
            Role::Audit => "audit",
            Role::ReviewCentre => "review_centre",
            Role::BusinessEnv => "business_env",
            Role::Expert => "expert",
            Role::LeadingGroup => "leading_group",
            Role::LeadUnit => "lead_unit",
            Role::Subject => "subject",
            Role::Admin => "admin",
            Role::MarketEntity => "market_entity",
            Role::Oversight => "oversight",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Generic Chinese name; a profile may give the locality's own (see `Profile::role_name`).
    pub fn label(self) -> &'static str {
        match self {
            Role::Unit => "项目建设单位",
            Role::Authority => "项目主管部门",
            Role::Finance => "财政部门",
            Role::Drc => "发展改革部门",
            Role::Cyber => "网信部门",
            Role::Xinchuang => "信创办",
            Role::Audit => "审计部门",
            Role::ReviewCentre => "评审中心",
            Role::BusinessEnv => "营商办",
            Role::Expert => "评审专家",
            Role::LeadingGroup => "联席会议",
            Role::LeadUnit => "牵头责任主体",
            Role::Subject => "项目主体",
            Role::Admin => "系统管理员",
            Role::MarketEntity => "市场主体",
            Role::Oversight => "监管办",
        }
    }

    /// Parse a comma-separated list as stored ("unit,expert").
    pub fn parse_list(s: &str) -> Vec<Role> {
        s.split(',').filter_map(|c| Role::parse(c.trim())).collect()
    }

    pub fn join(roles: &[Role]) -> String {
        roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
    }
}

/// Who is asking: an account, its unit, its jurisdiction (with the path of ids from the province
/// down, `/1/2/3/`) and its roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub name: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub jurisdiction_path: String,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    /// Whether a jurisdiction (by its path) lies inside the actor's.
    pub fn covers(&self, jurisdiction_path: &str) -> bool {
        jurisdiction_path.starts_with(&self.jurisdiction_path)
    }
}
