//! `tongchou bench`: a synthetic province, the server as a child process, and HTTP load on
//! loopback. Measures lifecycle transitions per second at N concurrent clients against the raw
//! ceiling (single-row insert transactions on the same file with the same durability), p50/p99 of
//! a filtered list of 100 and of the project page, and the server's peak RSS.
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tongchou_domain::Stage;
use tongchou_store::project::GeneratedProject;
use tongchou_store::Db;

#[derive(Args, Clone)]
pub struct BenchArgs {
    /// Projects in the synthetic province.
    #[arg(long, default_value_t = 100_000)]
    projects: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Transitions (declarations) to time.
    #[arg(long, default_value_t = 2_000)]
    transitions: usize,
    /// List and page requests each.
    #[arg(long, default_value_t = 800)]
    requests: usize,
    /// Raw insert transactions for the ceiling.
    #[arg(long, default_value_t = 4_000)]
    raw: usize,
    /// Scratch directory for the database (recreated).
    #[arg(long, default_value = "bench/tmp")]
    dir: PathBuf,
    /// Where to write the figures.
    #[arg(long, default_value = "bench/results/latest.json")]
    out: PathBuf,
    /// Dashboard run instead (issue 6): a synthetic province of `--projects` projects with
    /// histories and obligations over every unit, then `/statistics` (page and API) timed as
    /// the district, city and province authorities.
    #[arg(long)]
    dashboard: bool,
}

/// Topics of the synthetic province: none of them is a topic of the demo projects, which are
/// the labelled originals of the similarity benchmark, so every flag on another project is a
/// false one.
const TOPICS: &[&str] = &[
    "水利防汛",
    "交通出行",
    "停车诱导",
    "应急管理",
    "安全生产",
    "消防救援",
    "治安防控",
    "社区矫正",
    "就业创业",
    "住房保障",
    "不动产登记",
    "税费服务",
    "统计监测",
    "文化旅游",
    "全民健身",
    "农业农村",
    "林业资源",
    "生态环境",
    "大气监测",
    "水质监测",
    "能源管理",
    "公共资源交易",
    "政务公开",
    "档案管理",
    "机关事务",
    "公务用车",
    "督查督办",
    "信访接待",
    "代表履职",
    "政协提案",
    "工会服务",
    "妇女儿童",
    "残疾人服务",
    "退役军人",
    "科技创新",
    "知识产权",
    "招商引资",
    "企业服务",
    "金融风险",
    "国资监管",
    "审计监督",
    "干部考核",
    "党建引领",
    "舆情研判",
    "网络安全态势",
    "视频资源",
    "地理信息",
    "城市体检",
    "建筑工地",
    "物业管理",
    "老旧小区",
    "燃气安全",
    "排水管网",
    "园林绿化",
    "河道管理",
    "港航运输",
    "气象服务",
    "地震监测",
    "人防工程",
    "口岸通关",
    "粮食储备",
    "药品追溯",
    "海洋渔业",
    "矿产资源",
];
const MODIFIERS: &[&str] = &[
    "数字化",
    "智能化",
    "一体化",
    "综合",
    "协同",
    "监测预警",
    "在线",
    "掌上",
    "全周期",
    "精细化",
];
const KINDS: &[&str] = &[
    "平台",
    "系统",
    "应用",
    "驾驶舱",
    "管理系统",
    "服务平台",
    "指挥系统",
];
const PLACES: &[&str] = &[
    "上城区",
    "拱墅区",
    "西湖区",
    "滨江区",
    "萧山区",
    "余杭区",
    "临平区",
    "钱塘区",
    "富阳区",
    "临安区",
    "桐庐县",
    "淳安县",
    "建德市",
];

/// A plausible project name for synthetic project `i`.
fn synthetic_name(i: usize) -> String {
    let t = TOPICS[i % TOPICS.len()];
    let m = MODIFIERS[(i / TOPICS.len()) % MODIFIERS.len()];
    let k = KINDS[(i / 7) % KINDS.len()];
    let p = PLACES[(i / 13) % PLACES.len()];
    format!("{p}{t}{m}{k}（{i:06}）")
}

