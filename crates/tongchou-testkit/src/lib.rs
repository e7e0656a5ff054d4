//! Demo data and fixtures shared by `tongchou serve --demo`, the tests and the benchmark:
//! a demo province (浙江省 → 杭州市 → 上城区), its departments and units, one account per role,
//! and projects walked through the real transitions to every stage.
use std::collections::HashMap;
use tongchou_domain::lifecycle::{decide, Candidate, Command};
use tongchou_domain::profile::Profile;
use tongchou_domain::project::{
    BuildKind, Category, Funding, PanelOpinion, PanelPurpose, ProjectInput,
};
use tongchou_domain::{Actor, Date, ProjectId, Role, Stage, UserId, Yuan};
use tongchou_store::{Db, StoreError};
use tongchou_web::auth::hash_password;
use tongchou_web::AppState;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Tongchou@2026";

/// Demo accounts: (username, display name, unit, roles).
pub const ACCOUNTS: &[(&str, &str, &str, &[Role])] = &[
    ("admin", "系统管理员", "区数据资源局", &[Role::Admin]),
    (
        "sjj",
        "李静（区数据资源局）",
        "区数据资源局",
        &[Role::Authority],
    ),
    ("czj", "王强（区财政局）", "区财政局", &[Role::Finance]),
    ("fgj", "陈明（区发改经信局）", "区发改经信局", &[Role::Drc]),
    ("wxb", "赵敏（区委网信办）", "区委网信办", &[Role::Cyber]),
    ("xcb", "孙磊（区信创办）", "区信创办", &[Role::Xinchuang]),
    ("sjs", "周芳（区审计局）", "区审计局", &[Role::Audit]),
    (
        "lxhy",
        "吴刚（联席会议办公室）",
        "区政府办公室",
        &[Role::LeadingGroup],
    ),
    (
        "pszx",
        "郑洁（评审中心）",
        "区评审中心",
        &[Role::ReviewCentre],
    ),
    ("ysb", "冯涛（区营商办）", "区营商办", &[Role::BusinessEnv]),
    (
        "qtdw",
        "何佳（牵头责任主体）",
        "区数据资源局",
        &[Role::LeadUnit],
    ),
    (
        "xmzt",
        "钱伟（项目主体）",
        "杭州某科技有限公司",
        &[Role::Subject],
    ),
    (
        "scgs",
        "陈立（市场主体）",
        "杭州某科技有限公司",
        &[Role::MarketEntity],
    ),
    (
        "sjzx",
        "邱敏（区大数据发展中心）",
        "区大数据发展中心",
        &[Role::Subject],
    ),
    ("dag", "严冬（区档案馆）", "区档案馆", &[Role::Subject]),
    (
        "szxh",
        "潘越（区数字经济协会）",
        "区数字经济协会",
        &[Role::Subject],
    ),
    ("jyj", "林晓（区教育局）", "区教育局", &[Role::Unit]),
    ("wjw", "黄蕾（区卫生健康局）", "区卫生健康局", &[Role::Unit]),
    ("mzj", "徐峰（区民政局）", "区民政局", &[Role::Unit]),
    ("cgj", "马骏（区城管局）", "区城管局", &[Role::Unit]),
    ("scj", "罗琳（区市场监管局）", "区市场监管局", &[Role::Unit]),
    ("zj1", "张教授（信息技术）", "区评审专家库", &[Role::Expert]),
    ("zj2", "刘工（网络安全）", "区评审专家库", &[Role::Expert]),
    (
        "zj3",
        "杨研究员（业务领域）",
        "区评审专家库",
        &[Role::Expert],
    ),
    ("zj4", "朱高工（数据资源）", "区评审专家库", &[Role::Expert]),
    (
        "zj5",
        "秦会计师（资金测算）",
        "区评审专家库",
        &[Role::Expert],
    ),
    ("zj6", "许老师（区教育局专家）", "区教育局", &[Role::Expert]),
];

/// Units: (name, kind).
pub const UNITS: &[(&str, &str)] = &[
    ("区数据资源局", "authority"),
    ("区财政局", "finance"),
    ("区发改经信局", "drc"),
    ("区委网信办", "cyber"),
    ("区信创办", "xinchuang"),
    ("区审计局", "audit"),
    ("区政府办公室", "leading_group"),
    ("区评审中心", "review_centre"),
    ("区营商办", "business_env"),
    ("区评审专家库", "expert_pool"),
    ("杭州某科技有限公司", "market"),
    ("区教育局", "construction"),
    ("区卫生健康局", "construction"),
    ("区民政局", "construction"),
    ("区城管局", "construction"),
    ("区市场监管局", "construction"),
    ("区大数据发展中心", "institution"),
    ("区档案馆", "institution"),
    ("区数字经济协会", "social"),
];

/// 单位名录的主体类型 of the demo units that are neither departments nor market entities (the
/// 承接主体 rules of purchase-of-service bids, ZJ-share 三（三）): (unit, entity kind, 事业单位类别).
pub const UNIT_ENTITIES: &[(&str, &str, Option<&str>)] = &[
    ("区大数据发展中心", "institution", Some("public_welfare_2")),
    ("区档案馆", "institution", Some("public_welfare_1")),
    ("区数字经济协会", "social", None),
    ("杭州某科技有限公司", "market", None),
];

/// Accounts at the other levels and in a second city, for the demand pool's roll-up (需求库
/// 逐层逐级): (username, display name, unit, unit kind, where, roles); `where` is one of
/// `province`, `city` (杭州市), `city2` (宁波市), `district2` (宁波市海曙区).
/// (username, display name, unit, unit kind, where, roles).
pub type LevelAccount = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [Role],
);

pub const LEVEL_ACCOUNTS: &[LevelAccount] = &[
    (
        "szb",
        "钱程（数字政府建设专班）",
        "数字政府建设专班",
        "authority",
        "province",
        &[Role::Authority],
    ),
    (
        "sgxz",
        "沈澜（省数字化改革领导小组办公室）",
        "省数字化改革领导小组办公室",
        "leading_group",
        "province",
        &[Role::LeadingGroup],
    ),
    (
        "hzsjj",
        "蒋涛（杭州市数据资源管理局）",
        "杭州市数据资源管理局",
        "authority",
        "city",
        &[Role::Authority],
    ),
    (
        "nbsjj",
        "韩雪（宁波市大数据发展管理局）",
        "宁波市大数据发展管理局",
        "authority",
        "city2",
        &[Role::Authority],
    ),
    (
        "hssjj",
        "陆杰（海曙区数据资源局）",
        "海曙区数据资源局",
        "authority",
        "district2",
        &[Role::Authority],
    ),
    (
        "hsmzj",
        "邵燕（海曙区民政局）",
        "海曙区民政局",
        "construction_other",
        "district2",
        &[Role::Unit],
    ),
];

/// The other cities of the demo world (SPEC §3: one profile per jurisdiction): each city picks
/// its profile, its district has none of its own and inherits the city's.
/// (city, district, profile code).
pub const CITIES: &[(&str, &str, &str)] = &[
    ("绍兴市", "越城区", "shaoxing"),
    ("衢州市", "柯城区", "quzhou"),
];

/// Units of the other cities: (city, at district level?, name, kind).
pub const CITY_UNITS: &[(&str, bool, &str, &str)] = &[
    ("绍兴市", false, "绍兴市大数据局", "authority"),
    ("绍兴市", false, "绍兴市发改委", "drc"),
    ("绍兴市", false, "绍兴市财政局", "finance"),
    (
        "绍兴市",
        false,
        "绍兴市政务信息化项目管理工作领导小组",
        "leading_group",
    ),
    ("绍兴市", false, "绍兴市评审专家库", "expert_pool"),
    ("绍兴市", true, "越城区教育体育局", "construction"),
    ("衢州市", false, "衢州市大数据局", "authority"),
    ("衢州市", false, "衢州市发改委", "drc"),
    ("衢州市", false, "衢州市财政局", "finance"),
    ("衢州市", false, "衢州市委网信办", "cyber"),
    ("衢州市", false, "衢州市营商办", "business_env"),
    ("衢州市", false, "衢州市评审中心", "review_centre"),
    ("衢州市", false, "衢州市监管办", "oversight"),
    (
        "衢州市",
        false,
        "衢州市新型智慧城市建设工作领导小组",
        "leading_group",
    ),
    ("衢州市", false, "衢州市评审专家库", "expert_pool"),
    ("衢州市", true, "柯城区卫生健康局", "construction"),
];

/// Accounts of the other cities: (username, display name, unit, roles).
pub const CITY_ACCOUNTS: &[(&str, &str, &str, &[Role])] = &[
    (
        "sxadmin",
        "绍兴市系统管理员",
        "绍兴市大数据局",
        &[Role::Admin],
    ),
    (
        "sxxgb",
        "沈洁（市信管办）",
        "绍兴市大数据局",
        &[Role::Authority],
    ),
    ("sxfgw", "陆鸣（市发改委）", "绍兴市发改委", &[Role::Drc]),
    (
        "sxczj",
        "谢敏（市财政局）",
        "绍兴市财政局",
        &[Role::Finance],
    ),
    (
        "sxldxz",
        "金华（市领导小组办公室）",
        "绍兴市政务信息化项目管理工作领导小组",
        &[Role::LeadingGroup],
    ),
    (
        "sxjyj",
        "蔡琴（越城区教育体育局）",
        "越城区教育体育局",
        &[Role::Unit],
    ),
    (
        "sxzj1",
        "任教授（信息技术）",
        "绍兴市评审专家库",
        &[Role::Expert],
    ),
    (
        "sxzj2",
        "邵工（网络安全）",
        "绍兴市评审专家库",
        &[Role::Expert],
    ),
    (
        "sxzj3",
        "韩会计师（经费测算）",
        "绍兴市评审专家库",
        &[Role::Expert],
    ),
    (
        "qzadmin",
        "衢州市系统管理员",
        "衢州市大数据局",
        &[Role::Admin],
    ),
    (
        "qzsjj",
        "方圆（市大数据局）",
        "衢州市大数据局",
        &[Role::Authority],
    ),
    ("qzfgw", "叶青（市发改委）", "衢州市发改委", &[Role::Drc]),
    (
        "qzczj",
        "毛利（市财政局）",
        "衢州市财政局",
        &[Role::Finance],
    ),
    (
        "qzwxb",
        "祝安（市委网信办）",
        "衢州市委网信办",
        &[Role::Cyber],
    ),
    (
        "qzysb",
        "童欣（市营商办）",
        "衢州市营商办",
        &[Role::BusinessEnv],
    ),
    (
        "qzpszx",
        "汪平（市评审中心）",
        "衢州市评审中心",
        &[Role::ReviewCentre],
    ),
    (
        "qzjgb",
        "孔峰（市监管办）",
        "衢州市监管办",
        &[Role::Oversight],
    ),
    (
        "qzldxz",
        "郑和（市智慧办）",
        "衢州市新型智慧城市建设工作领导小组",
        &[Role::LeadingGroup],
    ),
    (
        "qzwjw",
        "余芳（柯城区卫生健康局）",
        "柯城区卫生健康局",
        &[Role::Unit],
    ),
    (
        "qzzj1",
        "姜教授（信息技术）",
        "衢州市评审专家库",
        &[Role::Expert],
    ),
    (
        "qzzj2",
        "柴工（网络安全）",
        "衢州市评审专家库",
        &[Role::Expert],
    ),
    (
        "qzzj3",
        "吕研究员（业务领域）",
        "衢州市评审专家库",
        &[Role::Expert],
    ),
];

