//! `tongchou`: serve the pages and API, run migrations, verify the audit chain, benchmark.
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tongchou_store::Db;
use tongchou_web::AppState;

mod bench;

#[derive(Parser)]
#[command(
    name = "tongchou",
    version,
    about = "统筹 · 政务信息化项目全生命周期管理"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// sqlite://path or postgres://user@host/db (default: sqlite under the data dir)
    #[arg(long, env = "TONGCHOU_DATABASE_URL")]
    database_url: Option<String>,
    /// Where the SQLite file and attachments live.
    #[arg(long, env = "TONGCHOU_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
}

impl DbArgs {
    fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("tongchou.db").display()))
    }
    async fn open(&self) -> Result<Db, String> {
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| format!("cannot create data dir {}: {e}", self.data_dir.display()))?;
        let db = Db::connect(&self.url(), None)
            .await
            .map_err(|e| e.to_string())?;
        db.migrate().await.map_err(|e| e.to_string())?;
        Ok(db)
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the web pages and the JSON API.
    Serve {
        #[arg(long, env = "TONGCHOU_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        #[command(flatten)]
        db: DbArgs,
        /// Load the demo province when the database is empty.
        #[arg(long)]
        demo: bool,
        /// Largest upload in MB.
        #[arg(long, env = "TONGCHOU_MAX_UPLOAD_MB", default_value_t = 50)]
        max_upload_mb: u64,
        /// OCDS ocid prefix registered with the Open Contracting Partnership (ocds-xxxxxx).
        #[arg(long, env = "TONGCHOU_OCID_PREFIX", default_value = tongchou_domain::ocds::DEFAULT_OCID_PREFIX)]
        ocid_prefix: String,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Benchmark over HTTP on loopback; writes bench/results/latest.json.
    Bench(bench::BenchArgs),
    /// Working-day calendar (the State Council's schedule, make-up days included).
    Calendar {
        #[command(subcommand)]
        cmd: CalendarCmd,
    },
    /// Audit tools.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// The statistics aggregates (issue 6): rebuild them from the base tables, or check them
    /// against a direct count.
    Aggregates {
        #[command(subcommand)]
        cmd: AggregatesCmd,
    },
}

