//! The operator UI in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by scripts/deps.sh) driven over WebDriver by fantoccini, with
//! chromedriver started on a free port. Logs in with an admin key, lists and filters jobs,
//! opens a job and its DAG, retries a dead job and watches a worker complete it, replays a dead
//! letter, looks up a player, watches the live pipeline poll, visits every page, and requires
//! zero browser console errors (chromedriver's browser log, and the errors `ui.js` collects).
//!
//! Skipped with a message when Chromium is not installed, except under `CI=true`, where it
//! fails instead. `GOALSTREAM_UI_SCREENSHOTS=DIR` saves a PNG of every page into DIR (the
//! pictures in docs/console/).

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use goalstream::store::{dead_letter_admin, dead_letters, jobs, DeadLetter};
use goalstream::types::{JobGraph, JobState, NewJob, Parent, QueueSettings};
use serde_json::{json, Value};
use support::ui::{TestUi, SECOND_TIME};

const CHROMIUM: &str = "/usr/bin/chromium";
const WAIT: Duration = Duration::from_secs(20);

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_driver() -> Option<PathBuf> {
    let candidates = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

async fn start_driver(path: &Path) -> Driver {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{url}/status")).await.is_err() {
        assert!(started.elapsed() < WAIT, "chromedriver did not answer on {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver { child, url }
}

/// chromedriver's browser console log (`POST /session/{id}/se/log`).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(r#"{"type":"browser"}"#.to_string()))
    }
}

/// The browser, the UI, and where screenshots go.
struct Session {
    browser: Client,
    base: String,
    shots: Option<PathBuf>,
    errors: Vec<String>,
}

impl Session {
    async fn visit(&mut self, path: &str) {
        self.browser.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.collect_errors(path).await;
    }

    /// Console errors so far (the browser log's SEVERE entries and `window.gsErrors`).
    async fn collect_errors(&mut self, page: &str) {
        if let Ok(Value::Array(entries)) = self.browser.issue_cmd(BrowserLog).await {
            for entry in entries {
                if entry["level"] == "SEVERE" {
                    self.errors.push(format!("{page}: {}", entry["message"]));
                }
            }
        }
        let script = "return (window.gsErrors || []).slice();";
        if let Ok(Value::Array(errors)) = self.browser.execute(script, vec![]).await {
            self.errors.extend(errors.iter().map(|e| format!("{page}: {e}")));
        }
    }

    async fn text(&self, css: &str) -> String {
        match self.browser.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap(),
            Err(error) => {
                let url = self.browser.current_url().await.map(|u| u.to_string());
                let source = self.browser.source().await.unwrap_or_default();
                panic!("{css} not found on {url:?} ({error}):\n{source}")
            }
        }
    }

    /// Waits until the element `css` has a text satisfying `ok` (reloading the page when
    /// `reload`), returns it.
    async fn wait_text(&self, css: &str, reload: bool, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.browser.find(Locator::Css(css)).await {
                if let Ok(text) = element.text().await {
                    if ok(&text) {
                        return text;
                    }
                    assert!(started.elapsed() < WAIT, "{css}: still {text:?}");
                }
            }
            assert!(started.elapsed() < WAIT, "{css}: not found");
            tokio::time::sleep(Duration::from_millis(200)).await;
            if reload {
                self.browser.refresh().await.unwrap();
            }
        }
    }

    async fn click(&self, css: &str) {
        self.browser.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
    }

    async fn shot(&self, name: &str) {
        if let Some(dir) = &self.shots {
            let png = self.browser.screenshot().await.unwrap();
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        }
    }
}

