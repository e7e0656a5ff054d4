//! Notifications leaving the system (issue 3): e-mail through SMTP, a signed webhook, the daily
//! digest — against a fake SMTP server and a fake webhook receiver on loopback, on SQLite and
//! PostgreSQL. Re-runs of the sweep, the fan-out and the worker never deliver twice.
use crate::support::{Backend, TestApp};
use axum::http::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tongchou_store::today;
use tongchou_web::notify::{self, NotifyConfig, WebhookConfig};
use tongchou_web::smtp::{base64_decode, SmtpConfig};

const SECRET: &str = "test-webhook-secret-0123456789";

/// One message as the fake SMTP server received it.
#[derive(Debug, Clone)]
struct Mail {
    from: String,
    to: Vec<String>,
    auth: Option<String>,
    data: String,
}

impl Mail {
    /// The decoded text body.
    fn body(&self) -> String {
        let b64 = self.data.split("\r\n\r\n").nth(1).unwrap_or("");
        String::from_utf8(base64_decode(b64).expect("base64 body")).expect("utf-8 body")
    }
    /// The decoded subject.
    fn subject(&self) -> String {
        let line = self
            .data
            .split("\r\nSubject: ")
            .nth(1)
            .unwrap()
            .split("\r\n")
            .take_while(|_| true)
            .collect::<Vec<_>>();
        // Folded encoded words continue on lines starting with a space.
        let mut words = vec![line[0].to_string()];
        for l in &line[1..] {
            if let Some(w) = l.strip_prefix(' ') {
                words.push(w.to_string());
            } else {
                break;
            }
        }
        words
            .iter()
            .map(|w| {
                let inner = w
                    .strip_prefix("=?UTF-8?B?")
                    .and_then(|x| x.strip_suffix("?="))
                    .expect("encoded word");
                String::from_utf8(base64_decode(inner).unwrap()).unwrap()
            })
            .collect()
    }
}

/// A fake SMTP server speaking enough of the protocol (EHLO, AUTH PLAIN, MAIL, RCPT, DATA with
/// the dot un-stuffed, QUIT) and keeping what it received.
async fn fake_smtp() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 fake.test ESMTP\r\n").await.unwrap();
                let mut mail = Mail {
                    from: String::new(),
                    to: vec![],
                    auth: None,
                    data: String::new(),
                };
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end_matches("\r\n").to_string();
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-fake.test\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n"
                    } else if upper.starts_with("AUTH PLAIN ") {
                        mail.auth = Some(line[11..].to_string());
                        b"235 ok\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        mail.from = line[10..].trim_matches(['<', '>']).to_string();
                        b"250 ok\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        mail.to.push(line[8..].trim_matches(['<', '>']).to_string());
                        b"250 ok\r\n"
                    } else if upper == "DATA" {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            r.read_line(&mut l).await.unwrap();
                            if l == ".\r\n" {
                                break;
                            }
                            let l = l.strip_prefix('.').map(str::to_string).unwrap_or(l);
                            data.push_str(&l);
                        }
                        mail.data = data;
                        store.lock().unwrap().push(mail.clone());
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"500 unknown\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

/// One webhook post as received.
#[derive(Debug, Clone)]
struct Hook {
    headers: HeaderMap,
    body: String,
}

/// A fake webhook receiver answering with the status in `status`.
async fn fake_webhook() -> (String, Arc<Mutex<Vec<Hook>>>, Arc<AtomicU16>) {
    let got: Arc<Mutex<Vec<Hook>>> = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let (g, s) = (got.clone(), status.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (g, s) = (g.clone(), s.clone());
            async move {
                g.lock().unwrap().push(Hook { headers, body });
                axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), got, status)
}

fn config(smtp_port: u16, hook: &str) -> NotifyConfig {
    NotifyConfig {
        smtp: Some(
            SmtpConfig::parse(&format!("smtp://mailer:s3cret@127.0.0.1:{smtp_port}")).unwrap(),
        ),
        mail_from: "tongchou@sjj.example.gov.cn".into(),
        webhook: Some(WebhookConfig::new(hook, SECRET).unwrap()),
        ..Default::default()
    }
}

fn header<'a>(h: &'a Hook, name: &str) -> &'a str {
    h.headers.get(name).unwrap().to_str().unwrap()
}