/// The labelled set: a paraphrase of demo project `DEMO[n]` as another unit would declare it.
const PARAPHRASES: &[(usize, &str, &str)] = &[
    (
        0,
        "上城区教育资源一张图与入学一件事平台",
        "汇聚学籍和师资数据，打造教育资源一张图，入学一件事网上办理，报名零材料。",
    ),
    (
        1,
        "校园周边安全视频预警应用",
        "对中小学校园周边视频进行智能分析，学生安全事件自动预警。",
    ),
    (
        2,
        "教师管理系统迭代（职称评审与继续教育）",
        "教师职称评审在线办理，继续教育学分网上认定。",
    ),
    (
        3,
        "社区卫生服务中心家庭医生签约平台",
        "家庭医生签约服务、慢病随访管理和居民健康档案共享。",
    ),
    (
        4,
        "急救调度指挥系统升级",
        "院前急救调度扩容，浙里办一键呼救接入，急救资源统一调度。",
    ),
    (
        6,
        "居家养老服务一体化平台",
        "居家养老服务网上预约，养老补贴发放与服务质量监管。",
    ),
    (
        7,
        "低保特困认定一件事联办",
        "民政、人社、医保数据打通，低保和特困人员认定一件事办理。",
    ),
    (
        8,
        "婚姻登记网上预约和档案电子化",
        "婚姻登记在线预约，历史婚姻档案电子化，电子证照共享。",
    ),
    (
        10,
        "垃圾分类投放收运处置监管系统",
        "生活垃圾分类投放、收运、处置全过程数字化监管。",
    ),
    (
        11,
        "户外广告招牌一户一档管理",
        "户外广告设施和店招店牌一户一档，安全巡检数字化。",
    ),
    (
        12,
        "阳光厨房食品安全监管平台",
        "餐饮单位阳光厨房接入，食品抽检数据分析与风险预警。",
    ),
    (
        14,
        "电梯安全运行监测平台",
        "电梯等特种设备运行数据实时监测，维保过程监管。",
    ),
];
/// Declarations that duplicate nothing among the labelled originals.
const UNRELATED: &[(&str, &str)] = &[
    (
        "河湖长制巡河管理应用",
        "河湖长巡河打卡、问题上报和处置闭环。",
    ),
    ("公证服务预约系统", "公证事项网上预约、材料预审和进度查询。"),
    (
        "法律援助申请系统",
        "法律援助网上申请、经济困难审查和指派律师。",
    ),
    ("地名地址管理系统", "标准地名地址采集、审核和门牌编制。"),
    (
        "人才公寓申请配租应用",
        "人才公寓网上申请、资格审核和配租管理。",
    ),
    ("农贸市场智慧管理", "农贸市场摊位管理、价格公示和客流统计。"),
];

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_default();
    json!({ "cpu": cpu, "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), "memory": mem, "os": std::env::consts::OS })
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_secs(pid: &str) -> f64 {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit(')').next()?.split_whitespace().collect::<Vec<_>>();
            Some(rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    ticks as f64 / 100.0
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// A field of /proc/<pid>/status or smaps_rollup, in KiB.
fn proc_kib(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn timed_gets(
    client: &reqwest::Client,
    urls: Vec<String>,
    auth: (&'static str, String),
    clients: usize,
) -> Result<(Vec<f64>, usize), String> {
    let chunks: Vec<Vec<String>> = (0..clients)
        .map(|c| urls.iter().skip(c).step_by(clients).cloned().collect())
        .collect();
    let mut handles = Vec::new();
    for chunk in chunks {
        let client = client.clone();
        let auth = auth.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut bad = 0;
            for u in chunk {
                let t = Instant::now();
                let r = client.get(&u).header(auth.0, &auth.1).send().await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => bad += 1,
                }
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            (lat, bad)
        }));
    }
    let mut all = Vec::new();
    let mut bad = 0;
    for h in handles {
        let (l, b) = h.await.map_err(|e| e.to_string())?;
        all.extend(l);
        bad += b;
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Ok((all, bad))
}

pub async fn run(a: BenchArgs) -> Result<ExitCode, String> {
    if a.dashboard {
        return run_dashboard(a).await;
    }
    let _ = std::fs::remove_dir_all(&a.dir);
    std::fs::create_dir_all(&a.dir).map_err(|e| e.to_string())?;
    let url = format!("sqlite://{}", a.dir.join("bench.db").display());
    let db = Db::connect(&url, None).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let world = tongchou_testkit::seed_world(&db, None)
        .await
        .map_err(|e| e.to_string())?;
    let unit = world.actor("jyj").clone();

    // 1. The synthetic province.
    let t = Instant::now();
    let stages = [
        Stage::InConstruction,
        Stage::InOperation,
        Stage::ComplianceReview,
        Stage::ExpertReview,
        Stage::Approved,
        Stage::TrialRun,
        Stage::Ended,
    ];
    let mut items: Vec<GeneratedProject> = (0..a.projects)
        .map(|i| GeneratedProject {
            name: synthetic_name(i),
            year: 2020 + (i % 7) as i32,
            stage: stages[i % stages.len()],
            it_fen: 10_000_000 + (i as i64 % 5000) * 10_000,
            with_docs: false,
        })
        .collect();
    items.extend((0..a.transitions).map(|i| GeneratedProject {
        name: format!("待申报项目{i:05}"),
        year: 2027,
        stage: Stage::Draft,
        it_fen: 100_000_000,
        with_docs: true,
    }));
    let ids = db
        .generate_projects(&unit, &items, 2_000)
        .await
        .map_err(|e| e.to_string())?;
    let drafts: Vec<i64> = ids[a.projects..].to_vec();
    // The labelled originals of the similarity benchmark: the demo projects, with their texts.
    let mut originals = Vec::new();
    for (who, name, summary) in tongchou_testkit::DEMO {
        let input = tongchou_domain::project::ProjectInput {
            name: (*name).into(),
            year: 2026,
            build_kind: tongchou_domain::project::BuildKind::New,
            category: tongchou_domain::project::Category::Application,
            it_amount: tongchou_domain::Yuan::from_yuan(1_000_000),
            non_it_amount: tongchou_domain::Yuan::ZERO,
            security_amount: tongchou_domain::Yuan::from_yuan(60_000),
            funding: tongchou_domain::project::Funding::DistrictFiscal,
            summary: (*summary).into(),
            participants: vec![],
            responsible_person: "基准".into(),
            major_task: None,
            gov_function: None,
        };
        let p = db
            .create_project(world.actor(who), &input, "shangcheng")
            .await
            .map_err(|e| e.to_string())?;
        originals.push(p.id.0);
    }
    db.optimize(true).await.map_err(|e| e.to_string())?;
    println!(
        "generated {} projects in {:.1}s",
        ids.len(),
        t.elapsed().as_secs_f64()
    );

    // 2. Raw ceiling: single-row insert transactions, same file, same durability, same concurrency.
    db.prepare_raw_bench().await.map_err(|e| e.to_string())?;
    let t = Instant::now();
    let mut hs = Vec::new();
    for c in 0..a.clients {
        let db = db.clone();
        let n = a.raw / a.clients;
        hs.push(tokio::spawn(async move {
            for i in 0..n {
                db.raw_insert((c * n + i) as i64).await?;
            }
            Ok::<_, tongchou_store::StoreError>(())
        }));
    }
    for h in hs {
        h.await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    let raw_tps = (a.raw / a.clients * a.clients) as f64 / t.elapsed().as_secs_f64();
    db.close().await;

    // 3. The server as a child process.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = Child(
        std::process::Command::new(exe)
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                &url,
                "--data-dir",
            ])
            .arg(a.dir.join("data"))
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients * 2)
        .build()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map(|r| r.status().is_success())
        .ok()
        != Some(true)
    {
        if Instant::now() > deadline {
            return Err("server did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login = |u: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let v: serde_json::Value = client
                .post(format!("{base}/api/v1/login"))
                .json(&json!({"username": u, "password": tongchou_testkit::DEMO_PASSWORD}))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            v["token"]
                .as_str()
                .map(|s| format!("Bearer {s}"))
                .ok_or_else(|| format!("login {u}: {v}"))
        }
    };
    let unit_token = login("jyj").await?;
    let auth_token = login("sjj").await?;
    // The labelled originals are drafts: the auditor reads every project of the district.
    let audit_token = login("sjs").await?;

    // 4. Transitions: declarations (draft → compliance review) by N clients.
    let server_pid = child.0.id().to_string();
    let (cpu_server0, cpu_bench0) = (cpu_secs(&server_pid), cpu_secs("self"));
    let t = Instant::now();
    let mut hs = Vec::new();
    for c in 0..a.clients {
        let mine: Vec<i64> = drafts.iter().skip(c).step_by(a.clients).copied().collect();
        let client = client.clone();
        let base = base.clone();
        let tok = unit_token.clone();
        hs.push(tokio::spawn(async move {
            let mut bad = 0usize;
            for id in mine {
                let r = client
                    .post(format!("{base}/api/v1/projects/{id}/actions/declare"))
                    .header("authorization", &tok)
                    .json(&json!({}))
                    .send()
                    .await;
                if !matches!(r, Ok(ref r) if r.status().is_success()) {
                    bad += 1;
                }
            }
            bad
        }));
    }
    let mut trans_failed = 0;
    for h in hs {
        trans_failed += h.await.map_err(|e| e.to_string())?;
    }
    let trans_secs = t.elapsed().as_secs_f64();
    let trans_tps = (drafts.len() - trans_failed) as f64 / trans_secs;
    let cpu_server = (cpu_secs(&server_pid) - cpu_server0) / trans_secs;
    let cpu_bench = (cpu_secs("self") - cpu_bench0) / trans_secs;

    // 5. Filtered lists of 100 (by stage, phase and year; free-text search is a LIKE scan and
    // is measured on its own below) and the project page.
    let filters = [
        "stage=in_construction",
        "year=2024&phase=build",
        "phase=review",
        "stage=in_operation&year=2022",
        "phase=accept&year=2025",
    ];
    let list_urls: Vec<String> = (0..a.requests)
        .map(|i| {
            format!(
                "{base}/api/v1/projects?per_page=100&{}",
                filters[i % filters.len()]
            )
        })
        .collect();
    let (list_lat, list_bad) = timed_gets(
        &client,
        list_urls,
        ("authorization", auth_token.clone()),
        a.clients,
    )
    .await?;
    let search_urls: Vec<String> = (0..a.requests / 4)
        .map(|i| {
            format!(
                "{base}/api/v1/projects?per_page=100&q={}",
                TOPICS[i % TOPICS.len()]
            )
        })
        .collect();
    let (search_lat, search_bad) = timed_gets(
        &client,
        search_urls,
        ("authorization", auth_token.clone()),
        a.clients,
    )
    .await?;
    // Duplicate-construction check (重复建设比对): quality on the labelled set, one query at a
    // time, then latency at N clients.
    let similar_url = |name: &str, summary: &str| {
        reqwest::Url::parse_with_params(
            &format!("{base}/api/v1/similar"),
            &[("name", name), ("summary", summary)],
        )
        .map(|u| u.to_string())
        .map_err(|e| e.to_string())
    };
    let (mut hits, mut rr, mut flagged, mut flagged_right, mut unrelated_flags) =
        (0usize, 0.0f64, 0usize, 0usize, 0usize);
    for (n, name, summary) in PARAPHRASES {
        let v: serde_json::Value = client
            .get(similar_url(name, summary)?)
            .header("authorization", &audit_token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        let want = originals[*n];
        if let Some(pos) = items
            .iter()
            .take(5)
            .position(|i| i["id"].as_i64() == Some(want))
        {
            hits += 1;
            rr += 1.0 / (pos as f64 + 1.0);
        }
        for i in items
            .iter()
            .take(5)
            .filter(|i| i["likely_duplicate"] == true)
        {
            flagged += 1;
            if i["id"].as_i64() == Some(want) {
                flagged_right += 1;
            }
        }
    }
    for (name, summary) in UNRELATED {
        let v: serde_json::Value = client
            .get(similar_url(name, summary)?)
            .header("authorization", &audit_token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let f = v["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .take(5)
                    .filter(|i| i["likely_duplicate"] == true)
                    .count()
            })
            .unwrap_or(0);
        unrelated_flags += f;
        flagged += f;
    }
    let recall5 = hits as f64 / PARAPHRASES.len() as f64;
    let precision5 = if flagged == 0 {
        1.0
    } else {
        flagged_right as f64 / flagged as f64
    };
    let mrr = rr / PARAPHRASES.len() as f64;
    let mut similar_urls = Vec::new();
    for i in 0..(a.requests / 4).max(1) {
        let (name, summary) = if i % 3 == 2 {
            UNRELATED[i % UNRELATED.len()]
        } else {
            let p = PARAPHRASES[i % PARAPHRASES.len()];
            (p.1, p.2)
        };
        similar_urls.push(similar_url(name, summary)?);
    }
    let (similar_lat, similar_bad) = timed_gets(
        &client,
        similar_urls,
        ("authorization", audit_token.clone()),
        a.clients,
    )
    .await?;
    let page_urls: Vec<String> = (0..a.requests)
        .map(|i| format!("{base}/projects/{}", ids[(i * 7919) % a.projects.max(1)]))
        .collect();
    let (page_lat, page_bad) = timed_gets(
        &client,
        page_urls,
        ("authorization", unit_token.clone()),
        a.clients,
    )
    .await?;
    let rss_kib = peak_rss_kib(child.0.id());
    // Peak RSS counts each connection's memory map of the database file once per connection
    // (the pages themselves are the one shared page cache), so also report the private memory
    // and the proportional set size at the end of the run.
    let pid = child.0.id();
    let anon_kib = proc_kib(&format!("/proc/{pid}/status"), "RssAnon:");
    let pss_kib = proc_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:");
    drop(child);

    let result = json!({
        "date": tongchou_store::now_text(),
        "machine": machine(),
        "database": "sqlite (WAL, synchronous=FULL, mmap reads; lifecycle writes group-committed)",
        "projects": a.projects,
        "clients": a.clients,
        "raw_insert_tps": raw_tps,
        "transitions": { "count": drafts.len(), "failed": trans_failed, "per_second": trans_tps, "ratio_to_raw": trans_tps / raw_tps,
            "server_cpu_cores": cpu_server, "bench_client_cpu_cores": cpu_bench },
        "list_100_ms": { "requests": list_lat.len(), "failed": list_bad, "p50": pct(&list_lat, 0.5), "p99": pct(&list_lat, 0.99) },
        "search_100_ms": { "requests": search_lat.len(), "failed": search_bad, "p50": pct(&search_lat, 0.5), "p99": pct(&search_lat, 0.99), "note": "name/code LIKE '%q%', a scan" },
        "similarity": {
            "labelled": { "paraphrases": PARAPHRASES.len(), "unrelated": UNRELATED.len(),
                "recall_at_5": recall5, "precision_at_5": precision5, "mrr": mrr,
                "flags_on_unrelated": unrelated_flags,
                "note": "recall@5: the paraphrased original is among the top 5; precision@5: of the top-5 results flagged as likely duplicates (score >= threshold), the share that are the labelled original" },
            "query_ms": { "requests": similar_lat.len(), "failed": similar_bad, "p50": pct(&similar_lat, 0.5), "p99": pct(&similar_lat, 0.99) } },
        "project_page_ms": { "requests": page_lat.len(), "failed": page_bad, "p50": pct(&page_lat, 0.5), "p99": pct(&page_lat, 0.99) },
        "server_peak_rss_mib": rss_kib as f64 / 1024.0,
        "server_end_private_mib": anon_kib as f64 / 1024.0,
        "server_end_pss_mib": pss_kib as f64 / 1024.0,
        "peer": "Redmine 5.0.4 (Debian) on PostgreSQL, same machine kind: about 40 status changes/s and 8 lists of 100/s (../shared/peers/redmine_peer.sh)"
    });
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(
        &a.out,
        serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    println!("| measure | value |\n|---|---|");
    println!("| projects | {} |", a.projects);
    println!("| raw insert tx/s (ceiling) | {raw_tps:.0} |");
    println!(
        "| transitions/s at {} clients | {trans_tps:.0} ({:.0}% of raw, {trans_failed} failed) |",
        a.clients,
        100.0 * trans_tps / raw_tps
    );
    println!(
        "| list of 100 p50 / p99 ms | {:.1} / {:.1} ({list_bad} failed) |",
        pct(&list_lat, 0.5),
        pct(&list_lat, 0.99)
    );
    println!(
        "| project page p50 / p99 ms | {:.1} / {:.1} ({page_bad} failed) |",
        pct(&page_lat, 0.5),
        pct(&page_lat, 0.99)
    );
    println!(
        "| search (LIKE) p50 / p99 ms | {:.1} / {:.1} ({search_bad} failed) |",
        pct(&search_lat, 0.5),
        pct(&search_lat, 0.99)
    );
    println!(
        "| duplicate check (similar projects) p50 / p99 ms | {:.1} / {:.1} ({similar_bad} failed) |",
        pct(&similar_lat, 0.5),
        pct(&similar_lat, 0.99)
    );
    println!(
        "| duplicate check quality: recall@5 / precision@5 / MRR | {recall5:.2} / {precision5:.2} / {mrr:.2} ({} paraphrases, {} unrelated: {unrelated_flags} false flags) |",
        PARAPHRASES.len(),
        UNRELATED.len()
    );
    println!(
        "| CPU during transitions (cores) | server {cpu_server:.2}, bench client {cpu_bench:.2} |"
    );
    println!(
        "| server peak RSS MiB (each connection's map of the file counted) | {:.0} |",
        rss_kib as f64 / 1024.0
    );
    println!(
        "| server memory at end: private / PSS MiB | {:.0} / {:.0} |",
        anon_kib as f64 / 1024.0,
        pss_kib as f64 / 1024.0
    );
    println!("written to {}", a.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Start `tongchou serve` on the database as a child process; its base URL once healthy.
async fn start_server(
    url: &str,
    dir: &std::path::Path,
    client: &reqwest::Client,
) -> Result<(Child, String), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = Child(
        std::process::Command::new(exe)
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                url,
                "--data-dir",
            ])
            .arg(dir.join("data"))
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(600);
    while client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map(|r| r.status().is_success())
        .ok()
        != Some(true)
    {
        if Instant::now() > deadline {
            return Err("server did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok((child, base))
}

/// Issue 6: the dashboard over a synthetic province (`--projects`, e.g. 1,000,000), timed as
/// authorities of three levels; p50/p99 of the statistics page and API.
async fn run_dashboard(a: BenchArgs) -> Result<ExitCode, String> {
    let _ = std::fs::remove_dir_all(&a.dir);
    std::fs::create_dir_all(&a.dir).map_err(|e| e.to_string())?;
    let url = format!("sqlite://{}", a.dir.join("bench.db").display());
    let db = Db::connect(&url, None).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    tongchou_testkit::seed_world(&db, None)
        .await
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    let rep = db
        .generate_province(a.projects, 20_000)
        .await
        .map_err(|e| e.to_string())?;
    let gen_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let rebuild = db.rebuild_aggregates().await.map_err(|e| e.to_string())?;
    let rebuild_secs = t.elapsed().as_secs_f64();
    db.optimize(true).await.map_err(|e| e.to_string())?;
    println!(
        "generated {} projects, {} history entries, {} open obligations over {} units in {gen_secs:.1}s, aggregates rebuilt in {rebuild_secs:.1}s",
        rep.projects, rep.history, rep.obligations, rep.units
    );
    db.close().await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients * 2)
        .build()
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    let (child, base) = start_server(&url, &a.dir, &client).await?;
    let start_secs = t.elapsed().as_secs_f64();
    let mut figures = serde_json::Map::new();
    let mut lines = Vec::new();
    for (who, level) in [("sjj", "district"), ("hzsjj", "city"), ("szb", "province")] {
        let v: serde_json::Value = client
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"username": who, "password": tongchou_testkit::DEMO_PASSWORD}))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let token = v["token"]
            .as_str()
            .map(|s| format!("Bearer {s}"))
            .ok_or_else(|| format!("login {who}: {v}"))?;
        // What the viewer's scope holds (approved projects counted by the dashboard).
        let stats: serde_json::Value = client
            .get(format!("{base}/api/v1/statistics"))
            .header("authorization", &token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let approved: i64 = stats["by_year"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["count"].as_i64()).sum())
            .unwrap_or(0);
        let declared: i64 = stats["approval"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["count"].as_i64()).sum())
            .unwrap_or(0);
        let mut entry = serde_json::Map::new();
        entry.insert("account".into(), json!(who));
        entry.insert("declared_in_scope".into(), json!(declared));
        entry.insert("approved_in_scope".into(), json!(approved));
        for (kind, path) in [("api", "/api/v1/statistics"), ("page", "/statistics")] {
            let urls: Vec<String> = (0..a.requests).map(|_| format!("{base}{path}")).collect();
            let (lat, bad) =
                timed_gets(&client, urls, ("authorization", token.clone()), a.clients).await?;
            entry.insert(
                kind.into(),
                json!({ "requests": lat.len(), "failed": bad, "p50": pct(&lat, 0.5), "p99": pct(&lat, 0.99) }),
            );
            lines.push(format!(
                "| {level} ({who}) {kind} p50 / p99 ms | {:.1} / {:.1} ({bad} failed; {declared} declared, {approved} approved in scope) |",
                pct(&lat, 0.5),
                pct(&lat, 0.99)
            ));
        }
        figures.insert(level.into(), serde_json::Value::Object(entry));
    }
    let pid = child.0.id();
    let anon_kib = proc_kib(&format!("/proc/{pid}/status"), "RssAnon:");
    drop(child);
    let result = json!({
        "date": tongchou_store::now_text(),
        "machine": machine(),
        "database": "sqlite (WAL, synchronous=FULL, mmap reads)",
        "kind": "dashboard (issue 6): /statistics and /api/v1/statistics read precomputed exact aggregates",
        "projects": rep.projects,
        "history_entries": rep.history,
        "open_obligations": rep.obligations,
        "units": rep.units,
        "clients": a.clients,
        "generation_seconds": gen_secs,
        "aggregates_rebuild_seconds": rebuild_secs,
        "aggregates": rebuild,
        "server_start_seconds": start_secs,
        "statistics_ms": figures,
        "server_end_private_mib": anon_kib as f64 / 1024.0,
    });
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(
        &a.out,
        serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    println!("| measure | value |\n|---|---|");
    println!(
        "| projects / history entries / open obligations | {} / {} / {} |",
        rep.projects, rep.history, rep.obligations
    );
    println!("| generation s / aggregates rebuild s | {gen_secs:.1} / {rebuild_secs:.1} |");
    for l in lines {
        println!("{l}");
    }
    println!("written to {}", a.out.display());
    Ok(ExitCode::SUCCESS)
}