/// The demo world: ids of what was created.
pub struct World {
    pub actors: HashMap<String, Actor>,
}

impl World {
    pub fn actor(&self, username: &str) -> &Actor {
        &self.actors[username]
    }
}

/// Create the jurisdictions, units and accounts. `password_hash`: reuse one argon2 hash (tests
/// and bench create many worlds; hashing once keeps them fast).
pub async fn seed_world(db: &Db, password_hash: Option<&str>) -> Result<World, StoreError> {
    let province = db
        .create_jurisdiction(None, "浙江省", "province", "")
        .await?;
    let city = db
        .create_jurisdiction(Some(province), "杭州市", "city", "")
        .await?;
    let district = db
        .create_jurisdiction(Some(city), "上城区", "district", "shangcheng")
        .await?;
    let mut units = HashMap::new();
    for (name, kind) in UNITS {
        units.insert(*name, db.create_unit(district, name, kind).await?);
    }
    let hash = match password_hash {
        Some(h) => h.to_string(),
        None => hash_password(DEMO_PASSWORD),
    };
    for (city, district, code) in CITIES {
        let c = db
            .create_jurisdiction(Some(province), city, "city", code)
            .await?;
        let d = db
            .create_jurisdiction(Some(c), district, "district", "")
            .await?;
        for (of, at_district, name, kind) in CITY_UNITS {
            if of == city {
                let j = if *at_district { d } else { c };
                units.insert(*name, db.create_unit(j, name, kind).await?);
            }
        }
    }
    let mut actors = HashMap::new();
    for (username, name, unit, roles) in ACCOUNTS.iter().chain(CITY_ACCOUNTS) {
        let id = db
            .create_user(username, name, units[unit], roles, &hash)
            .await?;
        actors.insert(username.to_string(), db.actor(id).await?);
    }
    // the legal forms of the unit directory (initial data, like the units themselves)
    for (unit, kind, class) in UNIT_ENTITIES {
        let e = tongchou_domain::market::check_unit_entity(
            tongchou_domain::market::CandidateKind::parse(kind),
            class.and_then(tongchou_domain::market::InstitutionClass::parse),
            false,
        )
        .map_err(|r| StoreError::Other(format!("{r:?}")))?;
        db.init_unit_entity(units[unit], &e).await?;
    }
    let city2 = db
        .create_jurisdiction(Some(province), "宁波市", "city", "")
        .await?;
    let district2 = db
        .create_jurisdiction(Some(city2), "海曙区", "district", "")
        .await?;
    for (username, name, unit, kind, place, roles) in LEVEL_ACCOUNTS {
        let j = match *place {
            "province" => province,
            "city" => city,
            "city2" => city2,
            _ => district2,
        };
        let u = db.create_unit(j, unit, kind).await?;
        let id = db.create_user(username, name, u, roles, &hash).await?;
        actors.insert(username.to_string(), db.actor(id).await?);
    }
    let world = World { actors };
    // Shangcheng declares in rounds (第五章 项目申报: 每年9月底集中申报): its authority has opened
    // the round the demo's declarations fall in.
    seed_round(db, &world, "sjj", tongchou_store::today()).await?;
    Ok(world)
}

/// Open the demo's declaration round (SPEC A1) for the jurisdiction of `authority`, as that
/// authority: from 200 days before `today` (the demo walks declare up to 150 days back) to 60
/// days after, for the year after the opening.
pub async fn seed_round(
    db: &Db,
    world: &World,
    authority: &str,
    today: Date,
) -> Result<i64, StoreError> {
    let a = world.actor(authority);
    let opens = days_ago(today, 200);
    let closes = days_ago(today, -60);
    db.open_round(
        a,
        a.jurisdiction_id,
        opens.year() as i32 + 1,
        opens,
        closes,
        "集中申报下一年度项目（演示数据）",
    )
    .await
}

/// A tiny valid PDF, so demo attachments download as real files.
pub fn tiny_pdf(title: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {title}\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
        .into_bytes()
}

fn days_ago(today: Date, n: i64) -> Date {
    tongchou_domain::lifecycle::add_days(today, -n)
}

/// Drives projects through the real transitions (decide + apply), as the right actors.
pub struct Walker<'a> {
    pub st: &'a AppState,
    pub world: &'a World,
    pub today: Date,
    pub calendar: tongchou_domain::calendar::Calendar,
    /// The day the next steps are recorded on (steps of a walk happen over months).
    clock: std::cell::Cell<Date>,
}

