//! Issue 6, supervision and publicity: 挂图作战、对账销号 (SPEC P3), plan indicators (P4), the
//! 晾晒台's daily snapshots and trend (P1) and the 观星台 showcase (P2), over HTTP as the real
//! roles, on both databases.
use crate::support::{pdf, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tongchou_domain::{ProjectId, Stage};
use tongchou_store::today;

async fn walked(app: &TestApp, unit: &str, name: &str, stage: Stage) -> i64 {
    let token = app.token(unit).await;
    let id = app.draft(&token, name).await;
    tongchou_testkit::Walker::new(&app.st, &app.world, today())
        .walk(ProjectId(id), unit, stage)
        .await
        .unwrap();
    id
}

async fn page(app: &TestApp, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut r = app.client.get(format!("{}{path}", app.base));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn task<'a>(list: &'a Value, id: i64) -> &'a Value {
    list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()
}

// ZJ-plan 四(一) 明确责任分工，挂图作战、对账销号: an item is closed only with evidence, by its
// owner; the authority of the handling level confirms it or rejects it with a reason (reopens).
async fn tasks_close_with_evidence_and_reconcile(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let id = walked(&app, "jyj", "上城区智慧教育平台", Stage::InConstruction).await;
    let unit = app.token("jyj").await;
    let other = app.token("wjw").await;
    let auth = app.token("sjj").await;
    let city = app.token("hzsjj").await;
    let elsewhere = app.token("nbsjj").await;
    let tasks = format!("/api/v1/projects/{id}/tasks");
    let yesterday = today().yesterday().unwrap().to_string();
    let next_month = (today() + jiff::Span::new().days(30)).to_string();

    // Only the project's unit keeps its tasks; an indicator of "done" is required.
    let body = json!({"kind": "task", "title": "完成数据归集", "owner_person": "林晓", "due": yesterday,
                      "indicator": "归集数据表 30 张，质量检查通过"});
    let (s, v) = app.post(&other, &tasks, body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.post(&auth, &tasks, body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.post(&elsewhere, &tasks, body.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let mut bad = body.clone();
    bad["indicator"] = json!("");
    let (s, v) = app.post(&unit, &tasks, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "indicator", "{v}");
    let (s, t1) = app.post(&unit, &tasks, body).await;
    assert_eq!(s, StatusCode::CREATED, "{t1}");
    let t1id = t1["id"].as_i64().unwrap();
    assert_eq!(t1["state"], "open", "{t1}");
    assert_eq!(t1["overdue"], true, "a due date past is overdue: {t1}");
    // A milestone owned by another unit.
    let wjw_unit = app.world.actor("wjw").unit_id.0;
    let (s, t2) = app
        .post(
            &unit,
            &tasks,
            json!({"kind": "milestone", "title": "卫健数据接口联调", "owner_unit": wjw_unit, "owner_person": "王医生",
                   "due": next_month, "indicator": "接口联调报告"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t2}");
    let t2id = t2["id"].as_i64().unwrap();
    assert_eq!(t2["input"]["owner_unit_name"], "区卫生健康局", "{t2}");
    assert_eq!(t2["overdue"], false, "{t2}");

    // ZJ-plan 四(一)/(三): an overdue 挂图作战 item counts in the 晾晒台 unit ranking (not only
    // overdue obligations), and the project is one with something overdue.
    let ranking = app
        .st
        .db
        .board_units(
            &tongchou_domain::permission::list_scope(app.world.actor("sjj")),
            &Default::default(),
            today(),
        )
        .await
        .unwrap();
    let edu = ranking.iter().find(|r| r.unit_name == "区教育局").unwrap();
    assert_eq!(
        (edu.overdue_tasks, edu.overdue_projects),
        (1, 1),
        "{ranking:?}"
    );
    assert_eq!(ranking[0].unit_name, "区教育局", "worst first: {ranking:?}");
    let (board_cookie, _) = app.page_session("sjj").await;
    let (s, html) = page(&app, Some(&board_cookie), "/board").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("逾期任务"), "{html}");

    // The board across projects, by due date; overdue filter; scoped by who may see the project.
    let (s, v) = app.get(&auth, "/api/v1/tasks?overdue=1").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![t1id], "{v}");
    let (_, v) = app.get(&auth, "/api/v1/tasks").await;
    assert_eq!(v["total"], 2, "{v}");
    assert_eq!(v["items"][0]["id"], t1id, "ordered by due date: {v}");
    let (_, v) = app.get(&elsewhere, "/api/v1/tasks").await;
    assert_eq!(v["total"], 0, "another city sees none: {v}");
    // Filters: the owner unit (or the project's), the jurisdiction (within the reader's).
    let (_, v) = app
        .get(&auth, &format!("/api/v1/tasks?unit={wjw_unit}"))
        .await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["id"], t2id, "{v}");
    let district = app.world.actor("sjj").jurisdiction_id.0;
    let (_, v) = app
        .get(
            &auth,
            &format!("/api/v1/tasks?jurisdiction={district}&state=open"),
        )
        .await;
    assert_eq!(v["total"], 2, "{v}");
    let ningbo = app.world.actor("nbsjj").jurisdiction_id.0;
    let (s, v) = app
        .get(&auth, &format!("/api/v1/tasks?jurisdiction={ningbo}"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // Closing without evidence is refused, citing the plan; nothing changes.
    let close1 = format!("{tasks}/{t1id}/close");
    let (s, v) = app.post(&unit, &close1, json!({"note": "已完成"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "rule", "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("佐证") && msg.contains("四（一）"), "{v}");
    let (_, list) = app.get(&unit, &tasks).await;
    assert_eq!(task(&list, t1id)["state"], "open", "{list}");
    // Not the owner; an attachment of another project is no evidence.
    let (s, v) = app
        .post(&auth, &close1, json!({"reference": "浙数改〔2026〕1号"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .post(
            &unit,
            &format!("{tasks}/{t2id}/close"),
            json!({"reference": "联调报告"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the owner unit closes: {v}");
    let (s, v) = app
        .post(&unit, &close1, json!({"attachment": 999999}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "attachment", "{v}");

    // With an uploaded document of the project: closed, awaiting 对账.
    let (s, v) = app
        .upload(&unit, id, "other", "数据归集报告.pdf", pdf())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let aid = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["filename"] == "数据归集报告.pdf")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, v) = app
        .post(
            &unit,
            &close1,
            json!({"attachment": aid, "note": "已归集 32 张表", "version": t1["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "closed", "{v}");
    assert_eq!(v["evidence"]["attachment"][1], "数据归集报告.pdf", "{v}");
    assert_eq!(v["overdue"], false, "{v}");
    // A stale version is a conflict.
    let (s, v) = app
        .post(
            &unit,
            &format!("{tasks}/{t1id}/edit"),
            json!({"title": "x", "owner_person": "林晓", "due": yesterday, "indicator": "y", "version": t1["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // The closing waits in the district bureau's 我的待办, not in the city's.
    let (cookie, _) = app.page_session("sjj").await;
    let (_, html) = page(&app, Some(&cookie), "/").await;
    assert!(
        html.contains("挂图作战待办") && html.contains("完成数据归集") && html.contains("对账确认"),
        "{html}"
    );
    let (cookie, _) = app.page_session("hzsjj").await;
    let (_, html) = page(&app, Some(&cookie), "/").await;
    assert!(!html.contains("挂图作战待办"), "{html}");
    // 对账: only the authority of the handling level (the district bureau), not the unit, not the
    // city above, not another city.
    let confirm1 = format!("{tasks}/{t1id}/confirm");
    let reject1 = format!("{tasks}/{t1id}/reject");
    for (who, status) in [
        (&unit, StatusCode::FORBIDDEN),
        (&other, StatusCode::FORBIDDEN),
        (&city, StatusCode::FORBIDDEN),
        (&elsewhere, StatusCode::NOT_FOUND),
    ] {
        let (s, v) = app.post(who, &confirm1, json!({})).await;
        assert_eq!(s, status, "{v}");
    }
    // A rejection needs a reason and reopens the item.
    let (s, v) = app.post(&auth, &reject1, json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            &auth,
            &reject1,
            json!({"reason": "归集报告未附质量检查结论"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "open", "{v}");
    assert_eq!(v["reject_reason"], "归集报告未附质量检查结论", "{v}");
    assert_eq!(v["rejections"], 1, "{v}");
    // The owner finds it sent back in 我的待办.
    let (cookie, _) = app.page_session("jyj").await;
    let (_, html) = page(&app, Some(&cookie), "/").await;
    assert!(
        html.contains("对账退回：归集报告未附质量检查结论"),
        "{html}"
    );
    let (s, v) = app.post(&auth, &confirm1, json!({})).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "nothing to confirm while open: {v}"
    );
    // Closed again with a reference, then confirmed: 销号 done.
    let (s, v) = app
        .post(
            &unit,
            &close1,
            json!({"reference": "质量检查结论 ZJ-2026-118", "attachment": aid}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(&auth, &confirm1, json!({"note": "与台账一致"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "confirmed", "{v}");
    assert_eq!(v["confirmed_by"], "李静（区数据资源局）", "{v}");
    let (s, v) = app.post(&unit, &close1, json!({"reference": "x"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // The owner unit closes its milestone through the page, uploading the evidence file (the
    // project's document upload, with its limits).
    let (cookie, csrf) = app.page_session("wjw").await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("doc_date", today().to_string())
        .text("note", "联调完成")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf()).file_name("联调报告.pdf"),
        );
    let r = app
        .client
        .post(format!("{}/projects/{id}/tasks/{t2id}/close", app.base))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let (_, list) = app.get(&unit, &tasks).await;
    let t2 = task(&list, t2id);
    assert_eq!(t2["state"], "closed", "{list}");
    assert_eq!(t2["evidence"]["attachment"][1], "联调报告.pdf", "{list}");
    // Without evidence the page shows the refusal beside the form (422), nothing stored.
    let (s, t3) = app
        .post(
            &unit,
            &tasks,
            json!({"title": "上线试运行", "owner_unit": wjw_unit, "owner_person": "王医生", "due": next_month, "indicator": "试运行报告"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t3}");
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf)
        .text("note", "完成");
    let r = app
        .client
        .post(format!(
            "{}/projects/{id}/tasks/{}/close",
            app.base, t3["id"]
        ))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("销号须有佐证材料"), "{html}");

    // Every change is an entry of the project's hash-chained history.
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let actions: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["task_add", "task_close", "task_reject", "task_confirm"] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
    assert_eq!(
        actions.iter().filter(|a| **a == "task_close").count(),
        3,
        "{actions:?}"
    );
    assert!(app.st.db.verify_history().await.unwrap().is_ok());

    // Pages and the Excel export of the board.
    let (cookie, _) = app.page_session("sjj").await;
    let (s, html) = page(&app, Some(&cookie), "/tasks?overdue=1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("挂图作战") && html.contains("四（一）"),
        "{html}"
    );
    let (s, html) = page(&app, Some(&cookie), &format!("/projects/{id}/tasks")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("完成数据归集") && html.contains("已对账销号"),
        "{html}"
    );
    let (s, html) = page(&app, Some(&cookie), &format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("卫健数据接口联调"),
        "the project page shows the board"
    );
    let r = app
        .client
        .get(format!("{}/tasks.xlsx?project={id}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn task_closing_needs_evidence_and_the_authority_reconciles_sqlite() {
    tasks_close_with_evidence_and_reconcile(Backend::Sqlite).await;
}

#[tokio::test]
async fn task_closing_needs_evidence_and_the_authority_reconciles_postgres() {
    tasks_close_with_evidence_and_reconcile(Backend::Postgres).await;
}

// ZJ-plan 一 (85%以上依申请政务服务事项实现“一网通办”；掌上执法率 90%/95%) and 四(一) 形成指标体系:
// a province or city authority keeps the catalogue; a project links to an indicator for
// reporting only; the report lists per indicator the projects the reader may see.
async fn indicators(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let province = app.token("szb").await;
    let district = app.token("sjj").await;
    let unit = app.token("jyj").await;
    let other = app.token("wjw").await;

    let (s, v) = app
        .post(&district, "/api/v1/indicators/import", json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a district keeps none: {v}");
    let (s, v) = app
        .post(&province, "/api/v1/indicators/import", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["changed"], 7, "{v}");
    let (_, v) = app
        .post(&province, "/api/v1/indicators/import", json!({}))
        .await;
    assert_eq!(v["changed"], 0, "imported once: {v}");
    let items = v["items"].as_array().unwrap().clone();
    let find = |name: &str, target: &str| {
        items
            .iter()
            .find(|i| {
                i["indicator"]["input"]["name"] == name
                    && i["indicator"]["input"]["target"] == target
            })
            .unwrap_or_else(|| panic!("{name} {target}"))["indicator"]["id"]
            .as_i64()
            .unwrap()
    };
    let one_net = find("依申请政务服务事项“一网通办”率", "85%以上");
    // Edited by the province, version-checked.
    let edit = json!({"id": one_net, "version": 1, "name": "依申请政务服务事项“一网通办”率",
                      "target": "85%以上", "year": 2021, "cite": "浙江省数字政府系统建设方案 一", "note": "2021年底前"});
    let (s, v) = app
        .post(&province, "/api/v1/indicators/edit", edit.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(&province, "/api/v1/indicators/edit", edit).await;
    assert_eq!(s, StatusCode::CONFLICT, "stale version: {v}");
    let mobile = find("掌上执法率", "95%以上");
    assert_eq!(
        items
            .iter()
            .find(|i| i["indicator"]["id"] == mobile)
            .unwrap()["indicator"]["input"]["year"],
        2022
    );

    // The unit links its project (a draft: linking never depends on the stage) with a note.
    let id = app.draft(&unit, "上城区政务服务一网通办提升").await;
    let link = format!("/api/v1/projects/{id}/indicators");
    let (s, v) = app.post(&unit, &link, json!({"indicator": one_net})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "note", "{v}");
    let (s, v) = app
        .post(&other, &link, json!({"indicator": one_net, "note": "x"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another unit's draft: {v}");
    let (s, v) = app
        .post(
            &unit,
            &link,
            json!({"indicator": one_net, "note": "新增 120 项事项全程网办"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["indicators"][0]["note"], "新增 120 项事项全程网办", "{v}");
    // A task of the project shows in the report's progress.
    let (s, v) = app
        .post(
            &unit,
            &format!("/api/v1/projects/{id}/tasks"),
            json!({"title": "事项梳理", "owner_person": "林晓", "due": today().to_string(), "indicator": "事项清单"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app.get(&unit, "/api/v1/indicators").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"]["id"] == one_net)
        .unwrap();
    assert_eq!(row["projects"][0]["project_id"], id, "{v}");
    assert_eq!(row["projects"][0]["progress"]["total"], 1, "{v}");
    // The report keeps the read rules: the district bureau does not see a draft.
    let (_, v) = app.get(&district, "/api/v1/indicators").await;
    let row = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"]["id"] == one_net)
        .unwrap();
    assert_eq!(row["projects"], json!([]), "{v}");
    // Unlinking is recorded too.
    let (s, v) = app
        .post(
            &unit,
            &format!("/api/v1/projects/{id}/indicators/{mobile}/unlink"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not linked: {v}");
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    assert!(h["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "indicator_link"));

    // The unit's task page offers the forms; a refused one is shown again beside its input.
    let (cookie, csrf) = app.page_session("jyj").await;
    let (s, html) = page(&app, Some(&cookie), &format!("/projects/{id}/tasks")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("新增任务或里程碑")
            && html.contains("关联规划指标")
            && html.contains("事项梳理"),
        "{html}"
    );
    let r = app
        .client
        .post(format!("{}/projects/{id}/tasks", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "事项上线"),
            ("owner_person", "林晓"),
            ("due", "2026-12-31"),
            ("indicator", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("请填写完成标志") && html.contains("value=\"事项上线\""),
        "{html}"
    );
    // Page and Excel.
    let (s, html) = page(&app, Some(&cookie), "/indicators").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("上城区政务服务一网通办提升") && html.contains("85%以上"));
    let r = app
        .client
        .get(format!("{}/indicators.xlsx", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn plan_indicators_are_kept_by_the_province_and_linked_for_reporting_sqlite() {
    indicators(Backend::Sqlite).await;
}

#[tokio::test]
async fn plan_indicators_are_kept_by_the_province_and_linked_for_reporting_postgres() {
    indicators(Backend::Postgres).await;
}

// ZJ-plan 四(三) 依托“晾晒台”，定期公布各项目建设进展: the sweep takes one snapshot per unit per
// day, however often it runs and in however many processes; the board's trend shows it.
async fn snapshots(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let id = walked(&app, "jyj", "上城区校园安全监测", Stage::InConstruction).await;
    let jyj_unit = app.world.actor("jyj").unit_id.0;
    let path = app.world.actor("jyj").jurisdiction_path.clone();
    let yesterday = today().yesterday().unwrap();
    // An earlier day's snapshot, as yesterday's sweep left it.
    app.st
        .db
        .execute_raw(&format!(
            "INSERT INTO board_snapshots (day, unit_id, jurisdiction_path, projects, by_stage, overdue, overdue_projects, slow, taken_at) \
             VALUES ('{yesterday}', {jyj_unit}, '{path}', 1, '{{}}', 5, 1, 0, '{yesterday}T08:00:00+08:00')"
        ))
        .await
        .unwrap();

    // Two sweeps at once and one more later the same day: one row per unit.
    let (a, b) = tokio::join!(
        tongchou_web::service::sweep(&app.st),
        tongchou_web::service::sweep(&app.st)
    );
    a.unwrap();
    b.unwrap();
    let n = app.st.db.snapshot_rows(today()).await.unwrap();
    assert_eq!(n, 1, "one unit has declared projects");
    // A change after the snapshot does not rewrite it: the day keeps its first snapshot.
    let unit = app.token("jyj").await;
    let second = app.draft(&unit, "上城区第二个项目").await;
    tongchou_testkit::Walker::new(&app.st, &app.world, today())
        .walk(ProjectId(second), "jyj", Stage::ComplianceReview)
        .await
        .unwrap();
    tongchou_web::service::sweep(&app.st).await.unwrap();
    assert_eq!(app.st.db.snapshot_rows(today()).await.unwrap(), 1);

    // The trend: yesterday's 5 overdue, today's snapshot with one project.
    let auth = app.token("sjj").await;
    let (s, v) = app.get(&auth, "/api/v1/board/trend").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 2, "{v}");
    assert_eq!(points[0]["day"], yesterday.to_string(), "{v}");
    assert_eq!(points[0]["overdue"], 5, "{v}");
    assert_eq!(points[1]["day"], today().to_string(), "{v}");
    assert_eq!(
        points[1]["projects"], 1,
        "the first snapshot of the day: {v}"
    );
    assert_eq!(v["slow_days"], 90, "{v}");
    assert!(v["cite"].as_str().unwrap().contains("晾晒台"), "{v}");
    // Another city's authority sees no point of this district.
    let elsewhere = app.token("nbsjj").await;
    let (_, v) = app.get(&elsewhere, "/api/v1/board/trend").await;
    assert_eq!(v["points"], json!([]), "{v}");

    // The board draws it (SVG, no script) with its numbers one click away, and names slow projects.
    let (cookie, _) = app.page_session("sjj").await;
    let (s, html) = page(&app, Some(&cookie), "/board").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<svg class=\"trend\""), "{html}");
    assert!(html.contains(&format!("{yesterday}：逾期事项 5")), "{html}");
    assert!(html.contains("id=\"trend-data\"") && html.contains("进度缓慢项目"));
    // A project in its stage for more than the threshold is named slow.
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE projects SET stage_since = '2020-01-01T09:00:00+08:00' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let (_, v) = app.get(&auth, "/api/v1/board/trend").await;
    assert_eq!(v["slow_projects"][0]["id"], id, "{v}");
    let r = app
        .client
        .get(format!("{}/board.xlsx", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn two_sweeps_the_same_day_make_one_snapshot_and_the_trend_shows_it_sqlite() {
    snapshots(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_sweeps_the_same_day_make_one_snapshot_and_the_trend_shows_it_postgres() {
    snapshots(Backend::Postgres).await;
}

// ZJ-plan 四(三) 应用“观星台”，总结推广典型示范项目; Quzhou 四 项目推广: the authority chooses
// and publishes cases; the public page needs no login and shows published cases only, with
// nothing internal (no drafts, no expert opinions, no personal data).
async fn showcase(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let id = walked(&app, "jyj", "上城区智慧食堂应用", Stage::InOperation).await;
    let early = walked(&app, "jyj", "上城区在审项目", Stage::ComplianceReview).await;
    let auth = app.token("sjj").await;
    let unit = app.token("jyj").await;
    let elsewhere = app.token("nbsjj").await;
    let case = json!({"source": "project", "source_id": id, "title": "智慧食堂：从农田到餐桌",
                      "summary": "全区中小学食堂食材溯源和营养配餐。", "results": "覆盖 86 所学校，食材抽检合格率 99.6%。"});

    // Only the competent authority chooses cases, and only projects accepted and in operation.
    let (s, v) = app.post(&unit, "/api/v1/showcase/add", case.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let mut not_yet = case.clone();
    not_yet["source_id"] = json!(early);
    let (s, v) = app.post(&auth, "/api/v1/showcase/add", not_yet).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "rule", "{v}");
    let (s, v) = app.post(&auth, "/api/v1/showcase/add", case.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let cid = v["id"].as_i64().unwrap();
    assert_eq!(v["published"], false, "{v}");
    // Edited before publishing; empty results are refused.
    let mut edit = case.clone();
    edit["id"] = json!(cid);
    edit["results"] = json!("");
    let (s, v) = app.post(&auth, "/api/v1/showcase/edit", edit.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    edit["results"] = json!("覆盖 86 所学校，食材抽检合格率 99.6%。");
    let (s, v) = app.post(&auth, "/api/v1/showcase/edit", edit).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(&auth, "/api/v1/showcase/add", case.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "chosen once: {v}");

    // Unpublished: invisible to the public.
    let public = |app: &TestApp| {
        let c = app.client.clone();
        let base = app.base.clone();
        async move {
            let r = c
                .get(format!("{base}/public/showcase"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "readable without login");
            let html = r.text().await.unwrap();
            let r = c
                .get(format!("{base}/api/v1/public/showcase"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "readable without login");
            (html, r.text().await.unwrap())
        }
    };
    let (html, json_text) = public(&app).await;
    assert!(!html.contains("智慧食堂：从农田到餐桌"), "{html}");
    assert!(!json_text.contains("智慧食堂"), "{json_text}");

    // Only the authority covering it publishes.
    let publish = json!({"id": cid});
    let (s, v) = app
        .post(&unit, "/api/v1/showcase/publish", publish.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .post(&elsewhere, "/api/v1/showcase/publish", publish.clone())
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = app
        .post(&auth, "/api/v1/showcase/publish", publish.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["published"], true, "{v}");
    assert_eq!(v["history"].as_array().unwrap().len(), 3, "{v}");

    let (html, json_text) = public(&app).await;
    assert!(
        html.contains("智慧食堂：从农田到餐桌") && html.contains("覆盖 86 所学校"),
        "{html}"
    );
    assert!(json_text.contains("智慧食堂：从农田到餐桌"), "{json_text}");
    // Nothing internal: no persons (the project's responsible person, the curator, the experts),
    // no opinions recorded in the project's history, no other project.
    let mut secrets: Vec<String> = vec![
        "林晓".into(),
        "李静".into(),
        "上城区在审项目".into(),
        app.world.actor("zj1").name.clone(),
    ];
    for e in app.st.db.history(ProjectId(id)).await.unwrap() {
        if e.opinion.chars().count() >= 6 {
            secrets.push(e.opinion.clone());
        }
    }
    for p in app.st.db.panels(ProjectId(id)).await.unwrap() {
        for m in p.members {
            secrets.push(m.name.clone());
            if let Some(o) = m.opinion.filter(|o| o.chars().count() >= 6) {
                secrets.push(o);
            }
        }
    }
    for s in &secrets {
        assert!(!html.contains(s.as_str()), "public page leaks {s}");
        assert!(!json_text.contains(s.as_str()), "public API leaks {s}");
    }

    // Unpublished again: gone from the public page; the history keeps every step.
    let (s, v) = app.post(&auth, "/api/v1/showcase/unpublish", publish).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["history"].as_array().unwrap().len(), 4, "{v}");
    let (html, _) = public(&app).await;
    assert!(!html.contains("智慧食堂：从农田到餐桌"), "{html}");

    // The curator's page lists drafts; a unit may not open it.
    let (cookie, _) = app.page_session("sjj").await;
    let (s, html) = page(&app, Some(&cookie), "/showcase").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("智慧食堂：从农田到餐桌") && html.contains("未发布"));
    let (cookie, _) = app.page_session("jyj").await;
    let (s, _) = page(&app, Some(&cookie), "/showcase").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn showcase_publishes_by_the_authority_and_the_public_page_shows_nothing_internal_sqlite() {
    showcase(Backend::Sqlite).await;
}

#[tokio::test]
async fn showcase_publishes_by_the_authority_and_the_public_page_shows_nothing_internal_postgres() {
    showcase(Backend::Postgres).await;
}

/// Demo data (ZJ-plan 一, 四(一), 四(三)): the plan's indicators, projects with their boards (one
/// item late, closings reconciled and awaiting 对账), one published showcase case; the history
/// chains stay valid.
#[tokio::test]
async fn demo_has_boards_indicators_and_a_published_case() {
    let Some((db, _url, dir)) = crate::support::database(Backend::Sqlite).await else {
        return;
    };
    let st = tongchou_web::AppState::new(db, dir.join("data"));
    let world = tongchou_testkit::seed_demo(&st, today())
        .await
        .expect("demo");
    assert_eq!(st.db.indicators().await.unwrap().len(), 7);
    let scope = tongchou_domain::permission::list_scope(world.actor("sjj"));
    let (items, total) = st
        .db
        .board_tasks(&scope, &Default::default(), today(), 100, 0)
        .await
        .unwrap();
    assert!(total >= 6, "{total}");
    let states: Vec<_> = items.iter().map(|b| b.task.state).collect();
    use tongchou_domain::tasks::TaskState;
    assert!(states.contains(&TaskState::Confirmed) && states.contains(&TaskState::Closed));
    assert!(items.iter().any(|b| b.task.overdue(today())));
    assert_eq!(st.db.indicator_links().await.unwrap().len(), 1);
    assert_eq!(st.db.published_cases().await.unwrap().len(), 1);
    assert!(st.db.verify_history().await.unwrap().is_ok());
}

/// `audit verify` walks `board_history` too (indicators and showcase cases have no project, so
/// their changes are chained per subject): an import and an edit chain; changing an entry
/// directly in the database is found and named (SPEC §2 history: every state change recorded,
/// tamper-evident; ZJ-plan 四(三) the indicators reported against).
#[tokio::test]
async fn tampered_board_history_fails_audit_verify() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let province = app.token("szb").await;
    let (s, v) = app
        .post(&province, "/api/v1/indicators/import", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let first = &v["items"][0]["indicator"];
    let id = first["id"].as_i64().unwrap();
    let mut edit = first["input"].clone();
    edit["id"] = json!(id);
    edit["version"] = first["version"].clone();
    edit["note"] = json!("审计链测试");
    let (s, v) = app.post(&province, "/api/v1/indicators/edit", edit).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let n = app.st.db.verify_board_history().await.unwrap().unwrap();
    assert!(n >= 8, "seven imported, one edited: {n}");
    let bin = env!("CARGO_BIN_EXE_tongchou");
    let run = || {
        std::process::Command::new(bin)
            .args(["audit", "verify", "--database-url", &app.db_url])
            .output()
            .unwrap()
    };
    let ok = run();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains(&format!("{n} indicator/showcase")),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    // An entry changed in the database is found and named.
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE board_history SET summary = '已篡改' WHERE subject_id = {id} AND seq = 2"
        ))
        .await
        .unwrap();
    let bad = run();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains(&format!("{id} history entry 2")), "{err}");
    assert!(err.contains("content does not match"), "{err}");
    let broken = app.st.db.verify_board_history().await.unwrap().unwrap_err();
    assert_eq!((broken.project_id, broken.seq), (id, 2));

    // Entries written before migration 0025 (numbered, no hash yet) are chained at upgrade, and
    // the chain then verifies.
    app.st
        .db
        .execute_raw("UPDATE board_history SET prev_hash = '', hash = ''")
        .await
        .unwrap();
    assert!(app.st.db.verify_board_history().await.unwrap().is_err());
    assert_eq!(app.st.db.chain_board_history().await.unwrap(), n);
    assert_eq!(app.st.db.verify_board_history().await.unwrap().unwrap(), n);
}