/// Two projects whose procurement deadline has passed; the sweep proposes the consequence for
/// each (as in http.rs `consequences`). Returns their ids.
async fn missed_deadlines(app: &TestApp, names: &[&str]) -> Vec<i64> {
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    let unit = app.token("jyj").await;
    let mut ids = Vec::new();
    for name in names {
        let id = app.draft(&unit, name).await;
        walker
            .walk(
                tongchou_domain::ProjectId(id),
                "jyj",
                tongchou_domain::Stage::Budgeted,
            )
            .await
            .unwrap();
        app.st
            .db
            .execute_raw(&format!(
                "UPDATE obligations SET due = '2026-01-05' WHERE code = 'procurement' AND project_id = {id}"
            ))
            .await
            .unwrap();
        ids.push(id);
    }
    let (_, proposed) = tongchou_web::service::sweep(&app.st).await.unwrap();
    assert_eq!(proposed, names.len());
    ids
}

async fn set_own_email_on_the_settings_page(app: &TestApp, username: &str, email: &str) {
    let (cookie, csrf) = app.page_session(username).await;
    let r = app
        .client
        .post(format!("{}/settings/email", app.base))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{username} saves {email}"
    );
}

// [product] issue 3: a missed-deadline proposal reaches the authority's people by e-mail and the
// integration by a signed webhook, once, however often the sweep and the worker run.
async fn emailed_and_posted_once(backend: Backend) {
    let Some(mut app) = TestApp::start(backend).await else {
        return;
    };
    let (smtp_port, mails) = fake_smtp().await;
    let (hook_url, hooks, _) = fake_webhook().await;
    app.st.notify = Arc::new(config(smtp_port, &hook_url));

    // Addresses: the authority on the settings page; a bad one is refused beside the field.
    set_own_email_on_the_settings_page(&app, "sjj", "li.hua@sjj.example.gov.cn").await;
    let (cookie, csrf) = app.page_session("sjj").await;
    let r = app
        .client
        .post(format!("{}/settings/email", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "li.hua@sjj\r\nRCPT TO:<x@evil.cn>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("电子邮箱地址含有不允许的字符"));
    let r = app
        .client
        .post(format!("{}/settings/email", app.base))
        .header("cookie", &cookie)
        .form(&[("email", "x@y.cn")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "CSRF checked");
    // Over the API: a unit clerk sets their own; a bad address is a 422 naming the field.
    let unit = app.token("jyj").await;
    let (s, v) = app
        .post(
            &unit,
            "/api/v1/me/email",
            json!({"email": "not-an-address"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "email");
    let (s, _) = app
        .post(
            &unit,
            "/api/v1/me/email",
            json!({"email": "lin.xiao@jyj.example.gov.cn"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(&unit, "/api/v1/users/sjj/email", json!({"email": "x@y.cn"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only one's own address");
    assert_eq!(
        app.st
            .db
            .user_email(app.world.actor("sjj").user_id)
            .await
            .unwrap()
            .as_deref(),
        Some("li.hua@sjj.example.gov.cn"),
        "nothing changed by the refused requests"
    );

    let ids = missed_deadlines(&app, &["逾期采购通知项目甲", "逾期采购通知项目乙"]).await;
    // Two workers at once (two server processes): each delivery is sent by exactly one.
    let (a, b) = tokio::join!(notify::run_once(&app.st), notify::run_once(&app.st));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.0 + b.0,
        4,
        "two e-mails (the authority) and two webhook posts"
    );
    assert_eq!(a.1.sent + b.1.sent, 4);

    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    for m in &got {
        assert_eq!(
            m.to,
            vec!["li.hua@sjj.example.gov.cn".to_string()],
            "not the unit clerk"
        );
        assert_eq!(m.from, "tongchou@sjj.example.gov.cn");
        assert_eq!(
            base64_decode(m.auth.as_deref().unwrap()).unwrap(),
            b"\0mailer\0s3cret",
            "AUTH PLAIN with the URL's credentials"
        );
        assert!(m.data.contains("Content-Type: text/plain; charset=UTF-8"));
        assert_eq!(m.subject(), "【统筹】期限已过，请确认处理");
        assert!(m.body().contains("取消相应立项指标"), "{}", m.body());
    }
    let bodies: Vec<String> = got.iter().map(Mail::body).collect();
    assert!(bodies.iter().any(|b| b.contains("逾期采购通知项目甲")));
    assert!(bodies.iter().any(|b| b.contains("逾期采购通知项目乙")));

    let posted = hooks.lock().unwrap().clone();
    assert_eq!(posted.len(), 2);
    let mut seen_projects = Vec::new();
    for h in &posted {
        let expected = format!(
            "sha256={}",
            hex_of(&notify::hmac_sha256(SECRET.as_bytes(), h.body.as_bytes()))
        );
        assert_eq!(
            header(h, "x-tongchou-signature"),
            expected,
            "valid signature"
        );
        assert_eq!(header(h, "x-tongchou-event"), "consequence_proposed");
        assert!(header(h, "x-tongchou-delivery").parse::<i64>().is_ok());
        assert_eq!(header(h, "content-type"), "application/json");
        let v: Value = serde_json::from_str(&h.body).unwrap();
        for k in [
            "id",
            "event",
            "title",
            "body",
            "project_id",
            "jurisdiction",
            "created_at",
        ] {
            assert!(v.get(k).is_some(), "{k} in {v}");
        }
        assert_eq!(v["event"], "consequence_proposed");
        assert_eq!(v["jurisdiction"], "上城区");
        seen_projects.push(v["project_id"].as_i64().unwrap());
    }
    seen_projects.sort();
    assert_eq!(seen_projects, ids);

    // Everything again: the sweep, the fan-out, the worker. Nothing more is sent.
    assert_eq!(tongchou_web::service::sweep(&app.st).await.unwrap().1, 0);
    let again = notify::run_once(&app.st).await.unwrap();
    assert_eq!(again.0, 0, "no new deliveries");
    assert_eq!(again.1.claimed, 0);
    assert_eq!(notify::fan_out(&app.st).await.unwrap(), 0);
    assert_eq!(mails.lock().unwrap().len(), 2);
    assert_eq!(hooks.lock().unwrap().len(), 2);

    // The 通知 page shows each notification's delivery states.
    let (cookie, _) = app.page_session("sjj").await;
    let page = app
        .client
        .get(format!("{}/inbox", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("邮件：已发送 1").count(), 2, "{page}");
    assert_eq!(page.matches("Webhook：已发送 1").count(), 2);
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn missed_deadline_is_emailed_and_posted_once_sqlite() {
    emailed_and_posted_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn missed_deadline_is_emailed_and_posted_once_postgres() {
    emailed_and_posted_once(Backend::Postgres).await;
}

// [product] issue 3: a receiver answering 500 gets the same delivery again after the backoff;
// past the attempt limit the delivery is failed, shown to the administrator, and retried by them.
async fn webhook_retries(backend: Backend) {
    let Some(mut app) = TestApp::start(backend).await else {
        return;
    };
    let (smtp_port, _) = fake_smtp().await;
    let (hook_url, hooks, status) = fake_webhook().await;
    app.st.notify = Arc::new(config(smtp_port, &hook_url));
    status.store(500, Ordering::SeqCst);

    missed_deadlines(&app, &["回调重试项目甲"]).await;
    let (created, r) = notify::run_once(&app.st).await.unwrap();
    assert_eq!(
        (created, r.sent, r.retried),
        (1, 0, 1),
        "only the webhook (no addresses)"
    );
    let pending = app
        .st
        .db
        .deliveries("/", Some("pending"), 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);
    assert!(pending[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("HTTP 500"));
    assert_eq!(
        notify::deliver_due(&app.st).await.unwrap().claimed,
        0,
        "not before the backoff"
    );
    status.store(200, Ordering::SeqCst);
    let later = tongchou_store::outbox::now_ms() + 10 * 60 * 1000;
    let r = notify::deliver_due_at(&app.st, later).await.unwrap();
    assert_eq!((r.claimed, r.sent), (1, 1));
    {
        let posted = hooks.lock().unwrap();
        assert_eq!(posted.len(), 2);
        assert_eq!(
            header(&posted[0], "x-tongchou-delivery"),
            header(&posted[1], "x-tongchou-delivery"),
            "the same delivery id, for the receiver to deduplicate"
        );
        assert_eq!(posted[0].body, posted[1].body);
    }

    // Past the limit: failed, shown, retried by the administrator.
    let mut cfg = (*app.st.notify).clone();
    cfg.max_attempts = 1;
    app.st.notify = Arc::new(cfg);
    status.store(503, Ordering::SeqCst);
    missed_deadlines(&app, &["回调失败项目乙"]).await;
    let (_, r) = notify::run_once(&app.st).await.unwrap();
    assert_eq!(r.failed, 1);
    let admin = app.token("admin").await;
    let (s, v) = app.get(&admin, "/api/v1/outbox?state=failed").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert!(v["items"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("HTTP 503"));
    let failed_id = v["items"][0]["id"].as_i64().unwrap();
    let auth = app.token("sjj").await;
    let (s, _) = app.get(&auth, "/api/v1/outbox").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "administrators only");
    let (s, _) = app
        .post(
            &auth,
            &format!("/api/v1/outbox/{failed_id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (cookie, csrf) = app.page_session("admin").await;
    let page = app
        .client
        .get(format!("{}/settings/outbox?state=failed", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("HTTP 503"), "the error is shown");
    assert!(page.contains(&format!("/settings/outbox/{failed_id}/retry")));
    let r = app
        .client
        .post(format!("{}/settings/outbox/{failed_id}/retry", app.base))
        .header("cookie", &cookie)
        .form(&[("_csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "CSRF checked");
    status.store(200, Ordering::SeqCst);
    let r = app
        .client
        .post(format!("{}/settings/outbox/{failed_id}/retry", app.base))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, _) = app
        .post(
            &admin,
            &format!("/api/v1/outbox/{failed_id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "queued already, not failed");
    let r = notify::deliver_due(&app.st).await.unwrap();
    assert_eq!((r.claimed, r.sent), (1, 1));
    let (_, v) = app.get(&admin, "/api/v1/outbox").await;
    assert_eq!(v["counts"], json!({"sent": 2}));
    assert_eq!(hooks.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn webhook_answering_500_is_retried_then_sent_sqlite() {
    webhook_retries(Backend::Sqlite).await;
}

#[tokio::test]
async fn webhook_answering_500_is_retried_then_sent_postgres() {
    webhook_retries(Backend::Postgres).await;
}

// [product] issue 3: one digest a day per account with an address, listing what 我的待办
// shows; none when there is nothing to do.
async fn digest_once_a_day(backend: Backend) {
    let Some(mut app) = TestApp::start(backend).await else {
        return;
    };
    let (smtp_port, mails) = fake_smtp().await;
    let (hook_url, hooks, _) = fake_webhook().await;
    app.st.notify = Arc::new(config(smtp_port, &hook_url));
    set_own_email_on_the_settings_page(&app, "jyj", "lin.xiao@jyj.example.gov.cn").await;
    // The administrator sets the auditor's address.
    let admin = app.token("admin").await;
    let (s, v) = app
        .post(
            &admin,
            "/api/v1/users/sjs/email",
            json!({"email": "Zhou.Fang@SJS.example.gov.cn"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["email"], "Zhou.Fang@sjs.example.gov.cn",
        "domain lower-cased"
    );
    let (s, v) = app
        .post(
            &admin,
            "/api/v1/users/nobody/email",
            json!({"email": "a@b.cn"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "username");
    let unit = app.token("jyj").await;
    app.draft(&unit, "每日摘要测试项目").await;

    let day = today();
    let (a, b) = tokio::join!(notify::digest(&app.st, day), notify::digest(&app.st, day));
    assert_eq!(
        a.unwrap() + b.unwrap(),
        1,
        "one digest: the unit clerk has a to-do, the auditor none"
    );
    assert_eq!(
        notify::digest(&app.st, day).await.unwrap(),
        0,
        "once per day"
    );
    let (_, r) = notify::run_once(&app.st).await.unwrap();
    assert_eq!(r.sent, 1);
    assert_eq!(notify::digest(&app.st, day).await.unwrap(), 0);
    assert_eq!(notify::run_once(&app.st).await.unwrap().1.claimed, 0);
    {
        let got = mails.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].to, vec!["lin.xiao@jyj.example.gov.cn".to_string()]);
        assert!(
            got[0].subject().contains("每日待办摘要"),
            "{}",
            got[0].subject()
        );
        let body = got[0].body();
        assert!(body.contains("每日摘要测试项目"), "{body}");
        assert!(body.contains(&day.to_string()));
    }
    assert!(
        hooks.lock().unwrap().is_empty(),
        "the digest is e-mail only"
    );
    // The next day, another one.
    let tomorrow = tongchou_domain::lifecycle::add_days(day, 1);
    assert_eq!(notify::digest(&app.st, tomorrow).await.unwrap(), 1);
    notify::run_once(&app.st).await.unwrap();
    assert_eq!(mails.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn daily_digest_is_sent_once_per_day_sqlite() {
    digest_once_a_day(Backend::Sqlite).await;
}

#[tokio::test]
async fn daily_digest_is_sent_once_per_day_postgres() {
    digest_once_a_day(Backend::Postgres).await;
}

/// ZJ-share 三（六）责任制: the daily digest carries the competition obligations the account's unit
/// answers for (an overdue agreement milestone of the subject), as 我的待办 does.
async fn digest_shared(backend: Backend) {
    let Some(mut app) = TestApp::start(backend).await else {
        return;
    };
    let (smtp_port, mails) = fake_smtp().await;
    let (hook_url, _, _) = fake_webhook().await;
    app.st.notify = Arc::new(config(smtp_port, &hook_url));
    let day = today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, day, None)
        .await
        .expect("demand demo");
    let id = crate::market::announced(&app, 3).await;
    let lead = app.token("qtdw").await;
    let past = day.checked_sub(jiff::Span::new().days(3)).unwrap();
    let (s, v) = app
        .post(
            &lead,
            &format!("/api/v1/competitions/{id}/actions/agree"),
            json!({"milestones": format!("完成两地试点部署|项目主体|{past}|钱伟"), "delivery_date": day.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    set_own_email_on_the_settings_page(&app, "scgs", "chen.li@example.com").await;
    assert_eq!(notify::digest(&app.st, day).await.unwrap(), 1);
    notify::run_once(&app.st).await.unwrap();
    let got = mails.lock().unwrap();
    assert_eq!(got.len(), 1);
    let body = got[0].body();
    assert!(
        body.contains("协议里程碑：完成两地试点部署") && body.contains("已逾期"),
        "{body}"
    );
    assert!(
        got[0].subject().contains("逾期 1 项"),
        "{}",
        got[0].subject()
    );
}

#[tokio::test]
async fn daily_digest_carries_competition_obligations_sqlite() {
    digest_shared(Backend::Sqlite).await;
}

#[tokio::test]
async fn daily_digest_carries_competition_obligations_postgres() {
    digest_shared(Backend::Postgres).await;
}

// [product] issue 3: several server processes share the outbox. A claimed delivery is leased:
// no one else takes it while the lease runs; after it runs out (the worker died) another worker
// takes it over, and the first one can no longer record an outcome.
async fn leases(backend: Backend) {
    let Some((db, _, _)) = crate::support::database(backend).await else {
        return;
    };
    let d = tongchou_store::outbox::NewDelivery {
        dedupe_key: "test:lease".into(),
        notification_id: None,
        user_id: None,
        jurisdiction_path: "/1/".into(),
        channel: "webhook",
        event: "test".into(),
        recipient: "http://127.0.0.1:9/hook".into(),
        subject: "租约".into(),
        payload: "{}".into(),
    };
    assert_eq!(db.fan_out(0, std::slice::from_ref(&d)).await.unwrap(), 1);
    assert_eq!(
        db.fan_out(0, &[d]).await.unwrap(),
        0,
        "the unique key holds"
    );
    let t = tongchou_store::outbox::now_ms() + 1000;
    let lease = 60_000;
    let a = db.claim_deliveries("worker-a", t, lease, 10).await.unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!((a[0].state.as_str(), a[0].attempts), ("sending", 1));
    assert!(db
        .claim_deliveries("worker-b", t + 1000, lease, 10)
        .await
        .unwrap()
        .is_empty());
    let b = db
        .claim_deliveries("worker-b", t + lease + 1, lease, 10)
        .await
        .unwrap();
    assert_eq!(b.len(), 1, "taken over after the lease");
    assert_eq!(b[0].attempts, 2);
    use tongchou_store::outbox::Outcome;
    assert!(!db
        .finish_delivery(a[0].id, "worker-a", &Outcome::Sent)
        .await
        .unwrap());
    assert!(db
        .finish_delivery(b[0].id, "worker-b", &Outcome::Sent)
        .await
        .unwrap());
    assert!(db
        .claim_deliveries("worker-c", t + 100 * lease, lease, 10)
        .await
        .unwrap()
        .is_empty());
    let rows = db.deliveries("/", None, 10).await.unwrap();
    assert_eq!(rows[0].state, "sent");
}

#[tokio::test]
async fn expired_lease_is_taken_over_and_the_old_worker_records_nothing_sqlite() {
    leases(Backend::Sqlite).await;
}

#[tokio::test]
async fn expired_lease_is_taken_over_and_the_old_worker_records_nothing_postgres() {
    leases(Backend::Postgres).await;
}
