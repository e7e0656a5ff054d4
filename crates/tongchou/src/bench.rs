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
}

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
            name: format!("基准项目{i:06}"),
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
                "{base}/api/v1/projects?per_page=100&q=基准项目0{:02}",
                i % 100
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