#[derive(Subcommand)]
enum AggregatesCmd {
    /// Recompute every aggregate from the projects, histories and obligations (one transaction).
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Compare the aggregates with a direct count; non-zero exit lists the differences.
    Check {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// Print the due date N working days after DATE (counted from the next day, last day included).
    AddWorkingDays {
        /// The trigger date, YYYY-MM-DD.
        date: String,
        /// Number of working days.
        days: u32,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print whether DATE is a working day and why.
    Day {
        date: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk every project's history hash chain; non-zero exit names the first broken entry.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.cmd {
        Cmd::Serve {
            addr,
            db,
            demo,
            max_upload_mb,
            ocid_prefix,
        } => {
            let database = db.open().await?;
            let mut st = AppState::new(database.clone(), db.data_dir.clone());
            st.max_upload = max_upload_mb * 1024 * 1024;
            st.ocid_prefix = ocid_prefix;
            st.notify = std::sync::Arc::new(tongchou_web::notify::NotifyConfig::from_env()?);
            tracing::info!(notify = %st.notify.describe(), "notifications");
            st.load_profile().await?;
            // Another process may save a new profile version: notice it within seconds.
            let refresher = st.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    if let Err(e) = refresher.refresh_profile().await {
                        tracing::warn!(error = %e, "profile refresh failed");
                    }
                }
            });
            if demo {
                let existing = database.jurisdictions().await.map_err(|e| e.to_string())?;
                if existing.is_empty() {
                    tracing::info!("loading demo data");
                    tongchou_testkit::seed_demo(&st, tongchou_store::today()).await?;
                }
                print_demo_accounts();
            }
            // The deadline sweep (monthly report obligations, proposals for missed deadlines): at
            // start and every six hours. Idempotent and safe with several server processes.
            let sweep = st.clone();
            tokio::spawn(async move {
                loop {
                    match tongchou_web::service::sweep(&sweep).await {
                        Ok((reports, proposed)) => {
                            tracing::info!(reports, proposed, "deadline sweep")
                        }
                        Err(e) => tracing::warn!(error = ?e, "deadline sweep failed"),
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(6 * 3600)).await;
                }
            });
            // The notification outbox: fan out, send with leases, retry, daily digest.
            tongchou_web::notify::spawn_worker(st.clone());
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%local, database = %tongchou_store::db_redact(&db.url()), "serving");
            println!("统筹 Tongchou 已启动：http://{local}/  （接口文档 http://{local}/api/docs）");
            axum::serve(listener, tongchou_web::router(st))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Migrate { db } => {
            db.open().await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Bench(args) => bench::run(args).await,
        Cmd::Calendar { cmd } => {
            let (date, db) = match &cmd {
                CalendarCmd::AddWorkingDays { date, db, .. } | CalendarCmd::Day { date, db } => {
                    (date, db)
                }
            };
            let d: tongchou_domain::Date = date
                .trim()
                .parse()
                .map_err(|_| format!("日期格式应为 YYYY-MM-DD：{date}"))?;
            // Administrators' entries when there is a database; the built-in schedule otherwise.
            let default_file = db.data_dir.join("tongchou.db");
            let cal = if db.database_url.is_some() || default_file.exists() {
                db.open()
                    .await?
                    .calendar()
                    .await
                    .map_err(|e| e.to_string())?
            } else {
                tongchou_domain::calendar::Calendar::builtin()
            };
            match cmd {
                CalendarCmd::AddWorkingDays { days, .. } => {
                    let c = cal.add_working_days(d, days);
                    println!("{}", c.date);
                    if let Some(w) = c.warning() {
                        eprintln!("注意：{w}");
                    }
                }
                CalendarCmd::Day { .. } => {
                    let day = cal.day(d);
                    println!(
                        "{} {} {}{}",
                        day.date,
                        if day.working {
                            "工作日"
                        } else {
                            "休息日"
                        },
                        day.reason.label(),
                        if day.known {
                            ""
                        } else {
                            "（该年安排未录入，按周一至周五推算）"
                        }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Aggregates {
            cmd: AggregatesCmd::Rebuild { db },
        } => {
            let database = db.open().await?;
            let t = std::time::Instant::now();
            let r = database
                .rebuild_aggregates()
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "aggregates rebuilt in {:.1}s: {} projects, {} project cells, {} stage-day cells, {} obligation cells",
                t.elapsed().as_secs_f64(),
                r.projects,
                r.project_cells,
                r.stage_day_cells,
                r.obligation_cells
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Aggregates {
            cmd: AggregatesCmd::Check { db },
        } => {
            let database = db.open().await?;
            let diffs = database
                .check_aggregates()
                .await
                .map_err(|e| e.to_string())?;
            if diffs.is_empty() {
                println!("aggregates exact: equal to a direct count");
                Ok(ExitCode::SUCCESS)
            } else {
                for d in &diffs {
                    eprintln!("{d}");
                }
                eprintln!(
                    "aggregates DIFFER in {} places (run `tongchou aggregates rebuild`)",
                    diffs.len()
                );
                Ok(ExitCode::from(2))
            }
        }
        Cmd::Audit {
            cmd: AuditCmd::Verify { db },
        } => {
            let database = db.open().await?;
            let projects = database.verify_history().await.map_err(|e| e.to_string())?;
            let demand = database
                .verify_demand_history()
                .await
                .map_err(|e| e.to_string())?;
            let board = database
                .verify_board_history()
                .await
                .map_err(|e| e.to_string())?;
            match (projects, demand, board) {
                (Ok(n), Ok(m), Ok(b)) => {
                    println!(
                        "history intact: {} entries verified ({n} project, {m} demand/ledger/library/application, {b} indicator/showcase)",
                        n + m + b
                    );
                    Ok(ExitCode::SUCCESS)
                }
                (Err(b), _, _) => {
                    eprintln!("history BROKEN at {b}");
                    Ok(ExitCode::from(2))
                }
                (_, Err(b), _) | (_, _, Err(b)) => {
                    eprintln!("history BROKEN at {}", b.reason);
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}

fn print_demo_accounts() {
    println!("演示账号（密码均为 {}）：", tongchou_testkit::DEMO_PASSWORD);
    for (u, name, unit, roles) in tongchou_testkit::ACCOUNTS
        .iter()
        .chain(tongchou_testkit::CITY_ACCOUNTS)
    {
        let r: Vec<&str> = roles.iter().map(|r| r.label()).collect();
        println!("  {u:<6} {name} · {unit} · {}", r.join("、"));
    }
    for (u, name, unit, _, _, roles) in tongchou_testkit::LEVEL_ACCOUNTS {
        let r: Vec<&str> = roles.iter().map(|r| r.label()).collect();
        println!("  {u:<6} {name} · {unit} · {}", r.join("、"));
    }
}
