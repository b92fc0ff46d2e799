//! The operator UI's pages and actions over plain HTTP, on real Postgres: bulk cancel, retry and
//! delete of a filter's jobs (and their refusals), keyset pages, the queue page's failure rate,
//! dead-letter discard, the live pipeline's JSON.

mod support;

use goalstream::store::dead_letter_admin;
use goalstream::store::{dead_letters, jobs, periodic, DeadLetter};
use goalstream::types::{Failure, JobState, NewJob, QueueSettings};
use reqwest::header::SET_COOKIE;
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use support::ui::TestUi;

/// A browser-like client of the anonymous loopback UI: its session cookie and CSRF token.
struct Visitor {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Visitor {
    async fn new(ui: &TestUi) -> Visitor {
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        let response = http.get(format!("{}/ui/queues", ui.base)).send().await.unwrap();
        let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_string();
        let html = response.text().await.unwrap();
        let at = html.find(r#"name="csrf" value=""#).unwrap() + 19;
        let csrf = html[at..at + 64].to_string();
        Visitor { http, base: ui.base.clone(), cookie, csrf }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut fields = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(&fields)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

async fn states(ui: &TestUi, ids: &[i64]) -> Vec<Option<JobState>> {
    let client = ui.db.pool.get().await.unwrap();
    let mut found = Vec::new();
    for &id in ids {
        found.push(jobs::state_of(&client, id).await.unwrap());
    }
    found
}

#[tokio::test]
async fn bulk_actions_change_every_job_the_filter_selects() {
    let ui = TestUi::start(false, false).await;
    let client = ui.db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let mail: Vec<NewJob> =
        (0..3).map(|i| NewJob::new("email", json!({ "n": i })).in_queue("parked")).collect();
    let ids: Vec<i64> =
        jobs::enqueue(&client, &settings, &mail).await.unwrap().into_iter().flatten().collect();
    let other = NewJob::new("report", json!({})).in_queue("parked");
    let other = jobs::enqueue(&client, &settings, &[other]).await.unwrap()[0].unwrap();
    let v = Visitor::new(&ui).await;

    let (status, body) = v.post("/ui/jobs/bulk", &[("action", "cancel"), ("confirm", "yes")]).await;
    assert_eq!(status, 400, "a bulk action needs a filter: {body}");
    let (status, _) = v.post("/ui/jobs/bulk", &[("action", "cancel"), ("kind", "email")]).await;
    assert_eq!(status, 400, "and a confirmation");

    let cancel = [("action", "cancel"), ("kind", "email"), ("confirm", "yes")];
    assert_eq!(v.post("/ui/jobs/bulk", &cancel).await.0, 303);
    let (_, page) = v.get("/ui/jobs?kind=email").await;
    assert!(page.contains("cancelled 3 job(s)"), "the outcome is shown: {page}");
    assert_eq!(states(&ui, &ids).await, vec![Some(JobState::Cancelled); 3]);
    assert_eq!(states(&ui, &[other]).await, vec![Some(JobState::Available)], "not selected");

    let retry =
        [("action", "retry"), ("kind", "email"), ("state", "cancelled"), ("confirm", "yes")];
    assert_eq!(v.post("/ui/jobs/bulk", &retry).await.0, 303);
    assert_eq!(states(&ui, &ids).await, vec![Some(JobState::Available); 3]);
    let delete = [("action", "delete"), ("kind", "email"), ("confirm", "yes")];
    assert_eq!(v.post("/ui/jobs/bulk", &delete).await.0, 303);
    assert_eq!(states(&ui, &ids).await, vec![Some(JobState::Available); 3], "live jobs stay");
    v.post("/ui/jobs/bulk", &cancel).await;
    assert_eq!(v.post("/ui/jobs/bulk", &delete).await.0, 303);
    assert_eq!(states(&ui, &ids).await, vec![None; 3], "finished jobs are deleted");
    let (_, page) = v.get("/ui/jobs").await;
    assert!(page.contains("deleted 3 job(s)"), "{page}");
    ui.stop().await;
}

#[tokio::test]
async fn pages_follow_the_cursor_and_queues_show_the_failure_rate() {
    let ui = TestUi::start(false, false).await;
    let mut client = ui.db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let many: Vec<NewJob> = (0..60).map(|_| NewJob::new("bulk", json!({}))).collect();
    jobs::enqueue(&client, &settings, &many).await.unwrap();
    let flaky = NewJob::new("flaky", json!({})).in_queue("q1").attempts(1);
    jobs::enqueue(&client, &settings, &[flaky]).await.unwrap();
    let claimed = jobs::claim(&client, "q1", 1, "w1").await.unwrap();
    let failure = Failure { id: claimed[0].id, attempt: 1, error: "boom".into() };
    jobs::fail(&mut client, &settings, &[failure]).await.unwrap();
    let v = Visitor::new(&ui).await;

    let (status, first) = v.get("/ui/jobs?kind=bulk").await;
    assert_eq!(status, 200);
    assert_eq!(first.matches("<tr data-id=").count(), 50);
    let at = first.find(r#"rel="next""#).expect("a next page");
    let href = &first[first[..at].rfind("href=\"").unwrap() + 6..at - 2];
    let (_, second) = v.get(&href.replace("&amp;", "&")).await;
    assert_eq!(second.matches("<tr data-id=").count(), 10, "{href}");
    assert!(!second.contains(r#"rel="next""#), "the last page");

    let (status, queues) = v.get("/ui/queues?minutes=5").await;
    assert_eq!(status, 200);
    let row = &queues[queues.find(r#"<tr data-queue="q1">"#).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("100.0 %"), "one attempt, failed: {row}");
    assert!(row.contains(r#"action="/ui/queues/q1/pause""#), "{row}");
    assert_eq!(v.get("/ui/queues?minutes=7").await.0, 400, "windows are 1, 5, 15, 60");
    assert!(queues.contains("No schedule registered"), "{queues}");

    // A registered periodic schedule is listed with its definition and counters, escaped.
    let definition = periodic::Definition {
        name: "nightly-<report>",
        cron: "0 0 3 * * *",
        timezone: "Europe/Berlin",
        kind: "report",
        queue: "default",
        catch_up: "skip",
    };
    periodic::register(&client, &definition, chrono::Utc::now()).await.unwrap();
    let (_, queues) = v.get("/ui/queues").await;
    let row = &queues[queues.find(r#"<tr data-schedule="nightly-&lt;report&gt;">"#).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    for cell in ["<code>0 0 3 * * *</code>", "Europe/Berlin", "report", "skip"] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
    ui.stop().await;
}

#[tokio::test]
async fn dead_letters_are_discarded_and_the_pipeline_reads_its_own_metrics() {
    let ui = TestUi::start(false, false).await;
    let client = ui.db.pool.get().await.unwrap();
    let letter = DeadLetter {
        topic: "telemetry".into(),
        partition: Some(0),
        offset: 1,
        key: None,
        payload: vec![0xff, 0x00],
        reason: "not UTF-8".into(),
    };
    dead_letters::insert(&client, &[letter]).await.unwrap();
    let id = dead_letter_admin::page(&client, &Default::default(), None, 1).await.unwrap()[0].id;
    let v = Visitor::new(&ui).await;
    let (status, page) = v.get(&format!("/ui/dead-letters/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("ff00") && page.contains("hex"), "a binary payload in hex: {page}");
    let (status, _) = v.post("/ui/dead-letters/action", &[("action", "discard")]).await;
    assert_eq!(status, 400, "nothing selected");
    let id_text = id.to_string();
    let discard = [("action", "discard"), ("id", id_text.as_str())];
    assert_eq!(v.post("/ui/dead-letters/action", &discard).await.0, 303);
    assert!(dead_letter_admin::get(&client, id).await.unwrap().is_none());
    assert_eq!(v.get(&format!("/ui/dead-letters/{id}")).await.0, 404);

    let (status, text) = v.get("/ui/pipeline.json").await;
    assert_eq!(status, 200);
    let reading: Value = serde_json::from_str(&text).unwrap();
    assert!(reading["at_ms"].as_i64().unwrap() > 0, "{reading}");
    assert!(reading["pipeline"]["partitions"].is_array(), "{reading}");
    assert!(reading["pipeline"]["events_consumed"].is_u64(), "{reading}");
    ui.stop().await;
}