/// A dead `second.time` job (its one attempt failed), a small DAG and some `email` jobs on a
/// queue no worker serves, a replayable and a malformed dead letter.
async fn seed(ui: &TestUi) -> (i64, i64, i64) {
    let mut client = ui.db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let dead = NewJob::new(SECOND_TIME, json!({"note": "fails once"})).attempts(1);
    let dead = jobs::enqueue(&client, &settings, &[dead]).await.unwrap()[0].unwrap();
    let emails: Vec<NewJob> = (0..3)
        .map(|i| {
            NewJob::new("email.send", json!({"to": format!("p{i}@example.com")})).in_queue("parked")
        })
        .collect();
    jobs::enqueue(&client, &settings, &emails).await.unwrap();
    let mut graph = JobGraph::default();
    let parent =
        graph.job(NewJob::new("report.build", json!({"day": "2026-12-04"})).in_queue("parked"));
    for kind in ["report.mail", "report.archive"] {
        let child = graph.job(NewJob::new(kind, json!({})).in_queue("parked"));
        graph.depends(child, Parent::Node(parent));
    }
    let ids = jobs::enqueue_graph(&mut client, &settings, &graph).await.unwrap();
    let letters = [
        DeadLetter {
            topic: "telemetry".into(),
            partition: Some(0),
            offset: 41,
            key: None,
            payload: br#"{"event_id":"e1","user_id":"p1","stat_code":"login","delta":1}"#.to_vec(),
            reason: "unknown stat_code (before the catalog fix)".into(),
        },
        DeadLetter {
            topic: "telemetry".into(),
            partition: Some(1),
            offset: 42,
            key: None,
            payload: b"{not json".to_vec(),
            reason: "malformed JSON: key must be a string at line 1 column 2".into(),
        },
    ];
    dead_letters::insert(&client, &letters).await.unwrap();
    let page = dead_letter_admin::page(&client, &Default::default(), None, 10).await.unwrap();
    let started = Instant::now();
    while jobs::state_of(&client, dead).await.unwrap() != Some(JobState::Failed) {
        assert!(started.elapsed() < WAIT, "the worker did not fail job {dead}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (dead, ids[0], page[1].id)
}

#[tokio::test]
async fn every_page_works_in_a_real_browser() {
    let driver = match (find_driver(), Path::new(CHROMIUM).exists()) {
        (Some(driver), true) => driver,
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI must run the browser test: scripts/deps.sh installs chromium and chromium-driver")
        }
        _ => {
            eprintln!(
                "skipped: Chromium is not installed (apt-get install chromium chromium-driver)"
            );
            return;
        }
    };
    let driver = start_driver(&driver).await;
    let ui = TestUi::start(true, true).await;
    let (dead, dag_parent, letter) = seed(&ui).await;
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1360,900"]
        },
        "goog:loggingPrefs": { "browser": "ALL" }
    });
    let Value::Object(capabilities) = capabilities else { unreachable!() };
    let browser = ClientBuilder::native()
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session");
    let shots = std::env::var_os("GOALSTREAM_UI_SCREENSHOTS").map(PathBuf::from);
    let mut s = Session { browser, base: ui.base.clone(), shots, errors: Vec::new() };

    // The console check can fail: an error logged by a page reaches the browser log we read.
    s.visit("/ui/login").await;
    s.browser.execute("console.error('gs-probe')", vec![]).await.unwrap();
    s.collect_errors("probe").await;
    assert!(s.errors.iter().any(|e| e.contains("gs-probe")), "{:?}", s.errors);
    s.errors.clear();

    s.visit("/ui/queues").await;
    assert!(s.browser.current_url().await.unwrap().path().ends_with("/ui/login"));
    s.shot("login").await;
    let form = s.browser.form(Locator::Css("form[action='/ui/login']")).await.unwrap();
    form.set_by_name("key", &ui.admin_key).await.unwrap().submit().await.unwrap();
    let queues = s.text("#queues").await;
    assert!(queues.contains("parked") && queues.contains("default"), "{queues}");
    s.collect_errors("/ui/queues").await;
    s.shot("queues").await;

    s.visit("/ui/jobs").await;
    let list = s.text("#jobs").await;
    assert!(list.contains("email.send") && list.contains("report.build"), "{list}");
    let form = s.browser.form(Locator::Id("job-filters")).await.unwrap();
    form.set_by_name("kind", "email.send").await.unwrap().submit().await.unwrap();
    let filtered = s.wait_text("#jobs", false, |t| !t.contains("report.build")).await;
    assert_eq!(filtered.matches("email.send").count(), 3, "{filtered}");
    s.collect_errors("/ui/jobs?kind=email.send").await;
    s.shot("jobs").await;

    s.visit(&format!("/ui/jobs/{dag_parent}")).await;
    let svg = s.browser.find(Locator::Css("svg#dag")).await.unwrap();
    assert_eq!(s.browser.find_all(Locator::Css("svg#dag rect")).await.unwrap().len(), 3);
    drop(svg);
    s.shot("job-dag").await;

    s.visit(&format!("/ui/jobs?state=failed&kind={SECOND_TIME}")).await;
    s.click(&format!("a[href='/ui/jobs/{dead}']")).await;
    let attempts = s.text("#attempts").await;
    assert!(attempts.contains("the first attempt always fails"), "{attempts}");
    assert_eq!(s.text("#job-state").await, "failed");
    s.collect_errors("/ui/jobs/{dead}").await;
    s.shot("job").await;
    s.click("#retry").await;
    s.wait_text(".flash", false, |t| t.contains("retried now")).await;
    s.wait_text("#job-state", true, |t| t == "completed").await;
    s.collect_errors("/ui/jobs/{dead} after the retry").await;

    s.visit("/ui/dead-letters").await;
    let letters = s.text("table").await;
    assert!(letters.contains("malformed JSON") && letters.contains("before the catalog fix"));
    s.shot("dead-letters").await;
    s.visit(&format!("/ui/dead-letters/{letter}")).await;
    assert!(s.text("#payload").await.contains("\"stat_code\": \"login\""));
    s.click("#replay").await;
    let flash = s.wait_text(".flash", false, |t| !t.is_empty()).await;
    assert!(flash.contains("applied"), "{flash}");
    assert!(s.text("#f-replay-outcome").await.starts_with("applied"));
    s.collect_errors("/ui/dead-letters/{letter}").await;
    s.shot("dead-letter").await;

    s.visit("/ui/players?user_id=p1").await;
    assert!(s.text("#goals").await.contains("first-login"), "the replayed event's progress");
    s.wait_text("#grants", true, |t| !t.contains("No reward granted")).await;
    s.shot("players").await;

    s.visit("/ui/pipeline").await;
    let started = Instant::now();
    while s.browser.find(Locator::Css("#pipeline[data-updated]")).await.is_err() {
        assert!(started.elapsed() < WAIT, "the pipeline page never polled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.collect_errors("/ui/pipeline").await;
    s.shot("pipeline").await;

    s.click("header .logout button").await;
    s.wait_text("h1", false, |t| t.contains("operator console")).await;
    s.collect_errors("/ui/login after logout").await;
    assert!(s.errors.is_empty(), "browser console errors: {:#?}", s.errors);
    s.browser.close().await.unwrap();
    drop(driver);
    ui.stop().await;
}