impl<'a> Walker<'a> {
    pub fn new(st: &'a AppState, world: &'a World, today: Date) -> Walker<'a> {
        Walker {
            st,
            world,
            today,
            calendar: tongchou_domain::calendar::Calendar::builtin(),
            clock: std::cell::Cell::new(today),
        }
    }

    /// Record the following steps as of `days` days before today.
    fn at(&self, days: i64) {
        self.clock.set(days_ago(self.today, days));
    }

    async fn run(&self, id: ProjectId, who: &str, cmd: Command) -> Result<(), String> {
        let ctx = self.st.db.context(id).await.map_err(|e| e.to_string())?;
        let actor = self.world.actor(who);
        let on = self.clock.get();
        let (profile, tag) = self.st.profile_and_tag(&ctx.project.jurisdiction_path);
        let d = decide(&ctx, actor, cmd, &profile, on).map_err(|e| format!("{who}: {e}"))?;
        self.st
            .db
            .apply(
                &ctx,
                actor,
                &d,
                &tongchou_domain::obligation::changes(
                    &ctx.project,
                    &d,
                    &profile,
                    &self.calendar,
                    on,
                ),
                &tag,
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn attach(&self, id: ProjectId, who: &str, kind: &str, name: &str) -> Result<(), String> {
        let bytes = tiny_pdf(name);
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        let path = self.st.blob_path(&sha);
        if !path.exists() {
            if let Some(d) = path.parent() {
                std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
            }
            std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
        }
        let cmd = Command::Attach {
            kind: kind.into(),
            filename: format!("{name}.pdf"),
            sha256: sha,
            size: bytes.len() as i64,
            doc_date: Some(self.clock.get()),
        };
        self.run(id, who, cmd).await
    }

    fn experts(&self, names: &[&str]) -> Vec<Candidate> {
        names
            .iter()
            .map(|n| {
                let a = self.world.actor(n);
                Candidate {
                    user_id: a.user_id,
                    name: a.name.clone(),
                    unit_id: a.unit_id,
                    roles: a.roles.clone(),
                }
            })
            .collect()
    }

    async fn panel(
        &self,
        id: ProjectId,
        organiser: &str,
        purpose: PanelPurpose,
        pass: bool,
        amount: Option<Yuan>,
        date: Date,
    ) -> Result<(), String> {
        let members = ["zj1", "zj2", "zj3"];
        self.run(
            id,
            organiser,
            Command::FormPanel {
                purpose,
                members: self.experts(&members),
                meeting_date: date,
                place: "区数据资源局三楼会议室".into(),
            },
        )
        .await?;
        for (i, m) in members.iter().enumerate() {
            let op = PanelOpinion {
                score: if pass { 82 + i as u32 } else { 55 },
                pass,
                opinion: if pass {
                    "方案基本可行，建议细化数据共享清单，压减硬件投入。".into()
                } else {
                    "需求不明确，与已有系统功能重复。".into()
                },
                suggested_amount: amount,
            };
            self.run(id, m, Command::PanelOpinion { opinion: op })
                .await?;
        }
        self.run(
            id,
            organiser,
            Command::ConcludePanel {
                opinion: "经专家组讨论形成意见。".into(),
                suggested_amount: None,
                date,
            },
        )
        .await
    }

    /// The demo projects of the other cities, each walked along its own profile's path as its
    /// real roles (Shaoxing arts. 12–14, 4; Quzhou 三(二)).
    pub async fn walk_cities(&self) -> Result<(), String> {
        let today = self.today;
        let project = |name: &str, summary: &str, yuan: i64| ProjectInput {
            name: name.into(),
            year: today.year() as i32 + 1,
            build_kind: BuildKind::New,
            category: Category::Application,
            it_amount: Yuan::from_yuan(yuan),
            non_it_amount: Yuan::ZERO,
            security_amount: Yuan::from_yuan(yuan / 100 * 6),
            funding: tongchou_domain::project::Funding::DistrictFiscal,
            summary: summary.into(),
            participants: vec![],
            responsible_person: "项目负责人".into(),
            major_task: None,
            gov_function: None,
        };
        let create = |unit: &'static str, input: ProjectInput| async move {
            let actor = self.world.actor(unit);
            self.st
                .db
                .create_project(
                    actor,
                    &input,
                    &self.st.profile_tag_for(&actor.jurisdiction_path),
                )
                .await
                .map(|p| p.id)
                .map_err(|e| e.to_string())
        };
        let declare = |id: ProjectId, unit: &'static str| async move {
            self.at(60);
            self.attach(id, unit, "declaration_form", "项目申报表")
                .await?;
            self.attach(id, unit, "feasibility_report", "建设方案")
                .await?;
            self.run(
                id,
                unit,
                Command::Declare {
                    urgent: None,
                    override_reason: None,
                },
            )
            .await
        };
        let checks = |p: &Profile, missing: &[&str]| -> Vec<(String, bool)> {
            p.compliance_checklist
                .iter()
                .map(|i| (i.code.clone(), !missing.contains(&i.code.as_str())))
                .collect()
        };
        let panel = |id: ProjectId,
                     organiser: &'static str,
                     members: [&'static str; 3],
                     amount: Yuan| async move {
            self.run(
                id,
                organiser,
                Command::FormPanel {
                    purpose: PanelPurpose::ExpertReview,
                    members: self.experts(&members),
                    meeting_date: self.clock.get(),
                    place: "市大数据局会议室".into(),
                },
            )
            .await?;
            for m in members {
                self.run(
                    id,
                    m,
                    Command::PanelOpinion {
                        opinion: PanelOpinion {
                            score: 85,
                            pass: true,
                            opinion: "建设必要、方案可行、内容完整，经费测算基本合理。".into(),
                            suggested_amount: Some(amount),
                        },
                    },
                )
                .await?;
            }
            self.run(
                id,
                organiser,
                Command::ConcludePanel {
                    opinion: "专家论证通过。".into(),
                    suggested_amount: None,
                    date: self.clock.get(),
                },
            )
            .await
        };

        // Shaoxing: 初审 (one-time notification) → 专家论证 → 领导小组审查 → 发改委批复.
        let sx = Profile::shaoxing();
        let a = create(
            "sxjyj",
            project(
                "越城区智慧教育云平台",
                "整合区内教育业务系统，建设统一的教育云平台。",
                1_600_000,
            ),
        )
        .await?;
        declare(a, "sxjyj").await?;
        self.at(55);
        self.run(
            a,
            "sxxgb",
            Command::ComplianceReview {
                checks: checks(&sx, &["performance_goals", "catalogue"]),
                problems: vec!["概算表未将非信息化内容分开计列".into()],
                opinion: "材料不齐全，一次性告知，请补正后重新提交".into(),
                duplicate: None,
            },
        )
        .await?;
        self.at(50);
        self.run(
            a,
            "sxjyj",
            Command::RequestRereview {
                note: "已按一次性告知补正".into(),
            },
        )
        .await?;
        self.run(
            a,
            "sxxgb",
            Command::ComplianceReview {
                checks: checks(&sx, &[]),
                problems: vec![],
                opinion: "材料齐全，予以受理".into(),
                duplicate: None,
            },
        )
        .await?;
        self.at(40);
        panel(
            a,
            "sxxgb",
            ["sxzj1", "sxzj2", "sxzj3"],
            Yuan::from_yuan(1_500_000),
        )
        .await?;
        self.at(30);
        self.run(
            a,
            "sxldxz",
            Command::ReExamine {
                pass: true,
                final_amount: Some(Yuan::from_yuan(1_450_000)),
                opinion: "规划合理、资源共享、确有必要、资金合理、安全可控，同意".into(),
            },
        )
        .await?;
        self.at(25);
        self.run(
            a,
            "sxfgw",
            Command::Approve {
                approve: true,
                doc_date: self.clock.get(),
                opinion: "同意立项".into(),
            },
        )
        .await?;
        let b = create(
            "sxjyj",
            project(
                "越城区校园安全物联感知",
                "校园出入口、食堂等重点部位物联感知与预警。",
                900_000,
            ),
        )
        .await?;
        declare(b, "sxjyj").await?;
        self.at(20);
        self.run(
            b,
            "sxxgb",
            Command::ComplianceReview {
                checks: checks(&sx, &[]),
                problems: vec![],
                opinion: "材料齐全，予以受理".into(),
                duplicate: None,
            },
        )
        .await?;
        let c = create(
            "sxjyj",
            project(
                "越城区教育督导数字化",
                "督导事项线上流转与问题整改闭环。",
                600_000,
            ),
        )
        .await?;
        declare(c, "sxjyj").await?;
        self.at(10);
        self.run(
            c,
            "sxxgb",
            Command::ComplianceReview {
                checks: checks(&sx, &["construction_plan", "performance_goals"]),
                problems: vec!["未提供公共数据资源目录".into()],
                opinion: "材料不齐全，一次性告知".into(),
                duplicate: None,
            },
        )
        .await?;
        // 第十一条: an urgent mid-year task declared before the year's round opened — its basis
        // and the city leadership's consent, then 市财政局 confirms the fund source, then 初审.
        let u = create(
            "sxjyj",
            project(
                "越城区校园防汛应急指挥",
                "汛期校园风险点监测、预警发布与应急调度。",
                500_000,
            ),
        )
        .await?;
        self.at(230);
        self.attach(u, "sxjyj", "declaration_form", "项目申报表")
            .await?;
        self.attach(u, "sxjyj", "feasibility_report", "建设方案")
            .await?;
        self.run(
            u,
            "sxjyj",
            Command::Declare {
                override_reason: None,
                urgent: Some(tongchou_domain::lifecycle::UrgentInput {
                    basis: "省防指年中部署的校园防汛专项任务".into(),
                    consent: "市政府专题会议纪要（演示）".into(),
                }),
            },
        )
        .await?;
        self.at(228);
        self.run(
            u,
            "sxczj",
            Command::ConfirmFundSource {
                source: "年度部门预算内调剂安排".into(),
                opinion: "同意在预算内调剂".into(),
            },
        )
        .await?;
        self.at(225);
        self.run(
            u,
            "sxxgb",
            Command::ComplianceReview {
                checks: checks(&sx, &[]),
                problems: vec![],
                opinion: "材料齐全，予以受理".into(),
                duplicate: None,
            },
        )
        .await?;

        // Quzhou: 并联审核 → 决策咨询意见（概算价）→ 领导小组审定 → 发改委初步设计批复.
        let qz = Profile::quzhou();
        let scorers = [
            ("qzsjj", "符合四横三纵"),
            ("qzwxb", "安全方案可行"),
            ("qzysb", "利企便民"),
            ("qzfgw", "同意"),
            ("qzczj", "资金可保障"),
            ("qzjgb", "监管要求已明确"),
            ("qzpszx", "概算基本合理"),
        ];
        let d = create(
            "qzwjw",
            project(
                "柯城区健康大脑",
                "区域健康数据汇聚、监测预警与辅助决策。",
                2_000_000,
            ),
        )
        .await?;
        declare(d, "qzwjw").await?;
        self.at(50);
        for (who, op) in scorers {
            self.run(
                d,
                who,
                Command::PreliminaryScore {
                    scores: qz
                        .preliminary_table
                        .iter()
                        .map(|i| (i.code.clone(), i.max * 4 / 5))
                        .collect(),
                    pass: true,
                    opinion: op.into(),
                },
            )
            .await?;
        }
        // 业务需求单位 states and confirms its needs (三(二)1).
        self.run(
            d,
            "qzwjw",
            Command::ConfirmNeeds {
                statement: "全区健康数据汇聚与监测预警需求已在方案中逐项列明，确认无误".into(),
            },
        )
        .await?;
        self.run(
            d,
            "qzsjj",
            Command::PreliminaryDecide {
                pass: true,
                opinion: "并联审核通过".into(),
            },
        )
        .await?;
        self.at(45);
        self.run(
            d,
            "qzsjj",
            Command::ReExamine {
                pass: true,
                final_amount: Some(Yuan::from_yuan(1_880_000)),
                opinion: "形成《衢州市数字化项目决策咨询意见》，核定概算价188万元".into(),
            },
        )
        .await?;
        self.at(2);
        self.run(
            d,
            "qzwjw",
            Command::SetProjectCode {
                code: format!("{}-330802-65-01-000001", self.clock.get().year()),
                classified: false,
            },
        )
        .await?;
        self.run(
            d,
            "qzldxz",
            Command::Approve {
                approve: true,
                doc_date: self.clock.get(),
                opinion: "领导小组审定同意".into(),
            },
        )
        .await?;
        let e = create(
            "qzwjw",
            project(
                "柯城区基层医疗数字化",
                "基层医疗机构诊疗与公卫服务一体化。",
                1_200_000,
            ),
        )
        .await?;
        declare(e, "qzwjw").await?;
        self.at(5);
        for (who, op) in &scorers[..3] {
            self.run(
                e,
                who,
                Command::PreliminaryScore {
                    scores: qz
                        .preliminary_table
                        .iter()
                        .map(|i| (i.code.clone(), i.max * 4 / 5))
                        .collect(),
                    pass: true,
                    opinion: (*op).into(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Walk a draft to `target` (any stage but Draft; Ended = failed at preliminary review).
    pub async fn walk(&self, id: ProjectId, unit: &str, target: Stage) -> Result<(), String> {
        let t = self.today;
        let project = self.st.db.project(id).await.map_err(|e| e.to_string())?;
        let profile = &self.st.profile_for(&project.jurisdiction_path);
        let it = project.input.it_amount;
        self.at(150);
        self.attach(id, unit, "declaration_form", "电子政务项目申报表")
            .await?;
        self.attach(id, unit, "feasibility_report", "项目可行性研究报告")
            .await?;
        self.run(
            id,
            unit,
            Command::Declare {
                urgent: None,
                override_reason: Some("已在可研报告中说明安全投入由区级统一平台承担".into()),
            },
        )
        .await?;
        if target == Stage::ComplianceReview {
            return Ok(());
        }
        self.at(140);
        let all: Vec<(String, bool)> = profile
            .compliance_checklist
            .iter()
            .map(|i| (i.code.clone(), true))
            .collect();
        if target == Stage::Returned {
            let mut some = all.clone();
            some[1].1 = false;
            return self
                .run(
                    id,
                    "sjj",
                    Command::ComplianceReview {
                        checks: some,
                        problems: vec!["投资估算未按功能模块细化".into()],
                        opinion: "请按意见修改后申请复审".into(),
                        duplicate: None,
                    },
                )
                .await;
        }
        self.run(
            id,
            "sjj",
            Command::ComplianceReview {
                checks: all,
                problems: vec![],
                opinion: "材料齐全，符合要求".into(),
                duplicate: None,
            },
        )
        .await?;
        if target == Stage::PreliminaryReview {
            return Ok(());
        }
        let fail = target == Stage::Ended;
        for who in ["sjj", "fgj", "czj", "wxb", "xcb"] {
            let scores = profile
                .preliminary_table
                .iter()
                .map(|i| (i.code.clone(), i.max * 4 / 5))
                .collect();
            self.run(
                id,
                who,
                Command::PreliminaryScore {
                    scores,
                    pass: !fail,
                    opinion: "符合区级统筹方向".into(),
                },
            )
            .await?;
        }
        self.run(
            id,
            "sjj",
            Command::PreliminaryDecide {
                pass: !fail,
                opinion: if fail {
                    "与已建系统功能重复，初审不通过".into()
                } else {
                    "同意进入专家评审".into()
                },
            },
        )
        .await?;
        if fail || target == Stage::ExpertReview {
            return Ok(());
        }
        self.at(125);
        for (k, n) in [
            ("revised_report", "修改后的可行性研究报告"),
            ("revision_list", "修改详细清单"),
            ("presentation", "上会汇报PPT"),
        ] {
            self.attach(id, unit, k, n).await?;
        }
        let suggested = Yuan::from_fen(it.fen() / 100 * 92);
        self.at(120);
        self.panel(
            id,
            "sjj",
            PanelPurpose::ExpertReview,
            true,
            Some(suggested),
            days_ago(t, 120),
        )
        .await?;
        if target == Stage::ReExamination {
            return Ok(());
        }
        self.at(112);
        self.attach(id, unit, "final_report", "专家评审后最终可研报告")
            .await?;
        let final_amount = Yuan::from_fen(suggested.fen() / 100 * 98);
        self.run(
            id,
            "sjj",
            Command::ReExamine {
                pass: true,
                final_amount: Some(final_amount),
                opinion: "同意，按轻重缓急列入年度计划".into(),
            },
        )
        .await?;
        if target == Stage::ApprovalMeeting {
            return Ok(());
        }
        self.at(100);
        self.run(
            id,
            "lxhy",
            Command::Approve {
                approve: true,
                doc_date: days_ago(t, 100),
                opinion: "联席会议审议通过".into(),
            },
        )
        .await?;
        if target == Stage::Approved {
            return Ok(());
        }
        self.at(95);
        self.run(
            id,
            "czj",
            Command::Budget {
                fiscal_year: t.year() as i32,
                amount: final_amount,
                opinion: "安排专项资金".into(),
            },
        )
        .await?;
        if target == Stage::Budgeted {
            return Ok(());
        }
        self.at(88);
        self.run(
            id,
            unit,
            Command::StartProcurement {
                method: "open_tender".into(),
                ceiling: final_amount,
                doc_date: days_ago(t, 90),
            },
        )
        .await?;
        if target == Stage::Procurement {
            return Ok(());
        }
        let name = self
            .st
            .db
            .project(id)
            .await
            .map_err(|e| e.to_string())?
            .input
            .name;
        let clauses = profile
            .contract_clauses
            .iter()
            .map(|i| (i.code.clone(), true))
            .collect();
        self.at(78);
        self.run(
            id,
            unit,
            Command::SignContract {
                project_name: name,
                supplier: "浙江数智科技有限公司".into(),
                amount: Yuan::from_fen(final_amount.fen() / 100 * 95),
                signed_date: days_ago(t, 80),
                period_months: 6,
                maintenance_years: 2,
                clauses,
                override_reason: None,
                // 工程监理 (Shangcheng 项目实施): tendered separately, 2% of the approved amount.
                supervision: Some(tongchou_domain::project::SupervisionContract {
                    company: "浙江诚信工程监理咨询有限公司".into(),
                    fee: Yuan::from_fen(final_amount.fen() / 100 * 2),
                    signed_date: days_ago(t, 80),
                }),
            },
        )
        .await?;
        // Monthly reports from the signing month up to last month.
        let mut m = days_ago(t, 80);
        let mut pct = 20;
        while m.strftime("%Y-%m").to_string() < t.strftime("%Y-%m").to_string() {
            let month = m.strftime("%Y-%m").to_string();
            // Each month's report on the 15th (the contract month's on signing day at the latest).
            let fifteenth =
                tongchou_domain::calendar::Calendar::day_of_month(m, 15).max(days_ago(t, 80));
            self.clock.set(fifteenth.min(t));
            self.run(
                id,
                unit,
                Command::ReportProgress {
                    month,
                    percent: pct,
                    summary: "按计划推进需求调研、开发和联调".into(),
                    milestones: "完成需求调研并确认需求规格说明书".into(),
                    problems: "无".into(),
                },
            )
            .await?;
            m = tongchou_domain::lifecycle::add_months(m, 1);
            pct = (pct + 30).min(90);
        }
        if target == Stage::InConstruction {
            return Ok(());
        }
        self.at(35);
        self.panel(
            id,
            unit,
            PanelPurpose::InitialAcceptance,
            true,
            None,
            days_ago(t, 35),
        )
        .await?;
        if target == Stage::TrialRun {
            return Ok(());
        }
        self.at(3);
        self.attach(id, unit, "trial_run_report", "试运行报告")
            .await?;
        self.attach(id, unit, "test_report", "等保信创测评报告")
            .await?;
        let conds = profile
            .acceptance_conditions
            .iter()
            .map(|i| (i.code.clone(), true))
            .collect();
        self.run(id, unit, Command::ApplyAcceptance { conditions: conds })
            .await?;
        if target == Stage::AcceptanceApplied {
            return Ok(());
        }
        self.at(2);
        self.run(
            id,
            "sjj",
            Command::ReviewAcceptanceApplication {
                agree: true,
                opinion: "满足验收条件，同意组织验收".into(),
            },
        )
        .await?;
        if target == Stage::Accepting {
            return Ok(());
        }
        let pass = target == Stage::InOperation;
        self.at(1);
        self.panel(
            id,
            "sjj",
            PanelPurpose::FinalAcceptance,
            pass,
            None,
            days_ago(t, 1),
        )
        .await?;
        Ok(())
    }
}

impl Walker<'_> {
    /// Demo money for a contracted project: batches 30/40/30 of the contract, the first batch
    /// pre-filed and paid, the second pre-filed when the project passed initial acceptance; with
    /// `change`, a cut of 4% of the approved amount filed by the unit and recorded by the
    /// authority (Shangcheng 第六章 项目实施).
    pub async fn money(&self, id: ProjectId, unit: &str, change: bool) -> Result<(), String> {
        let ctx = self.st.db.context(id).await.map_err(|e| e.to_string())?;
        let Some(contract) = ctx.contract.clone() else {
            return Ok(());
        };
        let stage = ctx.project.stage;
        let approved = ctx.project.approved_amount.unwrap_or_default();
        self.clock
            .set(contract.signed_date.max(days_ago(self.today, 75)));
        for (condition, pct) in [("合同签订后", 30), ("初验通过后", 40), ("验收合格后", 30)]
        {
            self.run(
                id,
                unit,
                Command::AddPaymentBatch {
                    condition: condition.into(),
                    ratio_bp: pct * 100,
                },
            )
            .await?;
        }
        let first = tongchou_domain::funds::share_of(contract.amount, 3000);
        self.run(
            id,
            unit,
            Command::PrefilePayment {
                batch: 1,
                amount: first,
                planned_date: self.clock.get(),
            },
        )
        .await?;
        self.run(
            id,
            unit,
            Command::RecordPayment {
                payment: 1,
                paid_date: self.clock.get(),
                amount: first,
                voucher: "国库集中支付凭证".into(),
            },
        )
        .await?;
        if stage != Stage::InConstruction {
            self.clock.set(days_ago(self.today, 1));
            self.run(
                id,
                unit,
                Command::PrefilePayment {
                    batch: 2,
                    amount: tongchou_domain::funds::share_of(contract.amount, 4000),
                    planned_date: self.today,
                },
            )
            .await?;
        }
        if change && stage == Stage::InConstruction {
            self.clock.set(days_ago(self.today, 20));
            let new_amount = Yuan::from_fen(approved.fen() / 100 * 96);
            if new_amount >= contract.amount {
                self.run(
                    id,
                    unit,
                    Command::SubmitChange {
                        content: "取消大屏可视化展示模块，数据接口改为调用省级一体化平台".into(),
                        reason: "省级平台已提供同类能力，避免重复建设".into(),
                        new_amount,
                        main_content: false,
                        override_reason: None,
                    },
                )
                .await?;
                self.run(
                    id,
                    "sjj",
                    Command::FileChange {
                        change: 1,
                        opinion: "核减不超过15%，予以备案".into(),
                    },
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// Systems in operation for a demo project: a level-3 internet-facing system on the government
/// cloud, registered, with cloud resources, its security papers, gone live and catalogued; every
/// other one also with a second system still waiting to go live, an open vulnerability and a
/// catalogue finding from the authority (recorded through the real decide + apply path).
pub async fn seed_systems(
    st: &AppState,
    world: &World,
    id: ProjectId,
    unit: &str,
    name: &str,
    variant: usize,
    today: Date,
) -> Result<(), String> {
    use tongchou_domain::operation::{
        CloudKind, OpCommand, OpenAttr, SecurityKind, ShareAttr, SystemInput,
    };
    // Each step is recorded on its own day (the walk happened over months).
    let clock = std::cell::Cell::new(days_ago(today, 200));
    let run = |who: &'static str, cmd: OpCommand| {
        let who = if who == "unit" {
            unit.to_string()
        } else {
            who.to_string()
        };
        let today = clock.get();
        async move {
            let project = st.db.project(id).await.map_err(|e| e.to_string())?;
            let ops = st.db.load_ops(id).await.map_err(|e| e.to_string())?;
            let actor = world.actor(&who);
            let d = tongchou_domain::operation::decide(&project, &ops, actor, cmd, today)
                .map_err(|e| format!("{who}: {e}"))?;
            let changes = tongchou_domain::obligation::changes(
                &project,
                &d,
                &st.profile(),
                &tongchou_domain::calendar::Calendar::builtin(),
                today,
            );
            st.db
                .apply(
                    &tongchou_domain::project::ProjectContext::new(project),
                    actor,
                    &d,
                    &changes,
                    &st.profile_tag(),
                )
                .await
                .map_err(|e| e.to_string())?;
            Ok::<(), String>(())
        }
    };
    let base = name
        .split('（')
        .next()
        .unwrap_or(name)
        .trim_start_matches("上城区");
    run(
        "unit",
        OpCommand::AddSystem {
            input: SystemInput {
                name: format!("{base}系统"),
                operating_body: "杭州某信息技术服务有限公司".into(),
                responsible_person: "运维负责人".into(),
                om_rules: "《信息系统运行维护管理制度》《网络安全事件应急预案》".into(),
                om_amount: Yuan::from_yuan(120_000 + 20_000 * (variant as i64 % 4)),
                internet_facing: true,
                gov_cloud: true,
                level: 3,
                important: variant.is_multiple_of(2),
            },
        },
    )
    .await?;
    run(
        "unit",
        OpCommand::Register {
            system: 1,
            reference: format!("SC-XT-{}-{:04}", today.year(), 100 + variant),
            date: days_ago(today, 200),
        },
    )
    .await?;
    clock.set(days_ago(today, 190));
    for (kind, spec, quantity) in [
        (CloudKind::Host, "8核16G", 4),
        (CloudKind::Database, "RDS MySQL 8核32G 主备", 1),
        (CloudKind::Storage, "对象存储（TB）", 5),
        (CloudKind::Security, "Web应用防火墙", 1),
    ] {
        run(
            "unit",
            OpCommand::RequestCloud {
                system: 1,
                kind,
                spec: spec.into(),
                quantity,
            },
        )
        .await?;
    }
    let mut papers = vec![
        (SecurityKind::Report, "信息系统安全评估报告"),
        (SecurityKind::Plan, "信息系统信息安全方案"),
        (SecurityKind::Filing, "等保备案证明 33010299001"),
        (SecurityKind::Assessment, "等级保护测评报告"),
    ];
    if variant.is_multiple_of(2) {
        papers.push((SecurityKind::Crypto, "商用密码应用安全性评估报告"));
    }
    clock.set(days_ago(today, 120));
    for (kind, reference) in papers {
        run(
            "unit",
            OpCommand::RecordSecurity {
                system: 1,
                kind,
                reference: reference.into(),
                date: days_ago(today, 120),
                findings_fixed: false,
                note: String::new(),
            },
        )
        .await?;
    }
    clock.set(days_ago(today, 100));
    run(
        "unit",
        OpCommand::GoLive {
            system: 1,
            date: days_ago(today, 100),
            override_reason: None,
        },
    )
    .await?;
    clock.set(days_ago(today, 90));
    for (res, share) in [
        ("业务办理记录", ShareAttr::Conditional),
        ("服务对象基础信息", ShareAttr::Unconditional),
    ] {
        run(
            "unit",
            OpCommand::AddData {
                system: 1,
                name: res.into(),
                unit: world.actor(unit).unit_name.clone(),
                format: "结构化（库表）".into(),
                share,
                open: OpenAttr::None,
            },
        )
        .await?;
    }
    clock.set(days_ago(today, 0));
    if variant % 2 == 1 {
        run(
            "unit",
            OpCommand::AddSystem {
                input: SystemInput {
                    name: format!("{base}移动端"),
                    operating_body: "杭州某信息技术服务有限公司".into(),
                    responsible_person: "运维负责人".into(),
                    om_rules: "《信息系统运行维护管理制度》".into(),
                    om_amount: Yuan::from_yuan(40_000),
                    internet_facing: true,
                    gov_cloud: true,
                    level: 2,
                    important: false,
                },
            },
        )
        .await?;
        run(
            "unit",
            OpCommand::ReportVuln {
                system: 1,
                description: "登录接口存在越权访问风险".into(),
                found: days_ago(today, 5),
                fix_deadline: tongchou_domain::lifecycle::add_days(today, 10),
            },
        )
        .await?;
        run(
            "sjj",
            OpCommand::CatalogueFinding {
                system: 1,
                date: days_ago(today, 20),
                problems: "数据资源目录未按共享规范挂接共享接口".into(),
            },
        )
        .await?;
        // Another unit asks for the conditional resource through the platform (art.31).
        run(
            if unit == "mzj" { "wjw" } else { "mzj" },
            OpCommand::RequestData {
                system: 1,
                resource: 1,
                purpose: "跨部门业务协同核验".into(),
            },
        )
        .await?;
    }
    Ok(())
}

/// Realistic demo project names by unit.
/// (unit, name, summary) of the demo projects; also the labelled originals of the similarity benchmark.
pub const DEMO: &[(&str, &str, &str)] = &[
    ("jyj", "上城区智慧教育“一张图”综合应用", "整合全区中小学学籍、师资、校舍数据，建设教育资源一张图和入学一件事应用，实现入学报名“零材料”。"),
    ("jyj", "上城区中小学校园安全智能预警系统", "依托区一体化智能化公共数据平台，建设校园周边视频智能分析和学生安全预警模块。"),
    ("jyj", "上城区教师队伍数字化管理平台升级", "对既有教师管理系统迭代升级，新增职称评审、继续教育学分在线认定功能。"),
    ("wjw", "上城区基层医疗卫生机构数字健康服务平台", "建设家庭医生签约、慢病随访和健康档案共享模块，贯通区内23家社区卫生服务中心。"),
    ("wjw", "上城区院前急救调度系统扩容", "对院前急救调度系统扩容，接入“浙里办”一键呼救，实现急救资源统一调度。"),
    ("wjw", "上城区公共卫生应急指挥数字化应用", "建设公共卫生事件监测预警、物资调度和应急指挥模块。"),
    ("mzj", "上城区“浙里康养”居家养老服务应用", "建设居家养老服务预约、补贴发放和服务监管一体化应用，覆盖全区14个街道。"),
    ("mzj", "上城区社会救助一件事联办系统", "打通民政、人社、医保数据，实现低保、特困认定“一件事”联办。"),
    ("mzj", "上城区婚姻登记预约与档案数字化", "实现婚姻登记网上预约、历史档案数字化和电子证照共享。"),
    ("cgj", "上城区城市运行“一网统管”城管子场景", "建设市容环境、占道经营智能发现和闭环处置应用，接入城市大脑。"),
    ("cgj", "上城区垃圾分类全链条监管平台", "建设垃圾分类投放、收运、处置全链条数字化监管平台。"),
    ("cgj", "上城区户外广告与招牌设施数字化管理", "建设户外广告设施一户一档和安全巡检数字化管理模块。"),
    ("scj", "上城区食品安全智慧监管系统", "建设餐饮单位“阳光厨房”接入、抽检数据分析和风险预警功能。"),
    ("scj", "上城区市场主体信用分级分类监管应用", "基于信用数据构建市场主体风险画像，支撑双随机抽查。"),
    ("scj", "上城区特种设备安全智能监测平台", "对电梯等特种设备运行数据实时监测和维保监管。"),
];

/// Seed the whole demo: world plus about 50 projects spread over every stage.
pub async fn seed_demo(st: &AppState, today: Date) -> Result<World, String> {
    let world = seed_world(&st.db, None).await.map_err(|e| e.to_string())?;
    // Shaoxing declares with next year's investment plan or department budget (第八条): its
    // 市信管办 has opened that round.
    seed_round(&st.db, &world, "sxxgb", today)
        .await
        .map_err(|e| e.to_string())?;
    // The jurisdictions just chose their profiles: decide each project under its own.
    st.load_profile().await?;
    let targets = [
        Stage::Draft,
        Stage::ComplianceReview,
        Stage::Returned,
        Stage::PreliminaryReview,
        Stage::ExpertReview,
        Stage::ReExamination,
        Stage::ApprovalMeeting,
        Stage::Approved,
        Stage::Budgeted,
        Stage::Procurement,
        Stage::InConstruction,
        Stage::TrialRun,
        Stage::AcceptanceApplied,
        Stage::Accepting,
        Stage::Rectifying,
        Stage::InOperation,
        Stage::Ended,
    ];
    let walker = Walker::new(st, &world, today);
    let mut first_upgrade: Option<(ProjectId, &str)> = None;
    let kinds = [
        BuildKind::New,
        BuildKind::Upgrade,
        BuildKind::Extension,
        BuildKind::Maintenance,
    ];
    let cats = [
        Category::Application,
        Category::Data,
        Category::Security,
        Category::Network,
    ];
    for i in 0..51usize {
        let (unit, name, summary) = DEMO[i % DEMO.len()];
        let round = i / DEMO.len();
        let name = if round == 0 {
            name.to_string()
        } else {
            format!("{name}（{}期）", ["", "二", "三", "四"][round])
        };
        let it = Yuan::from_yuan(800_000 + (i as i64 * 137_000) % 4_200_000);
        let input = ProjectInput {
            name,
            year: today.year() as i32 + if i % 3 == 0 { 1 } else { 0 },
            build_kind: kinds[i % 4],
            category: cats[i % 4],
            it_amount: it,
            non_it_amount: Yuan::from_yuan(50_000 * (i as i64 % 3)),
            // Every eighth project (new builds) budgets 3% for security: declared with a reason,
            // an override pending 区委网信办 (SPEC §0).
            security_amount: Yuan::from_fen(it.fen() / 100 * if i % 8 == 0 { 3 } else { 6 }),
            funding: if i % 7 == 3 {
                Funding::HigherTransfer
            } else {
                Funding::DistrictFiscal
            },
            summary: summary.to_string(),
            participants: if i % 5 == 0 {
                vec!["区数据资源局".into()]
            } else {
                vec![]
            },
            responsible_person: "项目负责人".into(),
            // ZJ-plan 二（二）: most demo projects carry a major task and a function; every
            // fifth is left 未标注, like a project declared before the field existed.
            major_task: (i % 5 != 4).then(|| {
                [
                    "livelihood",
                    "efficiency",
                    "safety",
                    "ecology",
                    "business_env",
                    "urbanization",
                ][i % 6]
                    .to_string()
            }),
            gov_function: (i % 5 != 4).then(|| {
                ["service", "social", "market", "economy", "environment"][i % 5].to_string()
            }),
        };
        let p = st
            .db
            .create_project(
                world.actor(unit),
                &input,
                &st.profile_tag_for(&world.actor(unit).jurisdiction_path),
            )
            .await
            .map_err(|e| e.to_string())?;
        if input.build_kind == BuildKind::Upgrade && first_upgrade.is_none() {
            first_upgrade = Some((p.id, unit));
        }
        let target = targets[i % targets.len()];
        if target != Stage::Draft {
            walker
                .walk(p.id, unit, target)
                .await
                .map_err(|e| format!("{}: {e}", input.name))?;
            // Half of those overrides signed off by the approver, the rest left pending.
            if i % 16 == 8 {
                let ctx = st.db.context(p.id).await.map_err(|e| e.to_string())?;
                for o in ctx.overrides.iter().filter(|o| o.approver == Role::Cyber) {
                    walker
                        .run(
                            p.id,
                            "wxb",
                            Command::ReviewOverride {
                                id: o.id,
                                agree: true,
                                opinion: "安全能力由区统建平台承担，同意".into(),
                            },
                        )
                        .await?;
                }
            }
            if matches!(
                target,
                Stage::InConstruction | Stage::TrialRun | Stage::InOperation
            ) {
                walker
                    .money(p.id, unit, true)
                    .await
                    .map_err(|e| format!("{}: {e}", input.name))?;
            }
            if target == Stage::InOperation {
                seed_systems(st, &world, p.id, unit, &input.name, i, today)
                    .await
                    .map_err(|e| format!("{}: {e}", input.name))?;
            }
        }
    }
    seed_money_demo(st, &world, today).await?;
    Walker::new(st, &world, today)
        .walk_cities()
        .await
        .map_err(|e| format!("其他城市演示项目：{e}"))?;
    // Shangcheng 第十章: 海曙区数据资源局 found 海曙区民政局 built a system without approval.
    let hs = world.actor("hsmzj");
    st.db
        .record_unapproved_build(
            world.actor("hssjj"),
            hs.unit_id,
            "社区养老服务预约小程序",
            "海数资督〔演示〕1号",
            days_ago(today, 30),
            "未经立项自行采购建设（演示数据）",
        )
        .await
        .map_err(|e| e.to_string())?;
    seed_demand_demo(st, &world, today, first_upgrade).await?;
    seed_evaluation_demo(st, &world, today).await?;
    seed_market_demo(st, &world, today).await?;
    seed_board_demo(st, &world, today).await?;
    Ok(world)
}

/// Demo 挂图作战 (ZJ-plan 四(一)), plan indicators (一) and 观星台 (四(三)): the plan's indicators
/// kept by the province; three projects in construction with their tasks — one late, one closed
/// awaiting 对账, one reconciled — the first linked to the 一网通办 indicator; one project in
/// operation published as a showcase case.
pub async fn seed_board_demo(st: &AppState, world: &World, today: Date) -> Result<(), String> {
    use tongchou_domain::tasks::{self, Evidence, TaskCommand, TaskInput, TaskKind};
    let e = |e: StoreError| e.to_string();
    st.db
        .add_indicators(world.actor("szb"), &tasks::zj_plan_indicators())
        .await
        .map_err(e)?;
    let one_net = st
        .db
        .indicators()
        .await
        .map_err(e)?
        .into_iter()
        .find(|i| i.input.name.contains("一网通办") && i.input.year == 2021);
    let auth = world.actor("sjj");
    let scope = tongchou_domain::permission::list_scope(auth);
    let f = |stage| tongchou_store::project::ListFilter {
        stages: vec![stage],
        per_page: 3,
        page: 1,
        ..Default::default()
    };
    let (building, _) = st
        .db
        .list_projects(&scope, &f(Stage::InConstruction))
        .await
        .map_err(e)?;
    for (n, item) in building.iter().enumerate() {
        let p = st.db.project(ProjectId(item.id)).await.map_err(e)?;
        let (profile, tag) = st.profile_and_tag(&p.jurisdiction_path);
        let Some((_, clerk)) = world
            .actors
            .iter()
            .find(|(_, a)| a.unit_id == p.unit_id && a.has(Role::Unit))
        else {
            continue;
        };
        let plan = [
            (
                TaskKind::Milestone,
                "完成需求调研和详细设计",
                -20,
                "详细设计说明书通过评审",
            ),
            (
                TaskKind::Task,
                "完成数据归集和接口联调",
                -3,
                "归集数据表全部通过质量检查",
            ),
            (TaskKind::Milestone, "上线试运行", 45, "试运行报告"),
        ];
        let mut added = vec![];
        for (kind, title, days, indicator) in plan {
            let input = TaskInput {
                kind,
                title: title.into(),
                owner_unit_id: p.unit_id,
                owner_unit_name: p.unit_name.clone(),
                owner_person: "项目负责人".into(),
                due: today
                    .checked_add(jiff::Span::new().days(days))
                    .map_err(|e| e.to_string())?,
                indicator: indicator.into(),
            };
            let d = tasks::decide(&p, None, clerk, TaskCommand::Add(input), &profile, today)
                .map_err(|e| e.to_string())?;
            added.push(
                st.db
                    .apply_task(&p, clerk, &d, None, &tag)
                    .await
                    .map_err(e)?,
            );
        }
        // The first is closed with its evidence; in the first two projects also reconciled.
        let first = &added[0];
        let d = tasks::decide(
            &p,
            Some(first),
            clerk,
            TaskCommand::Close {
                evidence: Evidence {
                    attachment: None,
                    reference: format!("详细设计评审意见 {}-SJ-{:03}", today.year(), n + 1),
                },
                note: "详细设计已通过专家评审".into(),
            },
            &profile,
            today,
        )
        .map_err(|e| e.to_string())?;
        let closed = st
            .db
            .apply_task(&p, clerk, &d, Some(first.version), &tag)
            .await
            .map_err(e)?;
        if n < 2 {
            let d = tasks::decide(
                &p,
                Some(&closed),
                auth,
                TaskCommand::Confirm {
                    note: "与台账一致".into(),
                },
                &profile,
                today,
            )
            .map_err(|e| e.to_string())?;
            st.db
                .apply_task(&p, auth, &d, Some(closed.version), &tag)
                .await
                .map_err(e)?;
        }
        if let (0, Some(ind)) = (n, &one_net) {
            let note = "推动本部门依申请政务服务事项全程网办";
            let summary = tasks::decide_link(clerk, &p, ind, note).map_err(|e| e.to_string())?;
            st.db
                .link_indicator(&p, clerk, ind.id, Some(note), &summary, &tag)
                .await
                .map_err(e)?;
        }
    }
    let (running, _) = st
        .db
        .list_projects(&scope, &f(Stage::InOperation))
        .await
        .map_err(e)?;
    if let Some(item) = running.first() {
        let input = tongchou_domain::showcase::CaseInput {
            title: format!("{}：数据多跑路，群众少跑腿", item.name),
            summary: "依托一体化智能化公共数据平台，打通部门业务系统，实现事项线上办理和数据共享。"
                .into(),
            results: "上线以来办件全程网办，平均办理时间明显缩短，群众满意度提升。".into(),
        };
        let id = st
            .db
            .create_case(
                auth,
                tongchou_domain::showcase::CaseSource::Project,
                item.id,
                &item.name,
                &item.unit_name,
                &input,
            )
            .await
            .map_err(e)?;
        st.db
            .update_case(auth, id, 1, None, Some((true, today)))
            .await
            .map_err(e)?;
    }
    Ok(())
}

/// Demo evaluations (SPEC §2.9): every system in operation self-evaluates this year; the first is
/// spot-checked by a third party and put on the zombie-system list, the second enters the
/// best-application list, the rest continue; all results confirmed and published.
pub async fn seed_evaluation_demo(st: &AppState, world: &World, today: Date) -> Result<(), String> {
    let walker = Walker::new(st, world, today);
    let scope = tongchou_domain::permission::list_scope(world.actor("sjj"));
    let f = tongchou_store::project::ListFilter {
        stages: vec![Stage::InOperation],
        per_page: 100,
        page: 1,
        ..Default::default()
    };
    let (items, _) = st
        .db
        .list_projects(&scope, &f)
        .await
        .map_err(|e| e.to_string())?;
    let profile = st.profile();
    let Some(system) = profile.evaluation.active() else {
        return Ok(());
    };
    let year = today.year() as i32;
    for (k, item) in items.iter().enumerate() {
        let id = ProjectId(item.id);
        let ctx = st.db.context(id).await.map_err(|e| e.to_string())?;
        let Some((unit, _, _, _)) = ACCOUNTS.iter().find(|(u, _, _, roles)| {
            roles.contains(&Role::Unit) && world.actor(u).unit_id == ctx.project.unit_id
        }) else {
            continue;
        };
        let score = if k == 0 {
            25
        } else if k == 1 {
            92
        } else {
            78
        };
        let scores = |v: u32| {
            system
                .indicators
                .iter()
                .map(|i| (i.code.clone(), v))
                .collect::<Vec<_>>()
        };
        walker
            .run(
                id,
                unit,
                Command::SelfEvaluate {
                    year,
                    scores: scores(score),
                    evidence: "系统访问日志、用户统计和运维记录".into(),
                },
            )
            .await?;
        let outcome = if k == 0 {
            walker
                .run(
                    id,
                    "sjj",
                    Command::SpotCheck {
                        year,
                        by_kind: "third_party".into(),
                        checker: "浙江某信息技术评估中心".into(),
                        scores: scores(20),
                        result: "近一年活跃用户不足 20 人，业务已迁移至省统建系统".into(),
                    },
                )
                .await?;
            tongchou_domain::evaluation::Outcome::Zombie
        } else if k == 1 {
            tongchou_domain::evaluation::Outcome::Best
        } else {
            tongchou_domain::evaluation::Outcome::Continue
        };
        walker
            .run(
                id,
                "sjj",
                Command::ProposeOutcome {
                    year,
                    outcome,
                    rectify_by: None,
                    reason: format!("{year} 年度绩效评价：{}", outcome.label()),
                },
            )
            .await?;
        walker
            .run(
                id,
                "sjj",
                Command::ConfirmOutcome {
                    year,
                    agree: true,
                    leader: None,
                    leader_date: None,
                    opinion: String::new(),
                },
            )
            .await?;
        walker
            .run(id, "sjj", Command::PublishEvaluation { year })
            .await?;
    }
    Ok(())
}

/// Demo needs (unit, title, description, scenario, aspects, list).
type DemoNeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);

const NEEDS: &[DemoNeed] = &[
    (
        "mzj",
        "老年助餐服务一件事",
        "助餐点分散、补贴核对靠人工，老人和子女查询不便",
        "社区养老服务：老人刷脸就餐、补贴自动核销、子女远程查看",
        &["public_frequent"],
        "scenario",
    ),
    (
        "wjw",
        "家庭医生签约线上续约",
        "签约到期需到社区卫生服务中心现场续约",
        "基层医疗：线上续约、健康档案互通",
        &["public_frequent"],
        "demand",
    ),
    (
        "jyj",
        "义务教育入学一件事",
        "入学报名需分别提交户籍、房产、社保材料",
        "教育：入学报名材料数据共享、免提交",
        &["public_frequent", "governance"],
        "scenario",
    ),
    (
        "scj",
        "企业开办与注销全程网办",
        "开办涉及多个部门，注销清算流程长",
        "营商环境：企业全生命周期一件事",
        &["enterprise_common"],
        "reform",
    ),
    (
        "cgj",
        "城市内涝风险预警处置",
        "汛期积水点监测分散，处置联动慢",
        "城市治理：积水监测、预警、处置闭环",
        &["major_risk", "governance"],
        "scenario",
    ),
    (
        "scj",
        "食品安全风险智慧监管",
        "校园食堂、网络餐饮抽检数据未贯通",
        "市场监管：风险分级、靶向抽检",
        &["major_risk"],
        "demand",
    ),
    (
        "mzj",
        "困难群众主动发现救助",
        "困难群众依申请救助，存在漏保",
        "社会救助：多部门数据比对、主动发现",
        &["public_frequent", "political_capacity"],
        "reform",
    ),
    (
        "jyj",
        "校外培训机构资金监管",
        "预收费风险高，退费纠纷多",
        "教育治理：预收费资金存管与预警",
        &["major_risk", "enterprise_common"],
        "demand",
    ),
    (
        "cgj",
        "老年助餐点食品安全巡查",
        "助餐点巡查记录纸质化",
        "城市管理：助餐点巡查上报",
        &["public_frequent"],
        "scenario",
    ),
    (
        "hsmzj",
        "居家养老服务补贴发放",
        "补贴发放依赖线下核对",
        "社区养老：补贴资格自动核验、发放到卡",
        &["public_frequent"],
        "scenario",
    ),
    (
        "hsmzj",
        "海曙“甬城金名片”文旅服务",
        "文旅场馆预约入口分散",
        "文旅：一码预约、客流分析",
        &["golden_card"],
        "demand",
    ),
    (
        "hsmzj",
        "基层减负数据报表一表通",
        "基层报表重复填报",
        "基层治理：报表共享、一次采集多方复用",
        &["political_capacity", "governance"],
        "reform",
    ),
];

/// Demo needs across aspects, units and both cities, rolled up through the real service (district
/// → city → province), a ledger entry with its argumentation and inclusion, a published library
/// item linked to a project, and an application with an upgrade version.
pub async fn seed_demand_demo(
    st: &AppState,
    world: &World,
    today: Date,
    upgrade: Option<(ProjectId, &str)>,
) -> Result<(), String> {
    use tongchou_web::demand as dm;
    use tongchou_web::fields::Fields;
    let e = |e: tongchou_web::error::AppError| e.body().message;
    let f = |pairs: &[(&str, &str)]| {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    let mut ids = Vec::new();
    for (unit, title, description, scenario, aspects, list) in NEEDS {
        let mut pairs = vec![
            ("title", *title),
            ("description", *description),
            ("scenario", *scenario),
            ("list", *list),
        ];
        for a in aspects.iter() {
            pairs.push(("aspects", a));
        }
        ids.push(
            dm::submit_need(st, world.actor(unit), &f(&pairs))
                .await
                .map_err(e)?,
        );
    }
    let act =
        |who: &'static str, id: i64, action: &'static str, pairs: Vec<(&'static str, String)>| {
            let fields = Fields(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
            async move {
                dm::need_act(st, world.actor(who), id, action, &fields)
                    .await
                    .map_err(e)
            }
        };
    let ok = |s: &str| vec![("opinion", s.to_string())];
    // 上城区数据资源局: endorse six, merge the second 助餐 need into the first, decline one.
    for i in [0usize, 1, 2, 3, 4, 6] {
        act(
            "sjj",
            ids[i],
            "endorse",
            ok("符合本区数字化改革方向，同意报送"),
        )
        .await?;
    }
    act(
        "sjj",
        ids[8],
        "merge",
        vec![
            ("into", ids[5].to_string()),
            ("opinion", "同属食品安全监管场景".into()),
        ],
    )
    .await?;
    act(
        "sjj",
        ids[7],
        "decline",
        vec![(
            "reason",
            "省级已统建校外培训资金监管系统，不再重复建设".into(),
        )],
    )
    .await?;
    // 海曙区 → 宁波市
    act("hssjj", ids[9], "endorse", ok("同意报送")).await?;
    act("hssjj", ids[11], "endorse", ok("同意报送")).await?;
    act(
        "nbsjj",
        ids[9],
        "endorse",
        ok("与杭州同类需求可合并研究，同意报送"),
    )
    .await?;
    // 杭州市
    for i in [0usize, 2, 3] {
        act("hzsjj", ids[i], "endorse", ok("同意报送省数字政府建设专班")).await?;
    }
    act(
        "hzsjj",
        ids[4],
        "decline",
        vec![("reason", "市级城市大脑已覆盖内涝预警，由市级统筹".into())],
    )
    .await?;
    // 省级
    for i in [0usize, 9, 3] {
        act("szb", ids[i], "endorse", ok("列入多跨场景需求清单")).await?;
    }
    // 一本账 → 项目库
    let szb = world.actor("szb");
    let pid = dm::create_proposal(
        st,
        szb,
        &f(&[
            ("title", "浙里康养·老年助餐服务"),
            (
                "description",
                "整合杭州、宁波两地老年助餐与养老补贴需求，建设全省统一的老年助餐服务应用",
            ),
            ("need", &ids[0].to_string()),
            ("need", &ids[9].to_string()),
        ]),
    )
    .await
    .map_err(e)?;
    let argued = today
        .checked_sub(jiff::Span::new().days(20))
        .unwrap_or(today)
        .to_string();
    let decided = today
        .checked_sub(jiff::Span::new().days(10))
        .unwrap_or(today)
        .to_string();
    dm::proposal_act(
        st,
        szb,
        pid,
        "argue",
        &f(&[
            ("experts", "张教授、刘工、朱高工"),
            ("date", &argued),
            ("opinion", "需求真实、场景多跨，建议列入"),
        ]),
    )
    .await
    .map_err(e)?;
    dm::proposal_act(
        st,
        world.actor("sgxz"),
        pid,
        "include",
        &f(&[
            ("included", "yes"),
            ("reference", "浙数改办〔2026〕12号"),
            ("date", &decided),
        ]),
    )
    .await
    .map_err(e)?;
    let item = dm::proposal_act(
        st,
        szb,
        pid,
        "create_item",
        &f(&[
            ("title", "老年助餐服务应用"),
            (
                "description",
                "刷脸就餐、补贴自动核销、子女远程查看，先在上城区、海曙区试点",
            ),
            ("criterion", "大场景：康养服务；小切口：老年助餐一件事"),
        ]),
    )
    .await
    .map_err(e)?
    .ok_or("no item")?;
    dm::item_act(st, szb, item, "publish", &Fields::default())
        .await
        .map_err(e)?;
    // the proposal from a listed need that is not in the ledger yet stays a proposal
    dm::create_proposal(
        st,
        szb,
        &f(&[
            ("title", "企业全生命周期一件事"),
            ("need", &ids[3].to_string()),
        ]),
    )
    .await
    .map_err(e)?;
    // 应用与版本: 区民政局's platform, 1.0 evaluated, 2.0 upgrade
    let mzj = world.actor("mzj");
    let app = dm::create_app(
        st,
        mzj,
        &f(&[
            ("name", "上城区社区养老服务平台"),
            ("description", "助餐、助浴、上门服务预约"),
        ]),
    )
    .await
    .map_err(e)?;
    dm::app_act(
        st,
        mzj,
        app,
        "add_version",
        &f(&[
            ("label", "1.0"),
            ("released_on", "2024-06-30"),
            ("notes", "初始版本"),
        ]),
    )
    .await
    .map_err(e)?;
    let v1 = st.db.app_versions(app).await.map_err(|x| x.to_string())?[0].id;
    dm::app_act(
        st,
        world.actor("sjj"),
        app,
        "evaluate",
        &f(&[
            ("version_id", &v1.to_string()),
            ("evaluation", "2025 年度绩效评价良好"),
            ("passed", "yes"),
        ]),
    )
    .await
    .map_err(e)?;
    dm::app_act(
        st,
        mzj,
        app,
        "add_version",
        &f(&[
            ("label", "2.0"),
            ("predecessor", &v1.to_string()),
            ("released_on", "2025-12-31"),
            ("notes", "迭代升级：接入老年助餐"),
        ]),
    )
    .await
    .map_err(e)?;
    if let Some((project, unit)) = upgrade {
        let p = project.0.to_string();
        dm::item_act(st, szb, item, "link_project", &f(&[("project", &p)]))
            .await
            .map_err(e)?;
        dm::app_act(
            st,
            world.actor(unit),
            app,
            "link_project",
            &f(&[("project", &p)]),
        )
        .await
        .map_err(e)?;
    }
    Ok(())
}

/// Shared-application demo (ZJ-share 三): one competition accepted and listed in the market with
/// an approved reuse and a rating, one competition on public notice.
pub async fn seed_market_demo(st: &AppState, world: &World, today: Date) -> Result<(), String> {
    use tongchou_web::fields::Fields;
    use tongchou_web::market as mk;
    let e = |e: tongchou_web::error::AppError| e.body().message;
    let f = |kv: &[(&str, &str)]| {
        Fields(
            kv.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    let Some(item) = st
        .db
        .items(true)
        .await
        .map_err(|x| x.to_string())?
        .first()
        .map(|i| i.id)
    else {
        return Ok(());
    };
    let days_ago = |n: i64| {
        today
            .checked_sub(jiff::Span::new().days(n))
            .unwrap_or(today)
            .to_string()
    };
    let item_s = item.to_string();
    let form = |title: &'static str, class: &'static str, delivery: String| {
        let mut v: Vec<(String, String)> = [
            ("item", item_s.as_str()),
            ("title", title),
            ("scenario", "unveil"),
            ("class", class),
            (
                "definition",
                "刷脸就餐、补贴自动核销、子女远程查看的老年助餐应用",
            ),
            ("content", "助餐点管理、补贴核销、订餐配送"),
            ("necessity", "杭州、宁波两地需求一致，避免各地重复建设"),
            ("feasibility", "上城区已有助餐点刷脸试点"),
            ("construction_mode", "揭榜挂帅，市场主体建设、政府按需购买"),
            ("tech_spec", "接入一体化数字资源系统与公共数据平台"),
            ("financing", "项目主体自筹"),
            ("qualifications", "具备养老服务信息化项目经验"),
            ("requirements", "先在上城区、海曙区试点"),
            ("acceptance_criteria", "两地试点上线，补贴核销准确率 99%"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        v.push(("delivery_date".into(), delivery));
        Fields(v)
    };
    let lead = world.actor("qtdw");
    let me = world.actor("scgs");
    let expert = world.actor("zj1");
    // the lead unit assigns the panel (ZJ-share 三（四）: experts are assigned)
    let panel_ids = ["zj1", "zj2", "zj3"]
        .map(|u| world.actor(u).user_id.0.to_string())
        .join(",");
    let panel = f(&[("experts", panel_ids.as_str())]);
    let scores = |bid: i64| {
        let b = bid.to_string();
        let mut kv = vec![("bid".to_string(), b)];
        for (k, _) in tongchou_domain::market::CRITERIA {
            kv.push((k.to_string(), "8".to_string()));
        }
        kv.push(("opinion".into(), "架构合理，数据共享方案清晰".into()));
        Fields(kv)
    };
    // 1. accepted and listed
    let a = mk::open(st, lead, &form("老年助餐服务应用", "3", days_ago(10)))
        .await
        .map_err(e)?;
    mk::act(
        st,
        me,
        a,
        "bid",
        &f(&[
            ("kind", "market"),
            ("members", "宁波某信息公司"),
            ("materials", "联合体可研报告"),
            ("credit_code", DEMO_CREDIT_CODE),
            ("conditions", DEMO_PROVIDER_CONDITIONS),
        ]),
    )
    .await
    .map_err(e)?;
    let bid = st.db.bids(a).await.map_err(|x| x.to_string())?[0].id;
    mk::act(st, lead, a, "assign_experts", &panel)
        .await
        .map_err(e)?;
    mk::act(st, expert, a, "score", &scores(bid))
        .await
        .map_err(e)?;
    mk::act(st, lead, a, "shortlist", &f(&[("bids", &bid.to_string())]))
        .await
        .map_err(e)?;
    // the demo's notice ran a month ago
    let ended = today
        .checked_sub(jiff::Span::new().days(30))
        .unwrap_or(today);
    st.db
        .shift_notice_until_for_tests(a, ended)
        .await
        .map_err(|x| x.to_string())?;
    mk::act(st, world.actor("sjj"), a, "announce", &Fields::default())
        .await
        .map_err(e)?;
    let ms = format!(
        "试点部署|subject|{}\n组织验收|lead_unit|{}",
        days_ago(20),
        days_ago(5)
    );
    mk::act(
        st,
        lead,
        a,
        "agree",
        &f(&[("milestones", &ms), ("delivery_date", &days_ago(10))]),
    )
    .await
    .map_err(e)?;
    mk::act(st, me, a, "apply_acceptance", &Fields::default())
        .await
        .map_err(e)?;
    mk::act(
        st,
        lead,
        a,
        "accept",
        &f(&[("opinion", "两地试点运行正常，验收通过")]),
    )
    .await
    .map_err(e)?;
    // 责任制: the subject reports its milestone with its evidence document; the lead unit's
    // stays overdue
    let comp = st.db.competition(a).await.map_err(|x| x.to_string())?;
    tongchou_web::market::report_milestone_with(
        st,
        me,
        &comp,
        &f(&[
            ("milestone", "1"),
            (
                "note",
                "上城区、海曙区助餐点试点部署报告（杭科〔2026〕12号）",
            ),
        ]),
        Some(tongchou_web::market::Upload {
            filename: "助餐点试点部署报告.pdf".into(),
            bytes: tiny_pdf("助餐点试点部署报告"),
        }),
    )
    .await
    .map_err(e)?;
    let lid = st.db.listings("").await.map_err(|x| x.to_string())?[0].id;
    let jyj = world.actor("jyj");
    mk::market_act(
        st,
        jyj,
        lid,
        "request_reuse",
        &f(&[("purpose", "学校食堂开放老年助餐")]),
    )
    .await
    .map_err(e)?;
    let rid = st.db.reuses(lid).await.map_err(|x| x.to_string())?[0].id;
    mk::market_act(
        st,
        me,
        lid,
        "approve_reuse",
        &f(&[("reuse", &rid.to_string())]),
    )
    .await
    .map_err(e)?;
    mk::market_act(
        st,
        jyj,
        lid,
        "rate",
        &f(&[("stars", "5"), ("review", "核销准确，老人满意")]),
    )
    .await
    .map_err(e)?;
    // 2. on public notice
    let b = mk::open(st, lead, &form("社区助浴上门服务应用", "3", days_ago(-90)))
        .await
        .map_err(e)?;
    mk::act(
        st,
        me,
        b,
        "bid",
        &f(&[
            ("kind", "market"),
            ("materials", "助浴服务可研报告"),
            ("credit_code", DEMO_CREDIT_CODE),
            ("conditions", DEMO_PROVIDER_CONDITIONS),
        ]),
    )
    .await
    .map_err(e)?;
    let bid = st.db.bids(b).await.map_err(|x| x.to_string())?[0].id;
    mk::act(st, lead, b, "assign_experts", &panel)
        .await
        .map_err(e)?;
    mk::act(st, expert, b, "score", &scores(bid))
        .await
        .map_err(e)?;
    mk::act(
        st,
        lead,
        b,
        "shortlist",
        &f(&[
            ("bids", &bid.to_string()),
            ("notice_from", &today.to_string()),
        ]),
    )
    .await
    .map_err(e)?;
    // 3. class 3 with three subjects (三（五）第三类项目主体不超过3家): a market entity, a 公益二类
    // 事业单位 and a social organisation, each owing its own delivery and acceptance (三（七）);
    // the market entity has applied, the other two are late with their delivery
    let c3 = mk::open(st, lead, &form("基层治理按需购买应用", "3", days_ago(20)))
        .await
        .map_err(e)?;
    for (who, kind) in [
        (me, "market"),
        (world.actor("sjzx"), "institution"),
        (world.actor("szxh"), "social"),
    ] {
        mk::act(
            st,
            who,
            c3,
            "bid",
            &f(&[
                ("kind", kind),
                ("materials", "基层治理应用可研报告"),
                ("drc_opinion", "同意参与"),
                ("finance_opinion", "同意参与"),
                ("credit_code", DEMO_CREDIT_CODE),
                ("conditions", DEMO_PROVIDER_CONDITIONS),
            ]),
        )
        .await
        .map_err(e)?;
    }
    let ids: Vec<String> = st
        .db
        .bids(c3)
        .await
        .map_err(|x| x.to_string())?
        .iter()
        .map(|b| b.id.to_string())
        .collect();
    mk::act(st, lead, c3, "assign_experts", &panel)
        .await
        .map_err(e)?;
    for b in &ids {
        mk::act(st, expert, c3, "score", &scores(b.parse().unwrap_or(0)))
            .await
            .map_err(e)?;
    }
    mk::act(st, lead, c3, "shortlist", &f(&[("bids", &ids.join(","))]))
        .await
        .map_err(e)?;
    st.db
        .shift_notice_until_for_tests(c3, crate::days_ago(today, 40))
        .await
        .map_err(|x| x.to_string())?;
    mk::act(st, world.actor("sjj"), c3, "announce", &Fields::default())
        .await
        .map_err(e)?;
    mk::act(
        st,
        lead,
        c3,
        "agree",
        &f(&[
            (
                "milestones",
                &format!("组织全区推广|lead_unit|{}", days_ago(-60)),
            ),
            ("delivery_date", &days_ago(20)),
        ]),
    )
    .await
    .map_err(e)?;
    mk::act(st, me, c3, "apply_acceptance", &Fields::default())
        .await
        .map_err(e)?;
    Ok(())
}

/// The demo market entity's 统一社会信用代码 (made up, with a valid check character).
pub const DEMO_CREDIT_CODE: &str = "91330102MA2H00000H";
/// Every 承接主体 condition declared (ZJ-share 三（三）; the codes of
/// `tongchou_domain::market::PROVIDER_CONDITIONS`).
pub const DEMO_PROVIDER_CONDITIONS: &str =
    "civil_liability,credit_accounting,capability,tax_social_security,no_major_violation";

/// Candidate ids for forming a panel by usernames (tests).
pub fn ids(world: &World, names: &[&str]) -> Vec<UserId> {
    names.iter().map(|n| world.actor(n).user_id).collect()
}

/// The reference profile.
pub fn profile() -> Profile {
    Profile::shangcheng()
}

/// Demo figures for the cost-sharing calculator and cloud purchasing: last year's resident
/// population of six county-level units (illustrative numbers, not statistics) and two approved
/// cloud providers, entered by the administrator (so they show in the change logs).
pub async fn seed_money_demo(st: &AppState, world: &World, today: Date) -> Result<(), String> {
    let admin = world.actor("admin");
    let rows: Vec<(String, Option<i64>)> = [
        ("越城区", 1_000_000),
        ("柯桥区", 1_100_000),
        ("上虞区", 800_000),
        ("诸暨市", 1_200_000),
        ("嵊州市", 700_000),
        ("新昌县", 400_000),
    ]
    .into_iter()
    .map(|(c, n)| (c.to_string(), Some(n)))
    .collect();
    st.db
        .set_populations(
            admin,
            today.year() as i64 - 1,
            &rows,
            "演示数据（非统计数字）",
        )
        .await
        .map_err(|e| e.to_string())?;
    for name in ["政务云服务提供商（甲）", "政务云服务提供商（乙）"] {
        st.db
            .set_cloud_provider(admin, name, true)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
